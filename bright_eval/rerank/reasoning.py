"""A reasoning budget for rerankers that think before they answer (`<think> ... </think>` then
`<answer> ... </answer>`: ReasonRank, Rank-R1).

`max_reasoning_tokens` (a declared setting, so it is in the cache key) caps the reasoning.
None keeps the reranker's published setup: one generation of at most `max_new_tokens`, and an
answer cut off by that limit is whatever the parser can read of it (a failed answer, counted).
With a budget, the model reasons for at most that many tokens; a generation that stops there
without closing its reasoning is cut and made to answer: "\\n</think>\\n<answer>" is appended to
the rendered prompt and its reasoning, and the model writes at most `answer_tokens` more. The
kept text is the reasoning, that tail and the answer, and the window is counted as forced
(`RepairStats.forced`, and repaired), since the model did not choose to stop. A remote server
applies its own chat template, which cannot be continued here: there the budget is not applied
(the published single generation runs), since a cut answer could only fail.
"""

from __future__ import annotations

from dataclasses import replace

from bright_eval.rerank.backends.base import Generation, GenerationParams

FORCE_ANSWER = "\n</think>\n<answer>"
FORCED = "forced"  # the finish reason of a generation whose answer was forced


class ReasoningBudget:
    max_reasoning_tokens: int | None = None  # None: the reranker's own max_new_tokens
    answer_tokens = 32  # what a forced answer may take

    def budget_params(self, params: GenerationParams) -> GenerationParams:
        if self.max_reasoning_tokens is None:
            return params
        return replace(params, max_new_tokens=self.max_reasoning_tokens)

    def generate(self, prompts) -> list[Generation]:
        """Put before `GenerativeListwise` in the bases, it generates every window's answer."""
        return self.generate_within_budget(prompts, self.params())

    def can_force(self, prompts) -> bool:
        """Whether a cut reasoning can be continued: the backend renders prompts itself (a
        remote server's template cannot be continued)."""
        try:
            self.backend.render(prompts[0])
        except NotImplementedError:
            return False
        return True

    def generate_within_budget(self, prompts, params: GenerationParams) -> list[Generation]:
        if self.max_reasoning_tokens is None or not prompts or not self.can_force(prompts):
            return self.backend.generate(prompts, params)
        generations = self.backend.generate(prompts, self.budget_params(params))
        cut = [i for i, g in enumerate(generations)
               if g.finish_reason == "length" and "</think>" not in g.text]  # fmt: skip
        if not cut:  # an empty call would wait forever on a streaming backend
            return generations
        forced = [self.backend.render(prompts[i]) + generations[i].text + FORCE_ANSWER
                  for i in cut]  # fmt: skip
        answers = self.backend.generate(forced, replace(params, max_new_tokens=self.answer_tokens))
        for i, answer in zip(cut, answers, strict=True):
            g = generations[i]
            generations[i] = replace(
                g,
                text=g.text + FORCE_ANSWER + answer.text,
                prompt_tokens=g.prompt_tokens + answer.prompt_tokens,
                generated_tokens=g.generated_tokens + answer.generated_tokens,
                finish_reason=FORCED,
                model_seconds=g.model_seconds + answer.model_seconds,
            )
        return generations
