"""The recipe's prompts and the targets the student learns (all InteRank's, from their one home,
`bright_eval.rerank.interank_format`), and the parsers of the teacher's and student's answers.

The relevance parser is the one `ours-3b` uses at evaluation time
(`bright_eval.rerank.interank_format`), so a label means the same thing in training data and in
the reranker.
"""

from __future__ import annotations

import re

from bright_eval.rerank.interank_format import (
    DATE_STRING,
    FAILURES,
    LABEL_ONLY_PROMPT,
    LABEL_ONLY_TARGET,
    QUERIES_PROMPT,
    REWARD_PROMPT,
    STOP,
    TRAIN_TARGET,
    TRAINED_PROMPT,
    ZERO_SHOT_PROMPT,
    Parse,
    parse_explained,
    parse_label_only,
)

PROMPTS: dict[str, str] = {
    "teacher": ZERO_SHOT_PROMPT,
    "train": TRAINED_PROMPT,
    "label_only": LABEL_ONLY_PROMPT,
    "train_target": TRAIN_TARGET,
    "label_only_target": LABEL_ONLY_TARGET,
    "queries": QUERIES_PROMPT,
    "reward": REWARD_PROMPT,
}
TEACHER_MAX_WORDS = 3_000  # the documents the teacher sees (authors' annotation code)
TRAIN_MAX_WORDS = 4_000  # the documents in training examples (authors' SFT code)
MAX_QUERIES = 10
NUMBERED = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s*")

__all__ = ["DATE_STRING", "FAILURES", "PROMPTS", "STOP", "Parse", "parse_relevance"]


def first_words(text: str, n: int) -> str:
    """The first n whitespace-separated words (the authors cut documents by words)."""
    words = text.split()
    return text if len(words) <= n else " ".join(words[:n])


def question_text(question: dict) -> str:
    """`title + " " + body`, the question everywhere in the recipe."""
    return f"{question.get('title', '')} {question.get('body', '')}".strip()


def relevance_prompt(kind: str, question: str, document: str, max_words: int) -> str:
    return PROMPTS[kind].format(question=question, document=first_words(document, max_words))


def queries_prompt(question: str) -> str:
    return PROMPTS["queries"].format(question=question)


def relevance_target(explanation: str, label: int, label_only: bool = False) -> str:
    if label_only:
        return PROMPTS["label_only_target"].format(label=label)
    return PROMPTS["train_target"].format(explanation=explanation, label=label)


def queries_target(queries: list[str]) -> str:
    return "\n".join(f"{i}. {q}" for i, q in enumerate(queries, 1)) + " ##"


def parse_relevance(text: str, label_only: bool = False) -> Parse:
    return parse_label_only(text) if label_only else parse_explained(text)


def parse_queries(text: str) -> list[str]:
    """One query per line, at most 10, without list numbering and the closing `##`; when some
    lines are list items, the others (a preamble such as "Here are the queries:") are dropped."""
    lines = [line for line in text.split("##")[0].splitlines() if line.strip()]
    if any(NUMBERED.match(line) for line in lines):
        lines = [line for line in lines if NUMBERED.match(line)]
    return [q for q in (NUMBERED.sub("", line).strip() for line in lines) if q][:MAX_QUERIES]
