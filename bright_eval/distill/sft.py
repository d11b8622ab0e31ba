"""Stage 4, `sft`: multi-task supervised fine-tuning of the student on the teacher's annotations.

Per question: one query-generation example (when the teacher wrote at least `min_queries`
queries), one relevance example per labelled page and one for `other_document`. Each is one user
turn and one assistant turn through the student's chat template plus EOS; the loss covers the
whole sequence (the authors do not mask the prompt in SFT). trl's `SFTTrainer` trains a LoRA
(QLoRA on a GPU); the adapter is saved with a model card and the ids of the questions it saw,
so that `sample` can check it samples on other questions.
"""

from __future__ import annotations

import json
from pathlib import Path

from bright_eval.distill import training
from bright_eval.distill.prompts import (
    TRAIN_MAX_WORDS,
    queries_prompt,
    queries_target,
    question_text,
    relevance_prompt,
    relevance_target,
)
from bright_eval.distill.records import DistillError
from bright_eval.distill.trainset import pages

TRAINED_IDS = "train_question_ids.json"


def examples(records: list[dict], label_only: bool, min_queries: int) -> list[tuple[str, str]]:
    """(user turn, assistant turn) pairs of the multi-task mix, in record order."""
    kind = "label_only" if label_only else "train"
    out = []
    for record in records:
        question = question_text(record["question"])
        queries = record.get("generated_queries") or []
        if len(queries) >= min_queries:
            out.append((queries_prompt(question), queries_target(queries)))
        for _, page in pages(record):
            if page.get("label") is None:
                continue  # not annotated, or the teacher's answer could not be parsed
            prompt = relevance_prompt(kind, question, page["text"], TRAIN_MAX_WORDS)
            out.append(
                (prompt, relevance_target(page.get("explanation", ""), page["label"], label_only))
            )
    return out


def run_sft(
    records: list[dict], model: str, out: Path, settings: training.TrainSettings, card: dict
) -> dict:
    from datasets import Dataset
    from trl import SFTTrainer

    pairs = examples(records, settings.label_only, settings.min_queries)
    if not pairs:
        raise DistillError("no training examples: the file has no labelled pages or query sets")
    s, notes = training.effective(settings)
    student, tokenizer = training.load_student(model, None, s)
    rows = [{"input_ids": training.chat_ids(tokenizer, u, a)[0]} for u, a in pairs]
    trainer = SFTTrainer(
        model=student,
        args=training.trainer_args(s, training.checkpoint_dir(out, card)),
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
    )
    losses = training.train(trainer)
    card = {**card, "settings_effective": s, "notes": notes, "examples": len(pairs)}
    training.save_adapter(student, tokenizer, out, card)
    (out / TRAINED_IDS).write_text(json.dumps([r["id"] for r in records]), encoding="utf-8")
    return {"examples": len(pairs), "losses": losses, "notes": notes, "effective": s}


def trained_question_ids(adapter: str | Path) -> set[str] | None:
    file = Path(adapter) / TRAINED_IDS
    return set(json.loads(file.read_text("utf-8"))) if file.is_file() else None
