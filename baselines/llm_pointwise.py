"""`llm-pointwise`: any chat model judging one (query, document) pair on the 0/1/2 scale, with an
explanation first or the label alone, so the explanation ablation of the InteRank paper
(Samarinas & Zamani 2025, `algoprog/InteRank`; spec in ../shared/spec/ours-3b.md) can be run on
any model. It is `ours-3b-zeroshot` with the model left open and the explanation switchable:
the authors' zero-shot prompt (format instruction included, since these models were not trained
on the format) or their label-only prompt, decoded and parsed exactly as `ours-3b` is.

Score: the label. Ties are broken by first-stage rank downstream, by the runner. A reply with no
usable label scores 0 and is marked `parsed=False`, so it is counted, never hidden.
"""

from __future__ import annotations

from dataclasses import replace

from bright_eval.rerank import RerankerMeta
from bright_eval.rerank.meta import GENERATIVE
from bright_eval_zoo.interank import CITATION, LABEL_ONLY_PROMPT, ZERO_SHOT_PROMPT, InteRank


class LLMPointwise(InteRank):
    meta = RerankerMeta(
        name="llm-pointwise",
        description="any chat model, 0/1/2 relevance label with or without an explanation first",
        accepts=GENERATIVE,
        alternative_scores=("expected_label",),
        citation=CITATION + ", zero-shot prompt",
    )
    prompt_version = "interank-zero-shot-1"
    needs_trained_weights = False
    prompt = ZERO_SHOT_PROMPT

    def __init__(self, options=None, explanation: bool = True):
        super().__init__(options)
        self.model_name()  # no default model: fail now, not after the first stage has run
        self.explain = explanation
        self.prompt = ZERO_SHOT_PROMPT if explanation else LABEL_ONLY_PROMPT


class LLMPointwiseLabelOnly(LLMPointwise):
    """The label-only arm of the ablation, selectable by name from the command line."""

    meta = replace(
        LLMPointwise.meta,
        name="llm-pointwise-label-only",
        description="any chat model, 0/1/2 relevance label only (the no-explanation ablation)",
        citation=CITATION + ", label-only prompt",
    )
    prompt_version = "interank-label-only-1"

    def __init__(self, options=None):
        super().__init__(options, explanation=False)
