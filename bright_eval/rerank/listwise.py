"""Listwise rerankers that prompt a generation backend once per window.

A subclass gives the window's prompt and, if its answers are not RankGPT's `[i] > [j]`, its
own parser. The answer is turned into a full permutation by the one repair rule
(`bright_eval.rerank.permutation`), and what was repaired travels on the `Permutation`, so the
runner counts it for cached and fresh windows alike.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import replace

from bright_eval.rerank.backends.base import Generation, GenerationParams, Prompt
from bright_eval.rerank.base import Candidate, ListwiseReranker, Permutation, RerankerOptions
from bright_eval.rerank.generative import GenerativeMixin
from bright_eval.rerank.permutation import RepairStats, no_answer, repair_ids
from bright_eval.rerank.reasoning import FORCED


def ids_in(text: str) -> list[int]:
    """Every run of digits, in order: RankGPT's `clean_response` reads "[3] > [1]" as 3, 1."""
    return [int(x) for x in re.findall(r"\d+", text)]


def parse_ranking(text: str, n: int) -> tuple[list[int], RepairStats]:
    """RankGPT / RankZephyr answers: `[i] > [j] > ...`, read as every number in the text."""
    if "</think>" in text:  # rank_llm reads only what follows a reasoning block
        text = text.split("</think>")[-1]
    ids = ids_in(text)
    return repair_ids(ids, n) if ids else no_answer(n)


class GenerativeListwise(GenerativeMixin, ListwiseReranker):
    """A listwise reranker that prompts a generation backend once per window."""

    default_max_new_tokens = 200
    temperature = 0.0
    top_p = 1.0

    def __init__(
        self,
        options: RerankerOptions | None = None,
        window_size: int | None = None,
        stride: int | None = None,
    ):
        super().__init__(options)
        self.model_name()  # a family with no default model fails now, not after the first stage
        if window_size is not None:
            self.window_size = window_size
        if stride is not None:
            self.stride = stride

    def params(self) -> GenerationParams:
        return GenerationParams(
            max_new_tokens=self.max_new_tokens, temperature=self.temperature, top_p=self.top_p
        )

    def generate(self, prompts: list[Prompt]) -> list[Generation]:
        """One generation per window (`ReasoningBudget`, before this class, caps the reasoning
        of thinking rerankers)."""
        return self.backend.generate(prompts, self.params())

    @abstractmethod
    def prompt(self, window: Sequence[Candidate]) -> Prompt:
        """The chat prompt for one window; the query is the window's (all one query's)."""

    def parse(self, text: str, n: int) -> tuple[list[int], RepairStats]:
        return parse_ranking(text, n)

    def permute(self, windows: Sequence[Sequence[Candidate]]) -> list[Permutation]:
        prompts = [self.prompt(w) for w in windows]
        generations = self.generate(prompts)
        permutations = []
        for window, generation in zip(windows, generations, strict=True):
            order, repaired = self.parse(generation.text, len(window))
            if generation.finish_reason == FORCED:  # the model was made to answer
                repaired = replace(repaired, repaired=1, forced=1)
            permutations.append(
                Permutation(
                    order=order,
                    repair=repaired,
                    raw=generation.text,
                    prompt_tokens=generation.prompt_tokens,
                    generated_tokens=generation.generated_tokens,
                )
            )
        return permutations
