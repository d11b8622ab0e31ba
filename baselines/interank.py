"""`ours-3b`: InteRank, the distilled 3B reasoning reranker (Samarinas & Zamani, ICTIR 2025).

Facts from `../shared/spec/ours-3b.md` and the authors' code (`algoprog/InteRank`, `model.py`):
one user turn through the chat template, greedy, at most 1,024 new tokens, stop at " ##" or the
end of turn, documents cut at 8,000 characters, the label parsed as the authors parse it.

Two rendering decisions, both documented in docs/ours-3b.md:
- Only the user turn goes to the template; whatever the template adds by itself stays (Llama
  3.2's "Cutting Knowledge Date" header, SmolLM2's default system prompt). The authors do the
  same. Llama's header holds a date, pinned here to the template's own fallback (26 Jul 2024)
  so the prompt does not change from day to day.
- The assistant header is added (`add_generation_prompt`). The authors' `build_prompt` leaves it
  out and strips the header the model then writes itself; adding it gives the same text to
  the trained model without spending tokens on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bright_eval.rerank import Candidate, Judgement, PointwiseReranker, RerankerMeta
from bright_eval.rerank.backends import GenerationParams
from bright_eval.rerank.generative import GenerativeMixin, MissingModelError
from bright_eval.rerank.interank_format import (
    DATE_STRING,
    FAILURES,
    FORMAT_INSTRUCTION,
    INVALID,
    KEYWORD,
    LABEL,
    LABEL_ONLY_PROMPT,
    LABELS,
    MARKER,
    MAX_DOCUMENT_CHARS,
    MAX_NEW_TOKENS,
    NO_KEYWORD,
    STOP,
    TOP_LOGPROBS,
    TRAINED_PROMPT,
    ZERO_SHOT_PROMPT,
    Parse,
    expected_label,
    keyword_label,
    label_token_index,
    parse_explained,
    parse_label_only,
    strip_explanation,
)
from bright_eval.rerank.meta import GENERATIVE

BASE_MODEL = "meta-llama/Llama-3.2-3B-Instruct"
NO_WEIGHTS = (
    "the trained InteRank weights are not public: pass your LoRA adapter with --adapter PATH "
    f"(on the base model {BASE_MODEL}) or a merged checkpoint with --model PATH; "
    "--reranker ours-3b-zeroshot runs the base model zero-shot instead"
)


CITATION = (
    "Samarinas & Zamani 2025, Distillation and Refinement of Reasoning in Small Language Models "
    "for Document Re-ranking (ICTIR 2025; algoprog/InteRank)"
)


class InteRank(GenerativeMixin, PointwiseReranker):
    meta = RerankerMeta(
        name="ours-3b",
        description="InteRank-3B (Llama-3.2-3B-Instruct + distilled LoRA): explanation, then 0/1/2",
        model_id=BASE_MODEL,
        accepts=GENERATIVE,
        alternative_scores=("expected_label",),
        citation=CITATION,
        published="27.4 average nDCG@10 on the official BRIGHT board (#21)",
        notes="weights not public: pass --adapter or --model",
    )
    prompt = TRAINED_PROMPT
    explain = True
    needs_trained_weights = True
    chat_template_kwargs = {"date_string": DATE_STRING}
    default_max_new_tokens = MAX_NEW_TOKENS
    max_document_chars = MAX_DOCUMENT_CHARS
    temperature = 0.0
    stop = STOP
    top_logprobs = TOP_LOGPROBS
    valid_labels = LABELS

    def __init__(self, options=None):
        super().__init__(options)
        if self.needs_trained_weights and not (self.options.adapter or self.options.model):
            raise MissingModelError(f"{self.name}: {NO_WEIGHTS}")

    def messages(self, c: Candidate) -> list[dict[str, str]]:
        document = c.document[: self.max_document_chars]
        return [
            {"role": "user", "content": self.prompt.format(question=c.query, document=document)}
        ]

    def parse(self, response: str) -> Parse:
        return parse_explained(response) if self.explain else parse_label_only(response)

    def judge(self, candidates: Sequence[Candidate]) -> list[Judgement]:
        params = GenerationParams(
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
            stop=self.stop,
            top_logprobs=self.top_logprobs,
        )
        generations = self.backend.generate([self.messages(c) for c in candidates], params)
        judgements = []
        for g in generations:
            parsed = self.parse(g.text)
            scores = {}
            index = label_token_index(g.tokens) if parsed.how == LABEL else None
            if index is not None and g.token_logprobs:
                expected = expected_label(g.token_logprobs[index])
                if expected is not None:
                    scores["expected_label"] = expected
            judgements.append(
                Judgement(
                    score=float(parsed.label),
                    parsed=parsed.how not in FAILURES,
                    label=parsed.label,
                    raw=g.text,
                    how_parsed=parsed.how,
                    scores=scores,
                    details={"finish_reason": g.finish_reason},
                    prompt_tokens=g.prompt_tokens,
                    generated_tokens=g.generated_tokens,
                )
            )
        return judgements


class InteRankLabelOnly(InteRank):
    meta = replace(
        InteRank.meta,
        name="ours-3b-label-only",
        description="InteRank ablation without explanations: the label alone",
        published="",
    )
    prompt = LABEL_ONLY_PROMPT
    explain = False


class InteRankZeroShot(InteRank):
    meta = replace(
        InteRank.meta,
        name="ours-3b-zeroshot",
        description="ZERO-SHOT base Llama-3.2-3B-Instruct with InteRank's prompt (not InteRank)",
        published="",
        notes="",
    )
    prompt = ZERO_SHOT_PROMPT
    needs_trained_weights = False


# The format's names stay importable from here, where the reranker that uses them lives.
__all__ = [
    "BASE_MODEL",
    "CITATION",
    "DATE_STRING",
    "FAILURES",
    "FORMAT_INSTRUCTION",
    "INVALID",
    "InteRank",
    "InteRankLabelOnly",
    "InteRankZeroShot",
    "KEYWORD",
    "LABEL",
    "LABELS",
    "LABEL_ONLY_PROMPT",
    "MARKER",
    "MAX_DOCUMENT_CHARS",
    "MAX_NEW_TOKENS",
    "NO_KEYWORD",
    "NO_WEIGHTS",
    "Parse",
    "STOP",
    "TOP_LOGPROBS",
    "TRAINED_PROMPT",
    "ZERO_SHOT_PROMPT",
    "expected_label",
    "keyword_label",
    "label_token_index",
    "parse_explained",
    "parse_label_only",
    "strip_explanation",
]
