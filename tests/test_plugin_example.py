"""The docs' "Adding a reranker" script (docs/reranking.md, the same text as
docs/examples/word_overlap.py), run through the command line (`--plugin`) and through
`bright_eval.pipeline.run` on a small pony snapshot; and the README's first reranking as printed."""

import json
import re
import shlex
import sys

from bright_eval.cli import main
from bright_eval.pipeline import DataSpec, PipelineSpec, run
from bright_eval.provenance import examples_sha256
from bright_eval.rerank import REGISTRY
from bright_eval.runs import ranked, read_run
from tests.conftest import REPO
from tests.snapshot import build_domain

QUERY_IDS = ["0", "1", "2"]


EXAMPLE = REPO / "docs" / "examples" / "word_overlap.py"


def docs_example() -> str:
    """The script as docs/reranking.md prints it; the README's first run uses the file."""
    text = (REPO / "docs" / "reranking.md").read_text()
    block = text.split("<!-- plugin-example -->", 1)[1]
    code = re.search(r"```python\n(.*?)```", block, re.DOTALL).group(1)
    assert code == EXAMPLE.read_text(), "docs/reranking.md and docs/examples/word_overlap.py differ"
    return code


def readme_first_run() -> list[str]:
    """The arguments of the README's first reranking (the command after `pip install -e .`)."""
    text = (REPO / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text.split("<!-- first-run -->", 1)[1], re.DOTALL)
    lines = block.group(1).replace("\\\n", " ").splitlines()
    assert lines[0] == "pip install -e ."
    argv = shlex.split(lines[1])
    assert argv[:3] == ["python", "-m", "bright_eval"] and len(lines) == 2
    return argv[3:]


def expected_order(rows, docs, first_stage_run) -> dict[str, list[str]]:
    """Worked out here, independently: overlap share, then first-stage rank."""
    queries = {r["id"]: set(r["query"].lower().split()) for r in rows}
    out = {}
    for qid, ranking in first_stage_run.items():
        ids = [d for d, _ in ranked(ranking)]
        q = queries[qid]
        share = {d: len(q & set(docs[d].lower().split())) / len(q) for d in ids}
        out[qid] = sorted(ids, key=lambda d: (-share[d], ids.index(d)))
    return out


def test_the_readme_example_is_a_short_complete_plugin_that_runs_both_ways(
    shared_bright, tmp_path, monkeypatch
):
    code = docs_example()
    assert len(code.strip().splitlines()) <= 25
    script = tmp_path / "word_overlap.py"
    script.write_text(code)
    rows, docs = build_domain(shared_bright, tmp_path, "pony", QUERY_IDS, docs_per_query=5)
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    common = ["--first-stage", f"file:{tmp_path}/{{domain}}.trec", "--domains", "pony",
              "--data-dir", str(tmp_path), "--no-progress"]  # fmt: skip
    try:
        cli = ["--plugin", str(script), "--reranker", "word-overlap", *common,
               "--results-dir", str(tmp_path / "cli"), "--system-name", "wo"]  # fmt: skip
        assert main(cli) == 0
        sys.path.insert(0, str(tmp_path))
        import word_overlap  # noqa: F401 - registers the class (already registered by --plugin)

        result = run(
            PipelineSpec(
                reranker="word-overlap",
                first_stage=f"file:{tmp_path}/{{domain}}.trec",
                domains="pony",
                data=DataSpec(data_dir=str(tmp_path)),
                results_dir=str(tmp_path / "py"),
                system_name="wo",
                progress=False,
            )
        )
    finally:
        if str(tmp_path) in sys.path:
            sys.path.remove(str(tmp_path))
        REGISTRY.pop("word-overlap", None)
        sys.modules.pop("word_overlap", None)
    first = read_run(tmp_path / "pony.trec")
    expected = expected_order(rows, docs, first)
    for folder in ("cli", "py"):
        got = read_run(tmp_path / folder / "wo" / "run" / "pony.trec.gz")
        assert {q: [d for d, _ in ranked(r)] for q, r in got.items()} == expected
    # Both ways make one record: identical metrics.
    assert (tmp_path / "cli/wo/per_query.json").read_text() == (
        tmp_path / "py/wo/per_query.json"
    ).read_text()
    assert result.reranked["pony"].stats.items == 15


def test_the_example_on_a_test_snapshot_never_reaches_the_committed_leaderboard(
    shared_bright, tmp_path, monkeypatch, capsys
):
    """The docs' plugin run on a three-query snapshot: its record is marked as test data,
    claims no first-stage row, and `leaderboard` leaves it out unless `--include-smoke`, where
    its row carries the mark the table explains."""
    script = tmp_path / "word_overlap.py"
    script.write_text(docs_example())
    build_domain(shared_bright, tmp_path, "pony", QUERY_IDS, docs_per_query=5)
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    results = tmp_path / "results"
    try:
        assert main(["--plugin", str(script), "--reranker", "word-overlap", "--domains", "pony",
                     "--first-stage", f"file:{tmp_path}/{{domain}}.trec", "--no-progress",
                     "--data-dir", str(tmp_path), "--results-dir", str(results)]) == 0  # fmt: skip
    finally:
        REGISTRY.pop("word-overlap", None)
    (folder,) = list(results.iterdir())  # no first-stage row beside it
    system = json.loads((folder / "system.json").read_text())
    assert system["data_verified"] is False and "smoke" not in system
    assert system["first_stage"]["id"].endswith(
        f"/original/data-local-{examples_sha256(tmp_path)[:8]}"
    )
    capsys.readouterr()
    boards = ["leaderboard", "--results-dir", str(results), "--readme", ""]
    assert main([*boards, "--out", str(tmp_path / "committed")]) == 0
    assert "left out 1 smoke run(s) or run(s) on unverified data" in capsys.readouterr().err
    assert "word-overlap" not in (tmp_path / "committed" / "main.md").read_text()
    assert main([*boards, "--out", str(tmp_path / "all"), "--include-smoke"]) == 0
    main_md = (tmp_path / "all" / "main.md").read_text()
    label = f"word-overlap [pony, data-local-{examples_sha256(tmp_path)[:8]}] ‡"
    assert f"| {label} " in main_md
    assert (
        "\n‡: smoke/test data: a smoke run (fewer queries, a shortened generation) or a run on "
        in main_md
    )


def test_the_readme_first_reranking_runs_as_printed(shared_bright, tmp_path, monkeypatch, capsys):
    """From the repository root, with a local snapshot in place of the Hub (no network here): the
    script it names exists, BM25 runs on the snapshot's corpus, five queries at most (pony's
    three here), and the record lands where --results-dir says, marked a smoke run."""
    argv = readme_first_run()
    assert argv[:2] == ["--plugin", "docs/examples/word_overlap.py"]
    build_domain(shared_bright, tmp_path, "pony", QUERY_IDS, docs_per_query=5)
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(REPO)
    here = ["--data-dir", str(tmp_path), "--results-dir", str(tmp_path / "demo"), "--no-progress"]
    sys.modules.pop("word_overlap", None)  # an earlier test's import would skip registering
    try:
        assert main([*argv, *here]) == 0
    finally:
        REGISTRY.pop("word-overlap", None)
        sys.modules.pop("word_overlap", None)
    assert "results-dir demo-results" in " ".join(argv)
    (record,) = [p for p in (tmp_path / "demo").iterdir() if p.name.startswith("word-overlap")]
    system = json.loads((record / "system.json").read_text())
    assert system["smoke"] is True and system["first_stage"]["settings"]["retriever"] == "bm25"
    assert sorted(json.loads((record / "per_query.json").read_text())["pony"]) == QUERY_IDS
