"""Short codes for what a row over its own first stage is (a retriever alone, with which query,
or a whole pipeline): the free-text kind of a record made a column 134 characters wide. A code
names the common part; whatever the record says beyond it goes into the row's note."""

from __future__ import annotations

from dataclasses import dataclass

LONG_SUFFIX = ", long documents"  # implied by long.md, which holds nothing else


@dataclass(frozen=True)
class Kind:
    code: str
    meaning: str
    prefix: str  # a record's kind text that starts with this has this code


# Checked in order: the first prefix that matches decides.
KINDS = (
    Kind("R-orig", "retriever alone, original query", "retrieval, original query"),
    Kind("R-GPT4", "retriever alone, GPT-4 reasoning query", "retrieval, GPT-4 reasoning query"),
    Kind("R-CoT", "retriever alone, GPT-4 chain-of-thought query", "retrieval, GPT-4 CoT query"),
    Kind("R-QExp", "retriever alone, DIVER's expanded query", "retrieval, DIVER-QExpand query"),
    Kind("R", "retriever alone, another query (in the row's note)", "retrieval, "),
    Kind("P", "a whole pipeline (what it chains is in the row's note)", "pipeline: "),
)
UNKNOWN = Kind("?", "not stated by the source (what is known is in the row's note)", "")
RERANKER = Kind("RR", "a reranker (the first stage it reranks is in the row's note)", "")


def kind_of(text: str) -> tuple[Kind, str]:
    """The code of a record's kind text, and the detail the code does not say ("" if none)."""
    text = text.removesuffix(LONG_SUFFIX)
    for kind in KINDS:
        if text.startswith(kind.prefix):
            detail = "" if text == kind.prefix else text.removeprefix(kind.prefix)
            return kind, detail.lstrip(" ,")
    # The importer's words for a source that names no first stage: the code says it all.
    return UNKNOWN, "" if text == "as the source states" else text


def legend(used: list[Kind]) -> str:
    """One line naming the codes a table uses, in the order of `KINDS`."""
    order = [k for k in (*KINDS, RERANKER, UNKNOWN) if k in used]
    return "Kind: " + "; ".join(f"`{k.code}` {k.meaning}" for k in order) + "."
