"""InteRank's output format as data and code (Samarinas & Zamani, ICTIR 2025; facts from
`../shared/spec/ours-3b.md` and the authors' `algoprog/InteRank` `model.py`): the prompts, the
decoding constants, and the authors' parsing of "<explanation> Relevance Label: <0|1|2> ##".

Shared by the `ours-3b` rerankers (the zoo) and by `bright_eval.distill`, which trains models to
write this format: the parse a trained model is scored by is the parse its training data was
labelled by.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

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
# The rest of the recipe's prompts (`bright_eval.distill`), verbatim from the authors' code
# (model.py / score_outputs.py) as ../shared/spec/distill.md quotes them: here too, so that
# every InteRank prompt has one home. The student's target after TRAINED_PROMPT, and after
# LABEL_ONLY_PROMPT (the ablation without explanations):
TRAIN_TARGET = "{explanation}\n\nRelevance Label: {label} ##"
LABEL_ONLY_TARGET = "Relevance Label: {label} ##"
# The second SFT task; its target is "1. q1\n2. q2\n... ##".
QUERIES_PROMPT = (
    "Based on the following question, generate a list of up to 10 search queries that would "
    "help find answers. Each query should be specific and focused on different aspects of the "
    "question. Format the output as one query per line. Question: {question}"
)
# The reward model's user turn; its assistant turn is TRAIN_TARGET.
REWARD_PROMPT = (
    "Explain whether the following document is relevant or not to the given question. Then end "
    "your response with a relevance label (0: irrelevant, does not provide any useful "
    "information related to the question, 1: partially relevant, provides some context related "
    "to the question but does not provide answer to the specific question, 2: relevant, "
    "provides useful information to answer the question) and the symbol '##'. "
    "Question: {question}\nDocument: {document}"
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
