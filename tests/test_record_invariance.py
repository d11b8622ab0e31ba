"""A record stays true however the work ran: in one go, killed and resumed, or as two shards
merged, the metrics, run files and cost totals are identical, and rerunning a finished system
rewrites nothing."""

import json
from pathlib import Path

import pytest

from bright_eval.cli import main
from bright_eval.rerank import Judgement, PointwiseReranker, RerankerMeta
from bright_eval.rerank.registry import REGISTRY
from tests.snapshot import build_domain

QUERY_IDS = ["0", "1", "2", "3"]
DOCS = 3
CALLS: list[int] = []


class Costed(PointwiseReranker):
    """Scores by document length and reports its own (deterministic) cost per output, so
    the totals can be worked out by hand: 0.25 s and 10 + 2 tokens per pair."""

    meta = RerankerMeta(name="test-costed")
    interrupt_on_call: int | None = None

    def judge(self, candidates):
        CALLS.append(len(candidates))
        if Costed.interrupt_on_call == len(CALLS):
            raise KeyboardInterrupt
        return [Judgement(score=float(len(c.document)), prompt_tokens=10, generated_tokens=2,
                          model_seconds=0.25, hardware="test-gpu") for c in candidates]  # fmt: skip


@pytest.fixture
def snapshot(shared_bright, tmp_path):
    build_domain(shared_bright, tmp_path, "pony", QUERY_IDS, docs_per_query=DOCS)
    yield tmp_path
    CALLS.clear()
    Costed.interrupt_on_call = None


def argv(root, variant, *extra):
    return ["--reranker", "test-costed", "--first-stage", f"file:{root}/{{domain}}.trec",
            "--domains", "pony", "--data-dir", str(root), "--no-progress", "--batch-size", "2",
            "--results-dir", str(root / variant / "results"), "--system-name", "costed",
            *extra]  # fmt: skip


def record_files(folder):
    system = json.loads((folder / "system.json").read_text())
    system.pop("provenance")
    return {
        "system": system,
        "run": (folder / "run" / "pony.trec.gz").read_bytes(),
        "counts": (folder / "counts.json").read_text(),
        "per_query": (folder / "per_query.json").read_text(),
    }


def test_one_go_resumed_and_sharded_runs_make_the_same_record(snapshot, monkeypatch, capsys):
    root = snapshot
    folders = {}
    # In one go.
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(root / "one" / "cache"))
    assert main(argv(root, "one")) == 0
    folders["one"] = root / "one" / "results" / "costed"
    # Killed after the first batch of 2 pairs, then resumed.
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(root / "resumed" / "cache"))
    Costed.interrupt_on_call = len(CALLS) + 2
    assert main(argv(root, "resumed")) == 130
    Costed.interrupt_on_call = None
    assert main(argv(root, "resumed")) == 0
    folders["resumed"] = root / "resumed" / "results" / "costed"
    # Two shards, then the merge, which computes nothing.
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(root / "sharded" / "cache"))
    for i in (1, 2):
        assert main(argv(root, "sharded", "--shard", f"{i}/2")) == 0
    calls_before_merge = len(CALLS)
    assert main(argv(root, "sharded", "--cached-only")) == 0
    assert len(CALLS) == calls_before_merge
    folders["sharded"] = root / "sharded" / "results" / "costed"

    records = {k: record_files(f) for k, f in folders.items()}
    assert records["resumed"] == records["one"] and records["sharded"] == records["one"]
    efficiency = records["one"]["system"]["efficiency"]
    pairs = len(QUERY_IDS) * DOCS
    # By hand: 12 pairs x 0.25 s, 12 x 10 tokens in, 12 x 2 out.
    assert (efficiency["model_calls"], efficiency["wall_seconds"]) == (pairs, pairs * 0.25)
    assert (efficiency["input_tokens"], efficiency["output_tokens"]) == (pairs * 10, pairs * 2)
    assert efficiency["gpu_seconds"] == 3.0 and efficiency["hardware"] == "test-gpu"


def test_rerunning_a_finished_system_leaves_its_record_byte_identical(snapshot, monkeypatch):
    root = snapshot
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(root / "cache"))
    assert main(argv(root, "again")) == 0
    folder = root / "again" / "results" / "costed"
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    before = {p: p.read_bytes() for p in files}
    calls = len(CALLS)
    assert main(argv(root, "again")) == 0
    assert len(CALLS) == calls  # everything came from the cache
    assert {p: p.read_bytes() for p in files} == before
    assert sorted(p for p in folder.rglob("*") if p.is_file()) == files


class Engined(Costed):
    """Describes its backend as a generative reranker does: more once the model has run (here
    `loaded`), and the machine it is on, so a record can be told which backend it names."""

    meta = RerankerMeta(name="test-engined")
    _machine = "gpu-box"  # underscored: not a setting, so not in the cache key

    def judge(self, candidates):
        self._loaded = True  # underscored: loading a model changes no output
        return super().judge(candidates)

    def backend_info(self):
        return {"backend": "test-engine", "loaded": getattr(self, "_loaded", False),
                "machine": Engined._machine}  # fmt: skip


def engined(root, variant, *extra):
    return [*argv(root, variant, *extra)[2:], "--reranker", "test-engined"]


def files_of(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_rerun_that_loads_no_model_rewrites_no_byte(snapshot, monkeypatch):
    root = snapshot
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(root / "cache"))
    assert main(engined(root, "again")) == 0
    folder = root / "again" / "results" / "costed"
    before = files_of(folder)
    system = json.loads(before[Path("system.json")])
    assert system["reranker"]["config"]["backend"] == {
        "backend": "test-engine",
        "loaded": True,
        "machine": "gpu-box",
    }
    calls = len(CALLS)
    monkeypatch.setattr("bright_eval.provenance.utc_now", lambda: "2099-01-01T00:00:00Z")
    assert main(engined(root, "again")) == 0
    assert len(CALLS) == calls  # all cached: this run's backend never loaded
    assert files_of(folder) == before  # system.json too: its date and backend unchanged


def test_a_merge_of_shards_names_the_backends_that_computed_them(snapshot, monkeypatch):
    root = snapshot
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(root / "cache"))
    for i, machine in ((1, "box-a"), (2, "box-b")):
        Engined._machine = machine
        assert main(engined(root, "sharded", "--shard", f"{i}/2")) == 0
    Engined._machine = "cpu-laptop"  # merges; computes nothing, loads nothing
    try:
        assert main(engined(root, "sharded", "--cached-only")) == 0
    finally:
        Engined._machine = "gpu-box"
    system = json.loads((root / "sharded" / "results" / "costed" / "system.json").read_text())
    assert system["reranker"]["config"]["backend"] == {
        "mixed": [
            {"backend": "test-engine", "loaded": True, "machine": "box-a"},
            {"backend": "test-engine", "loaded": True, "machine": "box-b"},
        ]
    }
    # Stored once per cache folder, named by content, beside the outputs that name it.
    (cache,) = (root / "cache" / "rerank").iterdir()
    stored = sorted(json.loads(p.read_text())["machine"] for p in cache.glob("backend-*.json"))
    assert stored == ["box-a", "box-b"]


class Drifting(Costed):
    """Counts its calls in a public attribute: a value set while judging moves its cache key."""

    meta = RerankerMeta(name="test-drifting")

    def judge(self, candidates):
        self.calls = getattr(self, "calls", 0) + 1
        return super().judge(candidates)


def test_a_setting_changed_while_running_writes_no_record_and_keeps_the_outputs(
    snapshot, monkeypatch, capsys
):
    root = snapshot
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(root / "cache"))
    args = [*argv(root, "drift")[2:], "--reranker", "test-drifting"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    # 4 queries x 3 documents in batches of 2: 6 calls, so `calls` ended at 6.
    assert err[-1].startswith("error: test-drifting changed calls while it ran")
    assert err[-1].endswith("name a value that changes no output _calls, or list it in "
                            "Drifting.not_settings")  # fmt: skip
    assert not (root / "drift" / "results" / "costed").exists()
    (folder,) = (root / "cache" / "rerank").glob("test-drifting-*")
    lines = (folder / "all.jsonl").read_text().splitlines()
    assert len(lines) == 4 * DOCS  # every output kept


def teardown_module():
    REGISTRY.pop("test-costed", None)
    REGISTRY.pop("test-engined", None)
    REGISTRY.pop("test-drifting", None)
