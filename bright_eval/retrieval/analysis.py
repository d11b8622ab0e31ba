"""Which analyzer runs: Lucene's own where Java and the Anserini jar are present, else the
pure-Python re-implementation (or whichever one is asked for)."""

from __future__ import annotations

from bright_eval.retrieval.analyzer import Analyzer, AnalyzerUnavailableError, PythonAnalyzer
from bright_eval.retrieval.lucene import (
    LuceneAnalyzer,
    lucene_analyzer_name,
    lucene_missing_reason,
)


def resolved_kind(kind: str = "auto") -> str:
    """`lucene` or `python`: what `kind` (auto, lucene, python) runs on this machine."""
    if kind not in ("auto", "lucene", "python"):
        raise ValueError(f"unknown analyzer {kind!r}; valid analyzers: auto, lucene, python")
    if kind == "python":
        return "python"
    reason = lucene_missing_reason()
    if reason is None:
        return "lucene"
    if kind == "lucene":
        raise AnalyzerUnavailableError(reason)
    return "python"


def analyzer_name(kind: str = "auto") -> str:
    """The name `get_analyzer(kind)` would give, without starting a JVM (for cache keys)."""
    return lucene_analyzer_name() if resolved_kind(kind) == "lucene" else PythonAnalyzer.name


def get_analyzer(kind: str = "auto") -> Analyzer:
    """`lucene` (needs Java + the Anserini jar), `python`, or `auto`: Lucene when it can run."""
    return LuceneAnalyzer() if resolved_kind(kind) == "lucene" else PythonAnalyzer()
