"""Stage 6b, `refine`: reward-weighted SFT of the student on the candidates the reward model
rated best, the authors' refinement.

Kept: every candidate (student sample or teacher answer) whose normalised reward is at least
`min_reward` (0.85), except answers that could not be parsed or were cut off at the token limit
(unless `keep_unparsed` / `keep_truncated`), which are counted. Its weight r is that normalised
reward, times the pair's misclassification rate in boosted mode. Loss per example: r^3 x the mean
negative log-likelihood of the response tokens (the prompt is masked); the loss of a batch is the
mean over its examples. Same LoRA and optimiser settings as SFT; training continues the SFT
adapter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bright_eval.distill import training
from bright_eval.distill.prompts import TRAIN_MAX_WORDS, relevance_prompt
from bright_eval.distill.records import DistillError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Keep:
    """Which bad answers refine trains on anyway."""

    truncated: bool = False
    unparsed: bool = False

    def reason_to_leave_out(self, candidate: dict) -> str | None:
        """Why a candidate stays out of training: "unparsed" or "truncated" (an answer that is
        both counts as unparsed), or None."""
        if candidate.get("parsed") is None or candidate.get("truncated") is None:
            raise DistillError(
                "the scored file does not say which answers parsed or were cut off (made by an "
                "older version): rerun distill sample with --force, then distill score"
            )
        if not candidate["parsed"] and not self.unparsed:
            return "unparsed"
        if candidate["truncated"] and not self.truncated:
            return "truncated"
        return None


def weighted_examples(rows: list[dict], min_reward: float, boosted: bool, keep: Keep = Keep()):
    """(user turn, response, weight r, source) for every kept candidate, and how many of those
    reaching `min_reward` were left out, by reason."""
    out, left_out = [], {"unparsed": 0, "truncated": 0}
    for row in rows:
        prompt = relevance_prompt("train", row["question"], row["document"], TRAIN_MAX_WORDS)
        for c in row["candidates"]:
            if c["normalised"] >= min_reward:
                r = c["normalised"] * (row["misclassification"] if boosted else 1.0)
                if r <= 0:
                    continue
                reason = keep.reason_to_leave_out(c)
                if reason is None:
                    out.append((prompt, c["text"], r, c["source"]))
                else:
                    left_out[reason] += 1
    return out, left_out


def reward_weighted_loss(logits, labels, rewards):
    """mean over examples of r^3 x (mean NLL over the tokens whose label is not -100)."""
    import torch.nn.functional as F

    shifted_logits, shifted = logits[:, :-1, :].float(), labels[:, 1:]
    nll = F.cross_entropy(
        shifted_logits.transpose(1, 2), shifted, ignore_index=-100, reduction="none"
    )
    mask = (shifted != -100).float()
    per_example = (nll * mask).sum(1) / mask.sum(1).clamp(min=1)
    return (rewards.float() ** 3 * per_example).mean()


class Collator:
    """Right-padded input ids, labels (-100 on prompt and padding), attention mask, rewards."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, rows: list[dict]) -> dict:
        import torch

        width = max(len(r["input_ids"]) for r in rows)
        ids = torch.full((len(rows), width), self.pad_id)
        labels = torch.full((len(rows), width), -100)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            n = len(r["input_ids"])
            ids[i, :n] = torch.tensor(r["input_ids"])
            labels[i, :n] = torch.tensor(r["labels"])
            mask[i, :n] = 1
        rewards = torch.tensor([r["reward"] for r in rows])
        return {"input_ids": ids, "labels": labels, "attention_mask": mask, "reward": rewards}


def trainer_class():
    from trl import SFTTrainer

    class RewardWeightedTrainer(SFTTrainer):
        """trl's SFTTrainer with the authors' loss: r^3 x mean response NLL per example."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # The loss is a per-batch mean: the Trainer divides it by the accumulation steps.
            self.loss_is_scaled_for_ga = False

        def _set_signature_columns_if_needed(self):
            self._signature_columns = ["input_ids", "labels", "reward"]

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            rewards = inputs.pop("reward")
            labels = inputs.pop("labels")
            outputs = model(**inputs, use_cache=False)
            loss = reward_weighted_loss(outputs.logits, labels, rewards)
            return (loss, outputs) if return_outputs else loss

    return RewardWeightedTrainer


def run_refine(
    rows: list[dict],
    model: str,
    adapter: str,
    out: Path,
    settings: training.TrainSettings,
    min_reward: float,
    boosted: bool,
    card: dict,
    keep: Keep = Keep(),
) -> dict:
    from datasets import Dataset

    kept, left_out = weighted_examples(rows, min_reward, boosted, keep)
    log.info(
        f"refine: {len(kept) + sum(left_out.values())} candidates with normalised reward >= "
        f"{min_reward}: {len(kept)} kept, left out {left_out['unparsed']} unparsed and "
        f"{left_out['truncated']} cut off at the token limit (--keep-unparsed / --keep-truncated "
        "keep them)"
    )
    if not kept:
        raise DistillError(
            f"no candidate with a normalised reward >= {min_reward} is left to train on "
            f"(left out: {left_out['unparsed']} unparsed, {left_out['truncated']} cut off)"
        )
    s, notes = training.effective(settings)
    student, tokenizer = training.load_student(model, adapter, s)
    data = []
    for user, response, r, _ in kept:
        ids, prompt_len = training.chat_ids(tokenizer, user, response)
        labels = [-100] * prompt_len + ids[prompt_len:]
        limit = s["max_length"]
        data.append({"input_ids": ids[:limit], "labels": labels[:limit], "reward": r})
    args = training.trainer_args(s, training.checkpoint_dir(out, card), remove_unused_columns=False)
    trainer = trainer_class()(
        model=student,
        args=args,
        train_dataset=Dataset.from_list(data),
        processing_class=tokenizer,
        data_collator=Collator(tokenizer.pad_token_id),
    )
    losses = training.train(trainer)
    card = {**card, "settings_effective": s, "notes": notes, "examples": len(kept)}
    training.save_adapter(student, tokenizer, out, card)
    sources = {f"kept_{who}": sum(k[3] == who for k in kept) for who in ("teacher", "student")}
    return {
        "examples": len(kept),
        "losses": losses,
        "notes": notes,
        "effective": s,
        "pairs": len(rows),
        **sources,
        "left_out_unparsed": left_out["unparsed"],
        "left_out_truncated": left_out["truncated"],
    }
