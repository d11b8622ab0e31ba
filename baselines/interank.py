"""`ours-3b`: InteRank, the distilled 3B reasoning reranker (Samarinas & Zamani, ICTIR 2025).

Facts from `../shared/spec/ours-3b.md` and the authors' code (`algoprog/InteRank`, `model.py`):
one user turn through the chat template, greedy, at most 1,024 new tokens, stop at " ##" or the
end of turn, documents cut at 8,000 characters, the label parsed as the authors parse it.

Two rendering decisions, both documented in the README:
- Only the user turn goes to the template; whatever the template adds by itself stays (Llama
  3.2's "Cutting Knowledge Date" header, SmolLM2's default system prompt). The authors do the
  same. Llama's header holds a date, pinned here to the template's own fallback (26 Jul 2024)
  so the prompt does not change from day to day.
- The assistant header is added (`add_generation_prompt`). The authors' `build_prompt` leaves it
  out and strips the header the model then writes itself; adding it gives the same text to
  the trained model without spending tokens on it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bright_eval.rerank import Candidate, Judgement, PointwiseReranker, RerankerMeta
from bright_eval.rerank.backends import GenerationParams
from bright_eval.rerank.generative import GenerativeMixin, MissingModelError
from bright_eval.rerank.meta import GENERATIVE

BASE_MODEL = "meta-llama/Llama-3.2-3B-Instruct"
TRAINED_PROMPT = (
    "Explain whether the following document is relevant or not to the given question. Then end "
    "your response with a relevance label (0: irrelevant, 1: partially relevant, 2: relevant) and "
    "the symbol '##'. Question: {question}\nDocument: {document}"
)
FORMAT_INSTRUCTION = (
    "Your response should have this format: '<explanation>\nRelevance Label: <label> ##'."
)
ZERO_SHOT_PROMPT = TRAINED_PROMPT.replace(" Question:", f" {FORMAT_INSTRUCTION} Question:", 1)
LABEL_ONLY_PROMPT = (
    "Rate the relevance of the following document to the given question using these labels "
    "(0: irrelevant, 1: partially relevant, 2: relevant). Your response should have this format: "
    "'Relevance Label: <label> ##'. Question: {question}\nDocument: {document}"
)
MAX_DOCUMENT_CHARS = 8_000
MAX_NEW_TOKENS = 1_024
STOP = (" ##",)
TOP_LOGPROBS = 5
LABELS = (0, 1, 2)
DATE_STRING = "26 Jul 2024"  # Llama 3's template fallback, when it cannot read today's date

MARKER = re.compile(r"relevance\s+label:", re.IGNORECASE)
# How a label was obtained. LABEL and KEYWORD are parses; the other two are failures (label 0).
LABEL, KEYWORD, NO_KEYWORD, INVALID = "label", "keyword", "no-keyword", "invalid-label"
FAILURES = (NO_KEYWORD, INVALID)

NO_WEIGHTS = (
    "the trained InteRank weights are not public: pass your LoRA adapter with --adapter PATH "
    f"(on the base model {BASE_MODEL}) or a merged checkpoint with --model PATH; "
    "--reranker ours-3b-zeroshot runs the base model zero-shot instead"
)


@dataclass(frozen=True)
class Parse:
    label: int
    how: str  # LABEL, KEYWORD, NO_KEYWORD or INVALID
    explanation: str


def keyword_label(text: str) -> tuple[int, bool]:
    """The authors' fallback: keywords in the first 30 words. Returns (label, keyword found)."""
    first = " ".join(text.lower().split()[:30])
    if "partially relevant" in first:
        return 1, True
    negated = "not relevant" in first or "irrelevant" in first
    if "relevant" in first and not negated:
        return 2, True
    return 0, negated


def strip_explanation(text: str) -> str:
    text = text.split("##")[0].strip()
    # Gemma-style chat output starts with the role name; the authors drop it.
    return text[len("model\n") :].strip() if text.startswith("model\n") else text


def parse_explained(response: str) -> Parse:
    """`{explanation}\\n\\nRelevance Label: {label} ##`, parsed as `model.py` does: split on
    the marker (any case); with exactly one marker the first integer after it is the label and
    must be 0, 1 or 2; with none (or several) the keyword fallback decides."""
    parts = MARKER.split(response)
    if len(parts) != 2:
        explanation = strip_explanation(response)
        label, found = keyword_label(explanation)
        return Parse(label, KEYWORD if found else NO_KEYWORD, explanation)
    explanation = strip_explanation(parts[0])
    number = re.search(r"\d+", parts[1].split("##")[0].strip())
    if number is None or int(number.group()) not in LABELS:
        return Parse(0, INVALID, explanation)
    return Parse(int(number.group()), LABEL, explanation)


def parse_label_only(response: str) -> Parse:
    """`Relevance Label: {label} ##`, parsed as `model.py` does in label-only mode: the marker is
    matched with this exact case and the label is the last word before `##`."""
    try:
        word = response.strip().split("Relevance Label:")[1].split("##")[0].strip().split()[-1]
        label = int(word)
    except (IndexError, ValueError):
        return Parse(0, INVALID, "")
    return Parse(label, LABEL, "") if label in LABELS else Parse(0, INVALID, "")


def label_token_index(tokens: Sequence[str]) -> int | None:
    """Index of the generated token that carries the label: the first digit after the marker."""
    text = ""
    for i, token in enumerate(tokens):
        text += token
        if not any(ch.isdigit() for ch in token):
            continue
        matches = list(MARKER.finditer(text))
        if matches and text[matches[-1].end() :].strip().isdigit():
            return i
    return None


def expected_label(top: dict[str, float]) -> float | None:
    """sum_k k p(k) over the labels among the label token's top alternatives, renormalised."""
    probs = {}
    for token, logprob in top.items():
        key = token.strip()
        if key in {str(k) for k in LABELS}:
            probs[int(key)] = probs.get(int(key), 0.0) + math.exp(logprob)
    total = sum(probs.values())
    return sum(k * p for k, p in probs.items()) / total if total > 0 else None


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
            max_new_tokens=self.max_new_tokens, stop=self.stop, top_logprobs=self.top_logprobs
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
    meta = RerankerMeta(
        name="ours-3b-label-only",
        description="InteRank ablation without explanations: the label alone",
        model_id=BASE_MODEL,
        accepts=GENERATIVE,
        citation=CITATION,
        notes="weights not public: pass --adapter or --model",
    )
    prompt = LABEL_ONLY_PROMPT
    explain = False


class InteRankZeroShot(InteRank):
    meta = RerankerMeta(
        name="ours-3b-zeroshot",
        description="ZERO-SHOT base Llama-3.2-3B-Instruct with InteRank's prompt (not InteRank)",
        model_id=BASE_MODEL,
        accepts=GENERATIVE,
        alternative_scores=("expected_label",),
        citation=CITATION,
    )
    prompt = ZERO_SHOT_PROMPT
    needs_trained_weights = False
