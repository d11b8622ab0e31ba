"""Rank1 (Weller et al. 2025, `orionw/rank1`, models `jhu-clsp/rank1-*`): a pointwise reasoning
reranker. The raw prompt (no chat template) ends in "<think>"; the model reasons, closes with
"</think>" and says " true" or " false". Score: p(true) = softmax over the log-probabilities of
the " true" and " false" tokens right after "</think>".

The query goes into the authors' per-domain BRIGHT template first (`rank1_prompts`), as their
MTEB runs do (`bright_query_templates = False` in a subclass keeps the bare query).

Decoding as the authors run it under MTEB: greedy, at most 8,192 new tokens, stop at
"</think> true" / "</think> false". A generation that never closes its reasoning (it ran out of
tokens, or ended without a verdict) is "fixed" the authors' way: cut back to the last complete
sentence, append "\\n</think>", and read p(true) from the next token. Those judgements are marked
`parsed=False` and counted (`details["forced_verdict"]`), since the model never gave the verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bright_eval.rerank import Candidate, Judgement, PointwiseReranker, RerankerMeta
from bright_eval.rerank.backends.base import GenerationParams
from bright_eval.rerank.generative import GenerativeMixin
from bright_eval.rerank.meta import GENERATIVE
from bright_eval.rerank.scoring import two_way_probability
from bright_eval_zoo.rank1_prompts import templated_query

RANK1_PROMPT = (
    "Determine if the following passage is relevant to the query. "
    "Answer only with 'true' or 'false'.\n"
    "Query: {query}\n"
    "Passage: {passage}\n"
    "<think>"
)
RANK1_STOP = ("</think> true", "</think> false")
TRUE, FALSE = " true", " false"
THINK_END = "</think>"


def closed_reasoning(text: str, finish_reason: str) -> bool:
    """Did generation stop at "</think> true|false"? The backend strips the stop string, so a
    stop with no "</think>" left in the text means the stop string matched; "</think>" still in
    the text means the model closed its reasoning but gave no true/false after it."""
    return finish_reason == "stop" and THINK_END not in text


def forced_continuation(text: str) -> str:
    """The authors' `_fix_incomplete_responses`: drop a trailing unfinished sentence, then close
    the reasoning, so the next token must be the verdict."""
    text = text.rstrip()
    if not text.endswith((".", "!", "?")):
        last = max(text.rfind("."), text.rfind("!"), text.rfind("?"))
        if last != -1:
            text = text[: last + 1]
    return f"\n{text.strip()}\n{THINK_END}"


PUBLISHED = {"7B": 27.5, "14B": 28.7, "32B": 29.4}


def rank1_meta(size: str) -> RerankerMeta:
    return RerankerMeta(
        name=f"rank1-{size.lower()}",
        description=f"Rank1 {size}: reasons in <think>, then true/false; score p(true)",
        model_id=f"jhu-clsp/rank1-{size.lower()}",
        accepts=GENERATIVE,
        citation="Weller et al. 2025, Rank1: Test-Time Compute for Reranking (orionw/rank1)",
        published=f"{PUBLISHED[size]} over BM25 top-100, GPT-4o reasoning queries (Rank1, Table 1)",
        notes="the query in the authors' per-domain BRIGHT template (their prompts.py)",
    )


class Rank1(GenerativeMixin, PointwiseReranker):
    meta = rank1_meta("7B")
    prompt_version = "rank1-2"  # 2: the authors' BRIGHT query templates
    bright_query_templates = True
    default_max_new_tokens = 8192
    prompt_template = RANK1_PROMPT
    stop = RANK1_STOP
    temperature = 0.0
    verdict_tokens = (TRUE, FALSE)
    valid_labels = (0, 1)  # the verdict: relevant when true is the likelier

    def prompt(self, candidate: Candidate) -> str:
        query = candidate.query
        if self.bright_query_templates:
            query = templated_query(query, candidate.domain)
        return self.prompt_template.format(query=query, passage=candidate.document)

    def params(self) -> GenerationParams:
        return GenerationParams(
            max_new_tokens=self.max_new_tokens, temperature=self.temperature, stop=self.stop
        )

    def judge(self, candidates: Sequence[Candidate]) -> list[Judgement]:
        prompts = [self.prompt(c) for c in candidates]
        generations = self.backend.generate(prompts, self.params())
        verdict_prompts = []
        closed = []
        for prompt, g in zip(prompts, generations, strict=True):
            ok = closed_reasoning(g.text, g.finish_reason)
            closed.append(ok)
            tail = g.text + THINK_END if ok else forced_continuation(g.text)
            verdict_prompts.append(prompt + tail)
        logprobs = self.backend.next_token_logprobs(verdict_prompts, list(self.verdict_tokens))
        true, false = self.verdict_tokens
        judgements = []
        for g, ok, lp in zip(generations, closed, logprobs, strict=True):
            score = two_way_probability(lp[true], lp[false])
            # Neither verdict token among the top log-probabilities: no verdict was read, so
            # the 0.5 is a fallback, counted as unparsed, not a judgement.
            verdict = max(lp[true], lp[false]) > -math.inf
            judgements.append(
                Judgement(
                    score=score,
                    parsed=ok and verdict,
                    label=int(score >= 0.5) if verdict else None,
                    raw=g.text,
                    details={
                        "logprob_true": lp[true],
                        "logprob_false": lp[false],
                        "forced_verdict": not ok,
                        "finish_reason": g.finish_reason,
                    },
                    prompt_tokens=g.prompt_tokens,
                    generated_tokens=g.generated_tokens,
                )
            )
        return judgements


class Rank1_14B(Rank1):
    meta = rank1_meta("14B")


class Rank1_32B(Rank1):
    meta = rank1_meta("32B")
