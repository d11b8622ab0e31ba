import pytest

from bright_eval.data import BrightData
from bright_eval.retrieval import get_retriever
from bright_eval.retrieval.cache import first_stage_run
from bright_eval.retrieval.fusion import Fusion, reciprocal_rank_fusion
from bright_eval.retrieval.imported import ImportedRun
from bright_eval.runs import read_run
from tests.conftest import REASONIR_RUN
from tests.helpers import build_snapshot


def test_rrf_by_hand():
    a = {"q": {"a": 3.0, "b": 2.0, "c": 1.0}}
    b = {"q": {"c": 0.9, "d": 0.8}, "r": {"x": 1.0}}
    fused = reciprocal_rank_fusion([a, b], depth=3)
    # c: 1/63 + 1/61; a: 1/61; b and d: 1/62, tied: trec_eval order puts "d" first.
    assert list(fused["q"].items()) == [("c", 1 / 63 + 1 / 61), ("a", 1 / 61), ("d", 1 / 62)]
    assert fused["r"] == {"x": 1 / 61}


def test_rrf_spec_needs_two_parts():
    fusion = get_retriever("rrf:bm25-python+file:runs/{domain}.trec.gz")
    assert isinstance(fusion, Fusion) and isinstance(fusion.parts[1], ImportedRun)
    assert fusion.config()["retriever"] == "rrf:bm25-python+file:runs/{domain}.trec.gz"
    with pytest.raises(ValueError, match="two or more"):
        get_retriever("rrf:bm25")


def test_rrf_parts_come_from_the_cache(shared_bright, tmp_path, counted):  # noqa: F811
    snapshot = build_snapshot(shared_bright, tmp_path / "BRIGHT")
    data = BrightData.from_options(str(snapshot))
    cache = tmp_path / "cache"
    spec = f"rrf:bm25-python+file:{REASONIR_RUN}"
    fused, path, provenance = first_stage_run(spec, data, "pony", cache_dir=cache)
    bm25_run, bm25_path, _ = first_stage_run("bm25-python", data, "pony", cache_dir=cache)
    assert counted == ["pony"]  # bm25 scored once, for the fusion; then reused
    reasonir = read_run(REASONIR_RUN.format(domain="pony"))
    assert fused == reciprocal_rank_fusion([bm25_run, reasonir])
    assert read_run(path) == fused and provenance["key"]["first_stage"]["k"] == 60
    assert len(list(cache.glob("runs/*/pony.trec.gz"))) == 3  # bm25, the file, the fusion
