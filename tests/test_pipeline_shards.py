"""The pipeline with a model-free reranker: sharding by query, merging shards through the
cache, ties by first stage, results folder contents."""

import pytest

from bright_eval.cli import main
from bright_eval.pipeline import Shard
from bright_eval.provenance import examples_sha256
from bright_eval.rerank import REGISTRY, Judgement, PointwiseReranker
from bright_eval.results import load_system, load_systems
from bright_eval.runs import ranked, read_run
from tests import helpers
from tests.helpers import QUERY_IDS
from tests.snapshot import take_as_pinned

domain = helpers.domain  # a fixture: four biology queries, three documents each


class DocLength(PointwiseReranker):
    name = "test-doc-length"
    seen: list[tuple[str, str, str]] = []  # what it was asked: a test's record, no setting
    not_settings = frozenset({"seen", "domains"})
    domains: set[str] = set()

    def judge(self, candidates):
        DocLength.seen += [(c.query_id, c.query, c.doc_id) for c in candidates]
        DocLength.domains |= {c.domain for c in candidates}
        return [Judgement(score=float(len(c.document)), raw=c.document) for c in candidates]


@pytest.fixture(autouse=True)
def registered():
    DocLength.seen, DocLength.domains = [], set()  # other modules run it too (e.g. on Ray)
    yield
    DocLength.seen = []


def teardown_module():
    REGISTRY.pop("test-doc-length", None)


@pytest.fixture
def as_pinned(domain, monkeypatch):
    """The snapshot's four biology queries taken for the pinned revision's."""
    take_as_pinned(monkeypatch, domain[0], "biology")
    return domain


def test_shards_split_by_query_and_merge_into_one_result(domain, monkeypatch, capsys):
    root, queries, real = domain
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(root / "cache"))
    base = ["--reranker", "test-doc-length", "--first-stage", f"file:{root}/{{domain}}.trec",
            "--domains", "biology", "--data-dir", str(root), "--results-dir", str(root / "results"),
            "--system-name", "lengths", "--no-progress"]  # fmt: skip
    assert main([*base, "--shard", "1/2"]) == 0
    # The examples file keeps BRIGHT's row order (5, 11, 20, 98): shard 1 takes positions 0, 2.
    order = list(queries)
    assert order == ["5", "11", "20", "98"]
    assert {q for q, _, _ in DocLength.seen} == {order[0], order[2]}
    assert len(DocLength.seen) == 6
    assert not (root / "results").exists()  # a shard alone is not a result
    assert "shard 1/2 done" in capsys.readouterr().err
    DocLength.seen = []
    # Merging before shard 2 has run: nothing is computed, the gap is named.
    assert main([*base, "--cached-only"]) == 2
    assert DocLength.seen == []
    err = capsys.readouterr().err.splitlines()[-1]
    assert err == "error: biology: 6 of 12 pairs are not in the cache (e.g. query 11, document " + (
        f"{ranked(real['11'])[0][0]}); run the missing shards first"
    )
    assert main([*base, "--shard", "2/2"]) == 0
    assert {q for q, _, _ in DocLength.seen} == {order[1], order[3]}
    files = sorted(p.name for p in (root / "cache" / "rerank").glob("*/*.jsonl"))
    assert files == ["shard-1-of-2.jsonl", "shard-2-of-2.jsonl"]
    # Every query saw its original text.
    assert all(text == queries[q] for q, text, _ in DocLength.seen)

    DocLength.seen = []
    assert main([*base, "--cached-only"]) == 0
    assert DocLength.seen == []  # merged from the shards' outputs
    assert "pairs 12: cached 12, model calls 0" in capsys.readouterr().err
    run = read_run(root / "results" / "lengths" / "run" / "biology.trec.gz")
    for qid in QUERY_IDS:
        first = [d for d, _ in ranked(real[qid])[:3]]
        # Lengths 4, 2, 4: rank 1 and rank 3 tie at 4 and keep first-stage order.
        assert run[qid] == {first[0]: 3.0, first[2]: 2.0, first[1]: 1.0}
    record = load_system(root / "results" / "lengths" / "system.json")
    assert set(record.metrics) == {"biology"} and record.reranker.name == "test-doc-length"
    config = record.reranker.config
    assert config["backend"] == {}  # no model: nothing to describe
    assert config["first_stage"]["spec"] == f"file:{root}/{{domain}}.trec"


def test_the_reranker_sees_the_original_query_unless_told_otherwise(domain, monkeypatch):
    root, queries, _ = domain
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(root / "cache"))
    base = ["--reranker", "test-doc-length", "--first-stage", f"file:{root}/{{domain}}.trec",
            "--domains", "biology", "--data-dir", str(root), "--results-dir", str(root / "results"),
            "--query-variant", "gpt4_reason", "--max-queries", "2", "--no-progress"]  # fmt: skip
    assert main(base) == 0
    assert {(q, text) for q, text, _ in DocLength.seen} == {
        ("5", queries["5"]),
        ("11", queries["11"]),
    }
    assert DocLength.domains == {"biology"}  # each candidate names its domain
    (folder,) = [f for f in (root / "results").iterdir() if f.name.startswith("test-doc")]
    # The name states every departure: query variant, smoke limit, domain subset, local data
    # (which snapshot: its examples' sha256).
    assert folder.name == (
        f"test-doc-length__{root.name}-top100__q-gpt4_reason__first-2-queries__biology__"
        f"data-local-{examples_sha256(root)[:8]}"
    )
    DocLength.seen = []
    assert main([*base, "--rerank-query", "gpt4_reason"]) == 0
    assert {text for _, text, _ in DocLength.seen} == {
        "REASONED " + queries[q] for q in ("5", "11")
    }


def test_shard_assignment():
    assert Shard.parse(None) == Shard(1, 1) and Shard.parse("3/8") == Shard(3, 8)
    assert [p for p in range(10) if Shard(2, 4).takes(p)] == [1, 5, 9]
    assert Shard(2, 4).writer == "shard-2-of-4" and Shard(1, 1).writer == "all"
    for bad in ("0/4", "5/4", "1-4", "a/b"):
        with pytest.raises(ValueError, match="expected i/n"):
            Shard.parse(bad)


def test_a_pipeline_result_joins_the_leaderboard_with_its_gain(as_pinned, monkeypatch, tmp_path):
    root, _, real = as_pinned
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(root / "cache"))
    results = root / "results"
    assert main(["--reranker", "test-doc-length", "--first-stage", f"file:{root}/{{domain}}.trec",
                 "--domains", "biology", "--data-dir", str(root), "--results-dir", str(results),
                 "--system-name", "lengths", "--top-k", "3", "--no-progress"]) == 0  # fmt: skip
    systems = {s.name: s for s in load_systems(results)}
    reranked = systems.pop("lengths")
    (first,) = systems.values()
    assert first.first_stage == reranked.first_stage and not first.is_reranked
    out = tmp_path / "boards"
    assert (
        main(["leaderboard", "--results-dir", str(results), "--out", str(out), "--readme", ""]) == 0
    )
    gains = (out / "gains.md").read_text()
    # The gain row: mean per-query nDCG@10 difference over the four queries, x100.
    diff = [reranked.per_query["biology"][q] - first.per_query["biology"][q] for q in QUERY_IDS]
    assert f"{100 * sum(diff) / len(diff):+.1f}" in gains


def test_reranking_recorded_run_files_joins_their_group(as_pinned, monkeypatch):
    root, _, _ = as_pinned
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(root / "cache"))
    results = root / "results"
    template = f"{root}/{{domain}}.trec"
    assert main(["record", "--name", "imported", "--label", "Imported run", "--run", template,
                 "--domains", "biology", "--first-stage", "imported/biology",
                 "--results-dir", str(results), "--data-dir", str(root)]) == 0  # fmt: skip
    assert main(["--reranker", "test-doc-length", "--first-stage", f"file:{template}",
                 "--domains", "biology", "--data-dir", str(root), "--results-dir", str(results),
                 "--system-name", "lengths", "--top-k", "3", "--no-progress"]) == 0  # fmt: skip
    systems = {s.name: s for s in load_systems(results)}
    # No second first-stage row: the reranked system is compared with the recorded one.
    assert set(systems) == {"imported", "lengths"}
    assert systems["lengths"].first_stage.id == "imported/biology"
