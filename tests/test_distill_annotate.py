"""`distill annotate` with SmolLM2-135M-Instruct as the teacher through the transformers
backend: the exact prompt, parse counts that match the stored text, shards and resumption."""

import json
import shlex

import pytest

from bright_eval.cli import main
from bright_eval.distill.prompts import parse_queries, parse_relevance
from bright_eval.distill.trainset import read_jsonl, write_jsonl
from tests.distill_fixtures import one_torch_thread
from tests.helpers import RECORDS
from tests.snapshot import Recorder

single_thread = pytest.fixture(scope="module", autouse=True)(one_torch_thread)


def annotate(tmp_path, smollm2_path, *extra):
    argv = ["distill", "annotate", "--train", str(tmp_path / "train.jsonl"), "--model",
            smollm2_path, "--backend", "transformers", "--max-new-tokens", "8",
            "--query-tokens", "8", "--out", str(tmp_path / "labelled.jsonl"), "--no-progress",
            *extra]  # fmt: skip
    return main(argv)


def test_smollm2_teacher(tmp_path, smollm2_path, monkeypatch, capsys):
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    write_jsonl(tmp_path / "train.jsonl", RECORDS)
    # Two shards, each one question (2 model calls: its pair and its query list) ...
    seen = []
    for shard in ("1/2", "2/2"):
        recorder = Recorder(monkeypatch)
        assert annotate(tmp_path, smollm2_path, "--shard", shard) == 0
        assert len(recorder.inputs) == 2
        seen += recorder.inputs
    assert not (tmp_path / "labelled.jsonl").exists()  # shards only fill the cache
    # ... then the merge: every output comes from the cache, no model call.
    merged = Recorder(monkeypatch)
    assert annotate(tmp_path, smollm2_path, "--cached-only") == 0
    assert merged.inputs == []
    expected_prompt = (
        "<|im_start|>user\nExplain whether the following document is relevant or not to the "
        "given question. Then end your response with a relevance label (0: irrelevant, 1: "
        "partially relevant, 2: relevant) and the symbol '##'. Your response should have this "
        "format: '<explanation>\nRelevance Label: <label> ##'. Question: Why is the sky blue?\n"
        "Document: Rayleigh scattering makes the sky blue.<|im_end|>\n<|im_start|>assistant\n"
    )
    assert any(i.endswith(expected_prompt) for i in seen)
    labelled = list(read_jsonl(tmp_path / "labelled.jsonl"))
    record = json.loads((tmp_path / "labelled.jsonl.record.json").read_text())
    counts = record["counts"]["labels"]
    assert (counts["items"], counts["cached"], counts["computed"]) == (2, 2, 0)
    # The command that wrote it, as given (not pytest's argv).
    assert record["command"] == shlex.join(
        ["python", "-m", "bright_eval", "distill", "annotate", "--train",
         str(tmp_path / "train.jsonl"), "--model", smollm2_path, "--backend", "transformers",
         "--max-new-tokens", "8", "--query-tokens", "8", "--out", str(tmp_path / "labelled.jsonl"),
         "--no-progress", "--cached-only"]
    )  # fmt: skip
    # Every stored label is the ours-3b parser's reading of the teacher's text.
    outputs = [json.loads(line) for f in sorted((tmp_path / "cache" / "distill").glob(
        "annotate-labels-*/*.jsonl")) for line in open(f)]  # fmt: skip
    judged = {o["query_id"]: o["judgement"] for o in outputs}
    failures = cut = 0
    for r in labelled:
        parsed = parse_relevance(judged[r["id"]]["raw"])
        failed = parsed.how in ("no-keyword", "invalid-label")
        # 8 new tokens: an answer that ran into the limit is left unlabelled too.
        truncated = judged[r["id"]]["details"]["finish_reason"] == "length"
        assert judged[r["id"]]["details"]["truncated"] == truncated
        failures += failed
        cut += truncated
        assert r["links"][0].get("label") == (None if failed or truncated else parsed.label)
    assert counts["parse_failures"] == failures and counts["truncated"] == cut
    assert f"parse failures {failures}" in capsys.readouterr().err
    query_outputs = [json.loads(line) for f in (tmp_path / "cache" / "distill").glob(
        "annotate-queries-*/*.jsonl") for line in open(f)]  # fmt: skip
    for o in query_outputs:
        r = next(x for x in labelled if x["id"] == o["query_id"])
        cut_off = o["judgement"]["details"]["truncated"]  # a cut-off list is dropped
        assert r["generated_queries"] == ([] if cut_off else parse_queries(o["judgement"]["raw"]))
