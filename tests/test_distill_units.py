"""Small pieces of the recipe checked against hand computations and the spec's text."""

import math

import pytest

from bright_eval.distill.prompts import (
    PROMPTS,
    first_words,
    parse_queries,
    queries_target,
    relevance_target,
)
from bright_eval.distill.refine import Collator, reward_weighted_loss, weighted_examples
from bright_eval.distill.score import normalise
from bright_eval.distill.stages import settings_with
from bright_eval.distill.training import TrainSettings, effective
from bright_eval.rerank.interank_format import LABEL_ONLY_PROMPT, TRAINED_PROMPT, ZERO_SHOT_PROMPT


def test_every_interank_prompt_has_one_home():
    """issue 20: the relevance prompts lived in interank_format.py, the rest in a prompts.toml
    beside distill; now the distillation takes every one from interank_format (the same
    objects), and no copy of their text is left in the distillation or the zoo."""
    import bright_eval.rerank.interank_format as home
    from tests.conftest import REPO

    assert PROMPTS == {
        "teacher": home.ZERO_SHOT_PROMPT, "train": home.TRAINED_PROMPT,
        "label_only": home.LABEL_ONLY_PROMPT, "train_target": home.TRAIN_TARGET,
        "label_only_target": home.LABEL_ONLY_TARGET, "queries": home.QUERIES_PROMPT,
        "reward": home.REWARD_PROMPT,
    }  # fmt: skip
    assert all(value is getattr(home, name) for name, value in [
        ("REWARD_PROMPT", PROMPTS["reward"]), ("QUERIES_PROMPT", PROMPTS["queries"])
    ])  # fmt: skip
    assert PROMPTS["reward"].startswith("Explain whether the following document is relevant")
    assert "(0: irrelevant, does not provide any useful information" in PROMPTS["reward"]
    assert not list((REPO / "bright_eval" / "distill").glob("*.toml"))
    others = [*(REPO / "bright_eval" / "distill").glob("*.py"), REPO / "baselines" / "interank.py"]
    assert [p.name for p in others if "generate a list of up to 10" in p.read_text()] == []


def test_prompts_are_the_ones_ours_3b_is_evaluated_with():
    # The spec: the teacher prompt is the inference prompt with the format instruction, the
    # training prompt is the inference prompt itself, the label-only one is the ablation's.
    assert PROMPTS["teacher"] == ZERO_SHOT_PROMPT
    assert PROMPTS["train"] == TRAINED_PROMPT
    assert PROMPTS["label_only"] == LABEL_ONLY_PROMPT
    assert relevance_target("Because.", 1) == "Because.\n\nRelevance Label: 1 ##"
    assert relevance_target("", 2, label_only=True) == "Relevance Label: 2 ##"
    assert queries_target(["a b", "c"]) == "1. a b\n2. c ##"
    assert parse_queries("Here:\n1. a b\n2) c\n- d\n\n##") == ["a b", "c", "d"]
    assert parse_queries("a b\nc") == ["a b", "c"]
    assert len(parse_queries("\n".join(f"{i}. q{i}" for i in range(12)))) == 10
    assert first_words("one two  three four", 2) == "one two"


def test_reward_weighted_loss_by_hand():
    import torch

    # Vocabulary of 3. Example A: prompt = first token; labels 0 then 1. Example B: prompt =
    # first two tokens; label 2. Position t predicts the label at t + 1.
    ln = math.log
    logits = torch.tensor([
        [[ln(2), 0, 0], [0, 0, 0], [5, 5, 5]],  # A: p(0) = 2/4, then p(1) = 1/3
        [[9, 0, 0], [0, 0, ln(3)], [5, 5, 5]],  # B: position 0 masked; p(2) = 3/5
    ])  # fmt: skip
    labels = torch.tensor([[-100, 0, 1], [-100, -100, 2]])
    rewards = torch.tensor([1.0, 0.5])
    nll_a = (ln(2) + ln(3)) / 2  # mean over A's two response tokens
    nll_b = ln(5 / 3)
    expected = (1.0**3 * nll_a + 0.5**3 * nll_b) / 2
    assert reward_weighted_loss(logits, labels, rewards).item() == pytest.approx(expected)


def test_collator_masks_prompt_and_padding():
    rows = [{"input_ids": [5, 6, 7], "labels": [-100, 6, 7], "reward": 0.9},
            {"input_ids": [8], "labels": [8], "reward": 1.0}]  # fmt: skip
    batch = Collator(pad_id=0)(rows)
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["labels"].tolist() == [[-100, 6, 7], [8, -100, -100]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert batch["reward"].tolist() == pytest.approx([0.9, 1.0])


def test_min_max_normalisation_and_selection():
    assert normalise([2.0, 4.0, 3.0]) == [0.0, 1.0, 0.5]
    assert normalise([1.0, 1.0]) == [0.0, 0.0]  # nothing to prefer
    ok = {"parsed": True, "truncated": False}
    row = {"question": "q", "document": "d", "misclassification": 0.25, "candidates": [
        {"text": "a", "normalised": 1.0, "source": "teacher", **ok},
        {"text": "b", "normalised": 0.9, "source": "student", **ok},
        {"text": "c", "normalised": 0.8, "source": "student", **ok}]}  # fmt: skip
    plain, left_out = weighted_examples([row], 0.85, boosted=False)
    assert [(t, r) for _, t, r, _ in plain] == [("a", 1.0), ("b", 0.9)]
    assert left_out == {"unparsed": 0, "truncated": 0}
    boosted, _ = weighted_examples([row], 0.85, boosted=True)
    assert [(t, r) for _, t, r, _ in boosted] == [("a", 0.25), ("b", pytest.approx(0.225))]


def test_settings_default_to_the_spec_and_cpu_runs_plain_lora():
    s = TrainSettings()
    assert (s.lora_r, s.lora_alpha, s.lora_dropout, s.lr, s.grad_accum, s.batch_size) == (
        64, 16, 0.1, 2e-4, 16, 1)  # fmt: skip
    assert s.target_modules == ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj"]
    assert (s.optim, s.scheduler, s.weight_decay, s.max_grad_norm, s.max_length) == (
        "adamw_8bit", "constant", 0.001, 0.3, 8192)  # fmt: skip
    runs, notes = effective(s)  # no GPU here
    assert runs["quantize_4bit"] is False and runs["optim"] == "adamw_torch"
    assert len(notes) == 2
    changed = settings_with(TrainSettings, ["lora_r=8", "quantize_4bit=false", "lr=1e-3"])
    assert (changed.lora_r, changed.quantize_4bit, changed.lr) == (8, False, 1e-3)


def test_command_line_errors_are_one_line(tmp_path, capsys):
    import json

    from bright_eval.cli import main
    from bright_eval.distill.trainset import write_jsonl

    adapter = tmp_path / "sft"
    adapter.mkdir()
    (adapter / "train_question_ids.json").write_text(json.dumps(["a"]))
    (adapter / "adapter_config.json").write_text("{}")
    labelled = [{"text": "p", "label": 0}]
    write_jsonl(tmp_path / "t.jsonl", [{"id": "a", "question": {"title": "t"}, "links": labelled}])
    (tmp_path / "bad.jsonl").write_text('{"question": "not an object", "links": []}\n')
    base = ["--out", str(tmp_path / "o"), "--no-progress"]
    cases = [
        (["sample", "--train", str(tmp_path / "t.jsonl"), "--model", "m", "--adapter",
          str(adapter)], "1 of the questions to sample on were in the SFT data (e.g. id a)"),
        (["sft", "--train", str(tmp_path / "missing.jsonl")], "does not exist"),
        (["sft", "--train", str(tmp_path / "bad.jsonl")],
         'bad.jsonl:1: expected "question": {"title": ..., "body": ...}'),
        (["sft", "--train", str(tmp_path / "t.jsonl"), "--set", "lora_r=big"],
         "--set 'lora_r=big': lora_r takes a int"),
        (["annotate", "--train", str(tmp_path / "t.jsonl"), "--model", "m", "--shard", "3/2"],
         "--shard '3/2': expected i/n with 1 <= i <= n"),
        (["collect"], "collect needs --posts Posts.xml"),
    ]  # fmt: skip
    for argv, message in cases:
        assert main(["distill", *argv, *base]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


def test_sft_examples_multi_task_and_label_only():
    from bright_eval.distill.sft import examples

    record = {"id": "a", "question": {"title": "Why?", "body": "Because I ask."},
              "links": [{"text": "Page one.", "label": 2, "explanation": "It answers."},
                        {"text": "Page two."}],  # not annotated: skipped
              "other_document": {"text": "Other.", "label": 0, "explanation": "Off topic."},
              "generated_queries": [f"q{i}" for i in range(10)]}  # fmt: skip
    full = examples([record], label_only=False, min_queries=10)
    assert [a for _, a in full] == [
        "\n".join(f"{i + 1}. q{i}" for i in range(10)) + " ##",
        "It answers.\n\nRelevance Label: 2 ##",
        "Off topic.\n\nRelevance Label: 0 ##",
    ]
    assert full[1][0] == TRAINED_PROMPT.format(question="Why? Because I ask.", document="Page one.")
    short = examples([{**record, "generated_queries": ["q"] * 9}], True, 10)
    assert [a for _, a in short] == ["Relevance Label: 2 ##", "Relevance Label: 0 ##"]
    assert short[0][0] == LABEL_ONLY_PROMPT.format(question="Why? Because I ask.",
                                                   document="Page one.")  # fmt: skip


def test_a_stage_given_the_wrong_file_stops_in_one_line(tmp_path, capsys):
    from bright_eval.cli import main
    from bright_eval.distill.trainset import write_jsonl

    question = {"id": "a", "question": {"title": "Why?"}, "links": [{"text": "Page."}]}
    write_jsonl(tmp_path / "train.jsonl", [question])  # collected, never annotated
    write_jsonl(tmp_path / "samples.jsonl", [{"question_id": "a", "samples": []}])
    write_jsonl(tmp_path / "scored.jsonl", [{"question_id": "a", "candidates": []}])
    write_jsonl(tmp_path / "empty.jsonl", [])
    adapter = tmp_path / "sft"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    (tmp_path / "Comments.xml").write_text('<comments><row Id="1" PostId="3" /></comments>')
    t = str(tmp_path)
    questions = "questions (the output of distill collect, decontaminate or annotate)"
    samples = "samples (the output of distill sample)"
    scored = "scored samples (the output of distill score)"
    cases = [
        (["score", "--samples", f"{t}/train.jsonl"],
         f"{t}/train.jsonl:1 holds {questions}; score needs {samples}"),
        (["score", "--samples", f"{t}/scored.jsonl"],
         f"{t}/scored.jsonl:1 holds {scored}; score needs {samples}"),
        (["score", "--samples", f"{t}/empty.jsonl"],
         f"{t}/empty.jsonl holds no rows; score needs {samples}"),
        (["refine", "--scored", f"{t}/samples.jsonl", "--adapter", str(adapter)],
         f"{t}/samples.jsonl:1 holds {samples}; refine needs {scored}"),
        (["refine", "--scored", f"{t}/scored.jsonl", "--adapter", f"{t}/train.jsonl"],
         f"--adapter '{t}/train.jsonl' is a file: give a PEFT LoRA adapter's folder"),
        (["annotate", "--train", f"{t}/samples.jsonl", "--model", "m"],
         f"{t}/samples.jsonl:1 holds {samples}; annotate needs {questions}"),
        (["sample", "--train", f"{t}/train.jsonl", "--model", "m", "--adapter", str(adapter)],
         f"{t}/train.jsonl: no page has a teacher label; sample needs the output of distill "
         "annotate"),
        (["collect", "--jsonl", f"{t}/empty.jsonl"], f"{t}/empty.jsonl holds no questions"),
        (["collect", "--posts", f"{t}/Comments.xml"],
         f'{t}/Comments.xml: no questions (rows with PostTypeId="1"); give a StackExchange '
         "dump's Posts.xml"),
    ]  # fmt: skip
    for argv, message in cases:
        assert main(["distill", *argv, "--out", f"{t}/out.jsonl", "--no-progress"]) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"error: {message}"), err
        assert not (tmp_path / "out.jsonl").exists()
