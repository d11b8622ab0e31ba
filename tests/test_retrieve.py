"""`retrieve` + the cache, end to end on a local snapshot in BRIGHT's layout built here."""

import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bright_eval.cli import main
from bright_eval.data import BrightData
from bright_eval.retrieval.analyzer import PythonAnalyzer
from bright_eval.retrieval.cache import first_stage_run
from bright_eval.runs import read_run
from tests.helpers import DOMAINS, build_snapshot, real_texts, reference_metrics, reference_run

pytest.importorskip("gensim", reason="gensim is the reference (the [test] extra)")


@pytest.fixture
def snapshot(shared_bright, tmp_path):
    return build_snapshot(shared_bright, tmp_path / "BRIGHT")


def test_retrieve_then_evaluate_end_to_end(snapshot, tmp_path, capsys, counted):
    cache = tmp_path / "cache"
    argv = ["retrieve", "--retriever", "bm25-python", "--data-dir", str(snapshot),
            "--domains", ",".join(DOMAINS), "--cache-dir", str(cache)]  # fmt: skip
    assert main(argv) == 0
    paths = capsys.readouterr().out.splitlines()
    assert [p.rsplit("/", 1)[1] for p in paths] == ["pony.trec.gz", "leetcode.trec.gz"]
    assert counted == list(DOMAINS)

    # Each run equals the reference recipe's on the same documents and queries.
    data = BrightData.from_options(str(snapshot))
    analyzer = PythonAnalyzer()
    for domain, path in zip(DOMAINS, paths, strict=True):
        docs = pq.read_table(snapshot / "documents" / f"{domain}-00000-of-00001.parquet")
        queries = data.queries(domain)
        expected, _ = reference_run(
            [analyzer.analyze(t) for t in docs.column("content").to_pylist()],
            docs.column("id").to_pylist(),
            {q.id: analyzer.analyze(q.text) for q in queries},
            {q.id: list(q.excluded_ids) for q in queries},
        )
        assert read_run(path) == {q: d for q, d in expected.items() if d}
        with open(path.replace(".trec.gz", ".provenance.json")) as f:
            provenance = json.load(f)
        assert provenance["key"]["first_stage"]["analyzer"] == analyzer.name
        files = [f[0] for f in provenance["fingerprint"]["data_files"]]
        assert files == [f"examples/{domain}-00000-of-00001.parquet",
                         f"documents/{domain}-00000-of-00001.parquet"]  # fmt: skip

    # evaluate reads the cache folder as a run template.
    template = paths[0].replace("pony.trec.gz", "{domain}.trec.gz")
    out = tmp_path / "results.json"
    assert main(["evaluate", "--run", template, "--data-dir", str(snapshot),
                 "--domains", ",".join(DOMAINS), "--out", str(out)]) == 0  # fmt: skip
    results = json.loads(out.read_text())["domains"]
    for domain, path in zip(DOMAINS, paths, strict=True):
        assert results[domain] == reference_metrics(read_run(path), data.qrels(domain))
    assert results["pony"]["NDCG@10"] > 0.1  # gold documents hold their queries' text

    # Second call: same paths, no scoring work, files untouched.
    mtimes = [os.stat(p).st_mtime_ns for p in paths]
    capsys.readouterr()
    assert main(argv) == 0
    second = capsys.readouterr()
    assert second.out.splitlines() == paths
    assert second.err.splitlines() == ["pony: reused", "leetcode: reused"]
    assert counted == list(DOMAINS)
    assert [os.stat(p).st_mtime_ns for p in paths] == mtimes

    # --refresh recomputes.
    assert main([*argv, "--refresh", "--domains", "pony"]) == 0
    assert counted == [*DOMAINS, "pony"]


def test_an_interrupted_entry_is_never_read_as_complete(snapshot, tmp_path, monkeypatch, counted):
    import bright_eval.runs

    data = BrightData.from_options(str(snapshot))
    real_replace = os.replace

    def interrupted(src, dst):
        if str(dst).endswith(".provenance.json"):
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(bright_eval.runs.os, "replace", interrupted)
    cache = tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        first_stage_run("bm25-python", data, "pony", cache_dir=cache)
    left = sorted(p.name for p in cache.rglob("*") if p.is_file())
    assert left == ["key.json", "pony.trec.gz"]  # no .partial file, no provenance
    monkeypatch.setattr(bright_eval.runs.os, "replace", real_replace)
    run, path, provenance = first_stage_run("bm25-python", data, "pony", cache_dir=cache)
    assert counted == ["pony", "pony"]  # the run without provenance was recomputed
    assert provenance["queries"] == 112 and read_run(path) == run


def test_unknown_retriever_lists_the_valid_ones(shared_bright, capsys):
    assert main(["retrieve", "--retriever", "bm26", "--data-dir", str(shared_bright)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "unknown retriever 'bm26'; valid retrievers: " in err
    listed = err.split("valid retrievers: ")[1].split(", dense:<model")[0].split(", ")
    assert {"bm25", "bm25-python", "bm25-lucene", "bm25s", "bge", "sbert"} <= set(listed)
    assert listed == sorted(listed)


def test_bright_eval_cache_moves_the_cache(monkeypatch, tmp_path):
    from bright_eval.cache_dir import cache_root

    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "elsewhere"))
    assert cache_root() == tmp_path / "elsewhere"
    assert cache_root(tmp_path / "given") == tmp_path / "given"


def test_query_variant_is_a_parameter_with_its_own_cache_entry(snapshot, tmp_path, counted):
    # A reasoning variant: same schema, `query` replaced (here by the next query's text).
    name = "pony-00000-of-00001.parquet"
    rows = pq.read_table(snapshot / "examples" / name).to_pylist()
    texts = [r["query"] for r in rows]
    for row, text in zip(rows, texts[1:] + texts[:1], strict=True):
        row["query"] = text
    (snapshot / "gpt4_reason").mkdir()
    pq.write_table(pa.Table.from_pylist(rows), snapshot / "gpt4_reason" / name)

    data = BrightData.from_options(str(snapshot))
    cache = tmp_path / "cache"
    original, original_path, _ = first_stage_run("bm25-python", data, "pony", cache_dir=cache)
    reason, reason_path, provenance = first_stage_run(
        "bm25-python", data, "pony", query_variant="gpt4_reason", cache_dir=cache
    )
    assert counted == ["pony", "pony"]
    assert original_path.parent != reason_path.parent
    assert reason_path.parent.name.startswith("bm25-python-gpt4_reason-short-")
    assert provenance["key"]["query_variant"] == "gpt4_reason"
    analyzer = PythonAnalyzer()
    docs = pq.read_table(snapshot / "documents" / name)
    expected, _ = reference_run(
        [analyzer.analyze(t) for t in docs.column("content").to_pylist()],
        docs.column("id").to_pylist(),
        {r["id"]: analyzer.analyze(r["query"]) for r in rows},
        {r["id"]: r["excluded_ids"] for r in rows},
    )
    assert reason == expected and original != reason


def test_bm25_uses_lucene_analysis_when_java_is_there(snapshot, tmp_path):
    from bright_eval.retrieval import lucene

    if lucene.lucene_missing_reason() is not None:
        pytest.skip(f"Lucene unavailable: {lucene.lucene_missing_reason()}")
    data = BrightData.from_options(str(snapshot))
    run, _, provenance = first_stage_run("bm25", data, "pony", cache_dir=tmp_path / "cache")
    assert provenance["key"]["first_stage"]["analyzer"] == "lucene-anserini-1.7.1-english-porter"
    analyzer = lucene.LuceneAnalyzer()
    docs = pq.read_table(snapshot / "documents" / "pony-00000-of-00001.parquet")
    queries = data.queries("pony")
    expected, _ = reference_run(
        [analyzer.analyze(t) for t in docs.column("content").to_pylist()],
        docs.column("id").to_pylist(),
        {q.id: analyzer.analyze(q.text) for q in queries},
        {q.id: [] for q in queries},
    )
    assert run == expected


def test_long_documents_are_a_parameter(shared_bright, snapshot, tmp_path, capsys):
    # long_documents/pony: whole pages named by gold_ids_long, each the text of its queries.
    name = "pony-00000-of-00001.parquet"
    rows = pq.read_table(snapshot / "examples" / name).to_pylist()
    pages: dict[str, str] = {}
    for row in rows:
        for page in row["gold_ids_long"]:
            pages[page] = pages.get(page, "") + "\n" + row["query"]
    filler = real_texts(shared_bright, ["robotics"])
    pages.update({f"Pony/9_extra_page{i}.txt": t for i, t in enumerate(filler[:300])})
    (snapshot / "long_documents").mkdir()
    pq.write_table(
        pa.table({"id": list(pages), "content": list(pages.values())}),
        snapshot / "long_documents" / name,
    )
    cache = tmp_path / "cache"
    argv = ["retrieve", "--retriever", "bm25-python", "--data-dir", str(snapshot), "--long",
            "--domains", "pony", "--cache-dir", str(cache)]  # fmt: skip
    assert main(argv) == 0
    path = capsys.readouterr().out.strip()
    assert "/bm25-python-original-long-" in path
    data = BrightData.from_options(str(snapshot))
    analyzer = PythonAnalyzer()
    queries = data.queries("pony")
    expected, _ = reference_run(
        [analyzer.analyze(t) for t in pages.values()],
        list(pages),
        {q.id: analyzer.analyze(q.text) for q in queries},
        {q.id: [] for q in queries},
    )
    assert read_run(path) == expected
    out = tmp_path / "long.json"
    template = path.replace("pony.trec.gz", "{domain}.trec.gz")
    assert main(["evaluate", "--run", template, "--long", "--data-dir", str(snapshot),
                 "--domains", "pony", "--out", str(out)]) == 0  # fmt: skip
    result = json.loads(out.read_text())["domains"]["pony"]
    assert result == reference_metrics(read_run(path), data.qrels("pony", long_documents=True))
