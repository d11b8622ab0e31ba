"""`distill sft`: a killed run resumes from its checkpoint; a `--label-only` adapter plugs into
`ours-3b-label-only`."""

import json

import pytest

from bright_eval.cli import main
from bright_eval.distill.trainset import write_jsonl
from tests.distill_fixtures import one_torch_thread

single_thread = pytest.fixture(scope="module", autouse=True)(one_torch_thread)

RECORDS = [
    {"id": "a", "question": {"title": "Why is the sky blue?", "body": ""},
     "links": [{"text": "Rayleigh scattering.", "label": 2, "explanation": "It says why."}]},
    {"id": "b", "question": {"title": "Why do cats purr?", "body": ""},
     "links": [{"text": "Bananas are yellow.", "label": 0, "explanation": "Off topic."}]},
]  # fmt: skip


def test_a_killed_sft_resumes_from_its_checkpoint(tmp_path, smollm2_path, monkeypatch):
    from trl import SFTTrainer

    write_jsonl(tmp_path / "labelled.jsonl", RECORDS)
    argv = ["distill", "sft", "--train", str(tmp_path / "labelled.jsonl"), "--model",
            smollm2_path, "--out", str(tmp_path / "sft"), "--no-progress", "--set", "max_steps=2",
            "--set", "grad_accum=1", "--set", "save_steps=1", "--set", "lora_r=4"]  # fmt: skip
    real_step, steps = SFTTrainer.training_step, []

    def killed_at_second_step(self, *args, **kwargs):
        steps.append(self.state.global_step)
        if len(steps) == 2:
            raise KeyboardInterrupt("killed on purpose")
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(SFTTrainer, "training_step", killed_at_second_step)
    # Ctrl-C is one line and exit status 130 (the CLI's), never a traceback.
    assert main(argv) == 130
    assert steps == [0, 1]  # step 1 finished (and was checkpointed), step 2 was killed
    assert [p.name for p in (tmp_path / "sft").glob("checkpoints-*/checkpoint-*")] == [
        "checkpoint-1"
    ]
    assert not (tmp_path / "sft" / "adapter_model.safetensors").exists()
    steps.clear()
    monkeypatch.setattr(SFTTrainer, "training_step", lambda self, *a, **k: (
        steps.append(self.state.global_step), real_step(self, *a, **k))[1])  # fmt: skip
    assert main(argv) == 0
    assert steps == [1]  # only the second step ran again
    record = json.loads((tmp_path / "sft" / "distill-record.json").read_text())
    assert len(record["counts"]["losses"]) == 2  # both steps' losses, from the checkpoint's log
    assert list((tmp_path / "sft").glob("checkpoints-*")) == []  # removed once saved


def test_a_label_only_adapter_plugs_into_ours_3b_label_only(
    tmp_path, smollm2_path, shared_bright, monkeypatch
):
    from tests.snapshot import Recorder, build_domain

    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    write_jsonl(tmp_path / "labelled.jsonl", RECORDS)
    out = tmp_path / "label-only"
    argv = ["distill", "sft", "--train", str(tmp_path / "labelled.jsonl"), "--model",
            smollm2_path, "--out", str(out), "--no-progress", "--label-only", "--set",
            "max_steps=1", "--set", "grad_accum=1", "--set", "lora_r=4"]  # fmt: skip
    assert main(argv) == 0
    card = (out / "README.md").read_text()
    assert "--reranker ours-3b-label-only" in card
    data = tmp_path / "bright"
    data.mkdir()
    build_domain(shared_bright, data, "biology", ["11"], 2)
    recorder = Recorder(monkeypatch)
    argv = ["--reranker", "ours-3b-label-only", "--model", smollm2_path, "--adapter", str(out),
            "--backend", "transformers", "--first-stage", f"file:{data}/{{domain}}.trec",
            "--domains", "biology", "--data-dir", str(data), "--max-new-tokens", "4",
            "--results-dir", str(tmp_path / "results"), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    assert len(recorder.inputs) == 2
    assert all("Rate the relevance of the following document" in i for i in recorder.inputs)
    folder = next((tmp_path / "results").glob("ours-3b-label-only__*"))
    system = json.loads((folder / "system.json").read_text())
    assert system["reranker"]["config"]["reranker"]["adapter"] == str(out)
