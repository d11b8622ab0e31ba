"""TFRank (Fan et al. 2025, `JOHNNY-fans/TFRank`, models `Johnnyfans/TFRank-*`): a think-free
pointwise reranker on Qwen3. The prompt (raw text, the chat markup written out) asks for
"yes(score)" or "no(score)" with a 0-4 score, and the reasoning block is closed before the
model writes. Two readings come from the top-20 log-probabilities of the generated tokens, as
`run_eval.py`'s `get_next_token_probs` takes them:

- yes/no: at the first generated token, softmax over the first of "yes"/"Yes"/"YES" and of
  "no"/"No"/"NO" found (one not found takes the lowest log-probability there minus 10);
- label: at the token after "yes(" (or "no(", "Yes (", ...), softmax over "0".."4" (likewise),
  and its expectation 0..4.

Score, the authors' "Merge" (`eval_metrics.py`): (expected label / 4 + p(yes)) / 2; the two
readings alone are the alternative scores `label` and `yesno`. Decoding as `run_eval.sh`:
greedy, at most 128 new tokens. An output with no "yes(" or "no(" gets the authors' error
values (label 0.5, p(yes) 0.5, so 0.3125), marked unparsed and counted.

The evaluation script asks each pair 9 times and keeps the last answer, whose prompt carries a
retry sentence after the document (`try_num` >= 1); the prompt here is that one
(`retry_sentence`, False gives the demo's). Not done here: the authors cut the instruction and
document to the model's context (40,960 tokens less 128 and the markup).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bright_eval.rerank import Candidate, Judgement, PointwiseReranker, RerankerMeta
from bright_eval.rerank.backends.base import Generation, GenerationParams
from bright_eval.rerank.generative import GenerativeMixin
from bright_eval.rerank.meta import GENERATIVE
from bright_eval_zoo.tfrank_prompts import (
    TFRANK_COMPLETION,
    TFRANK_INPUT,
    TFRANK_LABEL_OPENERS,
    TFRANK_LABELS,
    TFRANK_NO,
    TFRANK_RETRY,
    TFRANK_SYSTEM,
    TFRANK_YES,
)

SOURCE = "JOHNNY-fans/TFRank@18765965443e1a57c5444fad5b55026a8a9d14bf"
ERROR_LABEL = ERROR_YES = 0.5  # `deal`'s values for an answer it could not read


def softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    if top == -math.inf:  # no candidate token among the alternatives: nothing to prefer
        return [1 / len(logits)] * len(logits)
    exps = [math.exp(x - top) for x in logits]
    return [e / sum(exps) for e in exps]


def first_found(top: dict[str, float], tokens: Sequence[str], fallback: float) -> float:
    return next((top[t] for t in tokens if t in top), fallback)


def yes_probability(top: dict[str, float]) -> float:
    """`parse_yesno`: p(yes) against p(no) at one token."""
    floor = min(top.values()) - 10 if top else -110
    return softmax([first_found(top, TFRANK_YES, floor), first_found(top, TFRANK_NO, floor)])[0]


def label_probabilities(top: dict[str, float]) -> list[float]:
    """`parse_label`: p(0)..p(4) at one token."""
    floor = min(top.values()) - 10 if top else -110
    return softmax([top.get(t, floor) for t in TFRANK_LABELS])


def read_tfrank(g: Generation) -> tuple[float, list[float]] | None:
    """p(yes) at the first token and the label distribution at the token after "yes(" or
    "no(" (`get_next_token_probs`); None when no such token was generated."""
    tops = g.token_logprobs or []
    if not tops:
        return None
    text = ""
    for i, token in enumerate(g.tokens[:-1]):
        text += token
        if any(opener in text for opener in TFRANK_LABEL_OPENERS) and i + 1 < len(tops):
            return yes_probability(tops[0]), label_probabilities(tops[i + 1])
    return None


class TFRank(GenerativeMixin, PointwiseReranker):
    meta = RerankerMeta(
        name="tfrank-8b",
        description="TFRank 8B (Qwen3): think-free yes(0-4)/no(0-4); mean of label and p(yes)",
        model_id="Johnnyfans/TFRank-SFT-GRPO-Qwen3-8B",
        accepts=GENERATIVE,
        alternative_scores=("label", "yesno"),
        citation=(
            "Fan et al. 2025, TFRank (arXiv 2508.09539); "
            f"{SOURCE} evaluation/run_eval.py, evaluation/run_eval.sh, evaluation/eval_metrics.py"
        ),
        published=(
            "31.2 over ReasonIR GPT-4-reasoning, 22.6 over BM25 (TFRank-SFT-GRPO-Qwen3-8B, "
            "Merge; the repository's evaluation/eval_results)"
        ),
        notes="the input is not cut to the model's context",
    )
    prompts = {"system": TFRANK_SYSTEM, "input": TFRANK_INPUT, "retry": TFRANK_RETRY,
               "completion": TFRANK_COMPLETION}  # fmt: skip
    prompt_version = "tfrank-1"
    retry_sentence = True
    default_max_new_tokens = 128
    temperature = 0.0
    top_logprobs = 20
    valid_labels = (0, 1, 2, 3, 4)

    def prompt(self, candidate: Candidate) -> str:
        p = self.prompts
        text = p["input"].format(query=candidate.query, document=candidate.document)
        if self.retry_sentence:
            text += p["retry"]
        return p["completion"].format(system=p["system"], input=text)

    def params(self) -> GenerationParams:
        return GenerationParams(
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
            top_logprobs=self.top_logprobs,
        )

    def judge(self, candidates: Sequence[Candidate]) -> list[Judgement]:
        generations = self.backend.generate([self.prompt(c) for c in candidates], self.params())
        return [self.judgement(g) for g in generations]

    def judgement(self, g: Generation) -> Judgement:
        read = read_tfrank(g)
        if read is None:
            yes, label, probs = ERROR_YES, ERROR_LABEL, None
        else:
            yes, probs = read
            label = sum(k * p for k, p in enumerate(probs))
        return Judgement(
            score=(label / 4 + yes) / 2,
            parsed=read is not None,
            label=None if probs is None else max(range(5), key=probs.__getitem__),
            raw=g.text,
            how_parsed=None if read is not None else "no-label",
            scores={"label": label, "yesno": yes},
            details={"label_probabilities": probs, "finish_reason": g.finish_reason},
            prompt_tokens=g.prompt_tokens,
            generated_tokens=g.generated_tokens,
        )
