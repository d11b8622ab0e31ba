"""`llm-pointwise`: any chat model judging one (query, document) pair on the 0/1/2 scale, with an
explanation first or the label alone, so the explanation ablation of the InteRank paper
(Samarinas & Zamani 2025, `algoprog/InteRank`; spec in ../shared/spec/ours-3b.md) can be run on
any model. The prompts are the authors' zero-shot prompt (format instruction included, since
these models were not trained on the format) and their label-only prompt.

Score: the label. Ties are broken by first-stage rank downstream, by the runner. A reply with no
usable label scores 0 and is marked `parsed=False`, so it is counted, never hidden.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from baselines.backend import make_backend
from bright_eval.rerank.backends.base import GenerationBackend, GenerationParams
from bright_eval.rerank.base import Candidate, Judgement, PointwiseReranker

EXPLAIN_PROMPT = (
    "Explain whether the following document is relevant or not to the given question. Then end "
    "your response with a relevance label (0: irrelevant, 1: partially relevant, 2: relevant) "
    "and the symbol '##'. Your response should have this format: "
    "'<explanation>\nRelevance Label: <label> ##'. Question: {question}\nDocument: {document}"
)
LABEL_ONLY_PROMPT = (
    "Rate the relevance of the following document to the given question using these labels "
    "(0: irrelevant, 1: partially relevant, 2: relevant). Your response should have this format: "
    "'Relevance Label: <label> ##'. Question: {question}\nDocument: {document}"
)
STOP = (" ##",)
MAX_DOCUMENT_CHARS = 8000
LABEL_MARKER = re.compile(r"relevance label:", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedLabel:
    label: int  # 0 when nothing usable was found
    how: str  # "marker", "keywords" (the authors' fallback) or "unparsed"

    @property
    def parsed(self) -> bool:
        return self.how != "unparsed"


def keyword_label(text: str) -> int | None:
    """The authors' fallback when the marker is missing: keywords in the first 30 words."""
    head = " ".join(text.split()[:30]).lower()
    if "partially relevant" in head:
        return 1
    if "relevant" in head and "not relevant" not in head and "irrelevant" not in head:
        return 2
    if "not relevant" in head or "irrelevant" in head:
        return 0
    return None


def parse_label(text: str) -> ParsedLabel:
    """Split on "relevance label:" (any case); the first integer after it is the label, which
    must be 0, 1 or 2."""
    parts = LABEL_MARKER.split(text)
    if len(parts) > 1:
        match = re.search(r"\d+", parts[1])
        if match and int(match.group()) in (0, 1, 2):
            return ParsedLabel(int(match.group()), "marker")
        return ParsedLabel(0, "unparsed")
    label = keyword_label(text)
    if label is None:
        return ParsedLabel(0, "unparsed")
    return ParsedLabel(label, "keywords")


class LLMPointwise(PointwiseReranker):
    name = "llm-pointwise"
    description = "any chat model, 0/1/2 relevance label with or without an explanation first"
    model_id = None  # any chat model: pass --model
    prompt_version = "interank-zero-shot-1"
    default_backend = "transformers"
    max_new_tokens = 1024

    def __init__(
        self,
        backend: GenerationBackend | str | None = None,
        model: str | None = None,
        revision: str | None = None,
        explanation: bool = True,
        **backend_options,
    ):
        self.model = model or self.model_id
        if self.model is None:
            raise ValueError("llm-pointwise needs a model (a Hugging Face id or an API model)")
        self.revision = revision
        self.explanation = explanation
        self.template = EXPLAIN_PROMPT if explanation else LABEL_ONLY_PROMPT
        self.backend = make_backend(
            backend or self.default_backend, self.model, revision=revision, **backend_options
        )

    def prompt(self, candidate: Candidate) -> list[dict[str, str]]:
        text = self.template.format(
            question=candidate.query, document=candidate.document[:MAX_DOCUMENT_CHARS]
        )
        return [{"role": "user", "content": text}]

    def params(self) -> GenerationParams:
        return GenerationParams(max_new_tokens=self.max_new_tokens, temperature=0.0, stop=STOP)

    def judge(self, candidates: Sequence[Candidate]) -> list[Judgement]:
        generations = self.backend.generate([self.prompt(c) for c in candidates], self.params())
        judgements = []
        for g in generations:
            parsed = parse_label(g.text)
            judgements.append(
                Judgement(
                    score=float(parsed.label),
                    parsed=parsed.parsed,
                    label=parsed.label,
                    raw=g.text,
                    details={"label_from": parsed.how, "finish_reason": g.finish_reason},
                    prompt_tokens=g.prompt_tokens,
                    generated_tokens=g.generated_tokens,
                )
            )
        return judgements

    def config(self) -> dict:
        return super().config() | {
            "model": self.model,
            "revision": self.revision,
            "backend": self.backend.describe(),
            "explanation": self.explanation,
            "prompt": self.template,
            "max_document_chars": MAX_DOCUMENT_CHARS,
            "max_new_tokens": self.max_new_tokens,
            "temperature": 0.0,
            "stop": list(STOP),
        }
