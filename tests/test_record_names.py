"""No silent overwrite: whatever changes a number is in the system's name, and a second run
under a name already taken by a record made another way stops before any model work, naming
the first difference."""

import hashlib
import json

import pytest

from bright_eval.cli import main
from bright_eval.rerank import Judgement, PointwiseReranker, RerankerMeta
from bright_eval.rerank.registry import REGISTRY
from tests.snapshot import build_domain

CALLS: list[int] = []


class Labelled(PointwiseReranker):
    """A label and a finer expected label, as ours-3b reports them: the first document word's
    length is the label, the document's length the expected label."""

    meta = RerankerMeta(name="test-labelled", alternative_scores=("expected_label",))

    def judge(self, candidates):
        CALLS.append(len(candidates))
        return [Judgement(score=float(len(c.document.split()[0])),
                          scores={"expected_label": float(len(c.document))})
                for c in candidates]  # fmt: skip


@pytest.fixture
def snapshots(shared_bright, tmp_path, monkeypatch):
    """Two local snapshots of pony: queries 0 and 1, and queries 0, 1 and 2."""
    for folder, ids in (("a", ["0", "1"]), ("b", ["0", "1", "2"])):
        (tmp_path / folder).mkdir()
        build_domain(shared_bright, tmp_path / folder, "pony", ids, docs_per_query=3)
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    yield tmp_path
    CALLS.clear()


def teardown_module():
    REGISTRY.pop("test-labelled", None)


def argv(root, snapshot="a", *extra):
    return ["--reranker", "test-labelled", "--domains", "pony",
            "--first-stage", f"file:{root / snapshot}/{{domain}}.trec",
            "--data-dir", str(root / snapshot), "--no-progress",
            "--results-dir", str(root / "results"), *extra]  # fmt: skip


def examples_digest(folder) -> str:
    """provenance.examples_sha256, worked out here: sha256 over `name:sha256(file)` lines."""
    lines = "".join(
        f"{p.name}:{hashlib.sha256(p.read_bytes()).hexdigest()}\n"
        for p in sorted((folder / "examples").glob("*.parquet"))
    )
    return hashlib.sha256(lines.encode()).hexdigest()


def names(root) -> list[str]:
    return sorted(p.name for p in (root / "results").iterdir())


def test_the_score_and_the_snapshot_are_in_the_name(snapshots, capsys):
    root = snapshots
    assert main(argv(root)) == 0
    assert main(argv(root, "a", "--score", "expected_label")) == 0
    assert main(argv(root, "b")) == 0
    digest_a, digest_b = examples_digest(root / "a")[:8], examples_digest(root / "b")[:8]
    assert digest_a != digest_b
    expected = {
        f"test-labelled__a-top100__pony__data-local-{digest_a}",
        f"test-labelled__a-top100__score-expected_label__pony__data-local-{digest_a}",
        f"test-labelled__b-top100__pony__data-local-{digest_b}",
    }
    assert expected <= set(names(root))  # three records, none replaced
    ranked = root / "results" / sorted(expected)[1] / "system.json"
    by_expected = json.loads(ranked.read_text())
    assert by_expected["reranker"]["config"]["ranked_by"] == "expected_label"
    label = f"test-labelled [score-expected_label, pony, data-local-{digest_a}]"
    assert by_expected["label"] == label


def refusal(capsys, args) -> str:
    calls = len(CALLS)
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    # One error line (after the cache's folder, when the first stage had to be read first).
    assert [e for e in err if e.startswith("error: ")] == err[-1:], err
    assert len(CALLS) == calls  # stopped before any model work
    return err[-1]


def test_a_record_made_another_way_is_never_replaced_under_the_same_name(snapshots, capsys):
    root = snapshots
    assert main(argv(root, "a", "--system-name", "mine")) == 0
    record = root / "results" / "mine" / "system.json"
    before = record.read_bytes()
    capsys.readouterr()
    folder = root / "results" / "mine"
    line = refusal(capsys, argv(root, "a", "--system-name", "mine", "--score", "expected_label"))
    assert line == (
        f"error: {folder} holds another configuration of test-labelled (ranked_by 'score', "
        "this run 'expected_label'); pass --system-name NAME to keep both, or remove that "
        "folder to replace it"
    )
    line = refusal(capsys, argv(root, "a", "--system-name", "mine", "--top-k", "2"))
    assert "(top_k 100, this run 2);" in line
    # The other snapshot: its own run file is the first difference named ...
    line = refusal(capsys, argv(root, "b", "--system-name", "mine"))
    assert f"(first stage 'file:{root / 'a'}/{{domain}}.trec', this run 'file:{root / 'b'}" in line
    # ... and with the same run file, its other examples.
    run_a = f"file:{root / 'a'}/{{domain}}.trec"
    line = refusal(capsys, [*argv(root, "b", "--system-name", "mine"), "--first-stage", run_a])
    digest_a, digest_b = examples_digest(root / "a"), examples_digest(root / "b")
    assert (
        f"(data {{'examples_sha256': '{digest_a}', 'revision': None, 'source': 'local'}}, "
        f"this run {{'examples_sha256': '{digest_b}', 'revision': None, 'source': 'local'}});"
    ) in line
    assert record.read_bytes() == before
    # An identical rerun is accepted (and computes nothing).
    calls = len(CALLS)
    assert main(argv(root, "a", "--system-name", "mine")) == 0
    assert len(CALLS) == calls and record.read_bytes() == before


def test_a_first_stage_with_other_settings_is_refused_once_known(snapshots, capsys):
    root = snapshots
    assert main(argv(root, "a", "--system-name", "mine")) == 0
    system = root / "results" / "mine" / "system.json"
    data = json.loads(system.read_text())
    data["reranker"]["config"]["first_stage"]["config"]["depth"] = 100
    system.write_text(json.dumps(data))
    capsys.readouterr()
    line = refusal(capsys, argv(root, "a", "--system-name", "mine"))
    assert "(first stage settings {" in line and "'depth': 100" in line
    assert "'depth': 1000" in line.split("this run", 1)[1]


def test_what_an_older_record_does_not_state_is_no_difference(snapshots, capsys):
    root = snapshots
    assert main(argv(root, "a", "--system-name", "mine")) == 0
    system = root / "results" / "mine" / "system.json"
    data = json.loads(system.read_text())
    for key in ("ranked_by", "domains"):
        del data["reranker"]["config"][key]
    del data["provenance"]["data"]
    system.write_text(json.dumps(data))
    assert main(argv(root, "a", "--system-name", "mine")) == 0


def test_a_record_the_pipeline_did_not_make_is_never_replaced(snapshots, capsys):
    root = snapshots
    # A run file's row under the name the rerank asks for: `record`, not the pipeline, made it.
    record = ["record", "--name", "mine", "--label", "The first stage", "--run",
              f"{root / 'a'}/{{domain}}.trec", "--domains", "pony", "--first-stage", "x",
              "--data-dir", str(root / "a"), "--results-dir", str(root / "results")]  # fmt: skip
    assert main(record) == 0
    before = (root / "results" / "mine" / "system.json").read_bytes()
    capsys.readouterr()
    assert main(argv(root, "a", "--system-name", "mine")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (f"error: {root / 'results' / 'mine'} holds a record the pipeline did not "
                       "make (The first stage); pass --system-name NAME to write elsewhere, or "
                       "remove that folder to replace it")  # fmt: skip
    assert (root / "results" / "mine" / "system.json").read_bytes() == before
    assert CALLS == []  # refused before any model work
