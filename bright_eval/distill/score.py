"""Stage 6a, `score`: a reward model rates each pair's 9 candidates (the student's 8 samples and
the teacher's answer); rewards are min-max normalised per pair.

The reward model is any sequence-classification model (default Skywork-Reward-Llama-3.1-8B-v0.2,
as the authors); its input is the authors' reward prompt as the user turn and the candidate as
the assistant turn, through the reward model's chat template; the reward is the first logit.
Scoring goes through the reranking runner and its cache like generation: the "query" is the
prompt, the "document" the candidate, so a killed run resumes.

Normalisation: (r - min) / (max - min) over the pair's 9 candidates; when all 9 are equal there
is nothing to prefer and every candidate gets 0 (none is kept at the 0.85 threshold).
"""

from __future__ import annotations

from collections.abc import Sequence

from bright_eval.distill.jobs import RunOptions, outputs_by_pair, run_job, stats_dict
from bright_eval.distill.prompts import PROMPTS, TRAIN_MAX_WORDS, relevance_prompt
from bright_eval.rerank.backends.base import library_versions, loading
from bright_eval.rerank.base import Candidate, Judgement, PointwiseReranker
from bright_eval.rerank.cache import text_hash

MAX_TOKENS = 8_192


class RewardJob(PointwiseReranker):
    # No name: never registered. It loads its own model (no generation options).
    def __init__(self, model: str, batch_size: int = 8, max_tokens: int = MAX_TOKENS):
        super().__init__()
        self.model_name, self.batch_size, self.max_tokens = model, batch_size, max_tokens
        self._model = None

    def config(self) -> dict:
        return {
            "stage": "score",
            "reward_model": self.model_name,
            "max_tokens": self.max_tokens,
            "prompt_sha": text_hash(PROMPTS["reward"]),
            "versions": library_versions("transformers"),
        }

    def load(self):
        if self._model is None:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            cuda = torch.cuda.is_available()
            with loading("reward model", self.model_name):
                self.tokenizer = AutoTokenizer.from_pretrained(self.model_name)
                self._model = AutoModelForSequenceClassification.from_pretrained(
                    self.model_name,
                    dtype=torch.bfloat16 if cuda else torch.float32,
                    num_labels=1,
                ).to("cuda" if cuda else "cpu")
            self._model.eval()
            if self.tokenizer.pad_token is None:
                self.tokenizer.pad_token = self.tokenizer.eos_token
            self._model.config.pad_token_id = self.tokenizer.pad_token_id
        return self._model, self.tokenizer

    def rewards(self, conversations: Sequence[list[dict]]) -> list[float]:
        import torch

        model, tokenizer = self.load()
        texts = [tokenizer.apply_chat_template(c, tokenize=False) for c in conversations]
        out = []
        for i in range(0, len(texts), self.batch_size):
            # The template already holds BOS; right padding, and the model reads the last
            # real token through pad_token_id.
            batch = tokenizer(
                texts[i : i + self.batch_size],
                add_special_tokens=False,
                padding=True,
                truncation=True,
                max_length=self.max_tokens,
                return_tensors="pt",
            ).to(model.device)
            with torch.inference_mode():
                out += model(**batch).logits[:, 0].float().tolist()
        return out

    def judge(self, candidates: Sequence[Candidate]) -> list[Judgement]:
        conversations = [
            [{"role": "user", "content": c.query}, {"role": "assistant", "content": c.document}]
            for c in candidates
        ]
        return [Judgement(score=r, how_parsed="reward") for r in self.rewards(conversations)]


def normalise(rewards: Sequence[float]) -> list[float]:
    low, high = min(rewards), max(rewards)
    if high == low:
        return [0.0] * len(rewards)
    return [(r - low) / (high - low) for r in rewards]


def score(
    rows: list[dict], model: str, batch_size: int = 8, progress: bool = True
) -> tuple[list[dict], dict]:
    """Each sample row with its candidates' rewards, normalised rewards and the pair's
    misclassification rate (the share of student samples whose label is not the teacher's)."""
    job = RewardJob(model, batch_size)
    candidates = {}
    for row in rows:
        key = f"{row['question_id']}/{row['page']}"
        prompt = relevance_prompt("reward", row["question"], row["document"], TRAIN_MAX_WORDS)
        texts = [s["text"] for s in row["samples"]] + [row["teacher"]]
        candidates[key] = [Candidate(key, prompt, f"c{j}", t, j + 1) for j, t in enumerate(texts)]
    result = run_job(job, candidates, "score", RunOptions(batch_size=64, progress=progress))
    by_pair = outputs_by_pair(result)
    scored = []
    for row in rows:
        key = f"{row['question_id']}/{row['page']}"
        rewards = [by_pair[key, c.doc_id]["score"] for c in candidates[key]]
        teacher = {"text": row["teacher"], "source": "teacher", "label": row["teacher_label"],
                   "parsed": True, "truncated": row.get("teacher_truncated")}  # fmt: skip
        # Whether each answer parsed and finished (None: samples made before they were told).
        answers = [
            {"text": s["text"], "source": "student", "label": s["label"],
             "parsed": s.get("parsed"), "truncated": s.get("truncated")}
            for s in row["samples"]
        ] + [teacher]  # fmt: skip
        for answer, r, n in zip(answers, rewards, normalise(rewards), strict=True):
            answer.update(reward=r, normalised=n)
        # An unparsed sample (no label) differs from the teacher's: the student got it wrong.
        wrong = sum(s["label"] != row["teacher_label"] for s in row["samples"])
        scored.append(
            {
                **{k: row[k] for k in ("question_id", "page", "question", "document")},
                "misclassification": wrong / len(row["samples"]) if row["samples"] else 0.0,
                "candidates": answers,
            }
        )
    return scored, {"pairs": len(scored), **stats_dict(result.stats)}
