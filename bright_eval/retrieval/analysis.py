"""Which analyzer runs: Lucene's own where Java and the Anserini jar are present, else the
pure-Python re-implementation (or whichever one is asked for)."""

from __future__ import annotations

from bright_eval.retrieval.analyzer import Analyzer, AnalyzerUnavailableError, PythonAnalyzer
from bright_eval.retrieval.lucene import (
    LuceneAnalyzer,
    lucene_analyzer_name,
    lucene_missing_reason,
)


def analyzer_name(kind: str = "auto") -> str:
    """The name `get_analyzer(kind)` would give, without starting a JVM (for cache keys)."""
    if kind in ("lucene", "auto"):
        reason = lucene_missing_reason()
        if reason is None:
            return lucene_analyzer_name()
        if kind == "lucene":
            raise AnalyzerUnavailableError(reason)
    return PythonAnalyzer.name


def get_analyzer(kind: str = "auto") -> Analyzer:
    """`lucene` (needs Java + the Anserini jar), `python`, or `auto`: Lucene when it can run."""
    if kind == "python":
        return PythonAnalyzer()
    if kind in ("lucene", "auto"):
        reason = lucene_missing_reason()
        if reason is None:
            return LuceneAnalyzer()
        if kind == "lucene":
            raise AnalyzerUnavailableError(reason)
        return PythonAnalyzer()
    raise ValueError(f"unknown analyzer {kind!r}; valid analyzers: auto, lucene, python")
