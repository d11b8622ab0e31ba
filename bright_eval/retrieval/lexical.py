"""`bm25`: BRIGHT's official BM25 (see `bm25.py`), as a registered retriever."""

from __future__ import annotations

import time
from collections.abc import Sequence

from bright_eval.data import BrightData, Query
from bright_eval.retrieval.analysis import analyzer_name, get_analyzer
from bright_eval.retrieval.analyzer import Analyzer
from bright_eval.retrieval.base import Retriever
from bright_eval.retrieval.bm25 import K1, SCORER_VERSION, B, BM25Index, iter_column, run_from_index
from bright_eval.runs import Run


class BM25(Retriever):
    name = "bm25"
    description = (
        "BRIGHT's official BM25: Lucene English analysis, gensim LuceneBM25Model "
        "(k1=0.9, b=0.4) on documents and on the query, dot product"
    )
    family = "lexical"
    analyzer_kind = "auto"

    def __init__(self):
        self._analyzer: Analyzer | None = None

    @property
    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            self._analyzer = get_analyzer(self.analyzer_kind)
        return self._analyzer

    def analyzer_name(self) -> str:
        return analyzer_name(self.analyzer_kind)

    def config(self) -> dict:
        return {
            "retriever": self.name,
            "k1": K1,
            "b": B,
            "analyzer": self.analyzer_name(),
            "scorer": SCORER_VERSION,
        }

    def retrieve(
        self,
        data: BrightData,
        domain: str,
        queries: Sequence[Query],
        long_documents: bool = False,
        depth: int = 1000,
    ) -> Run:
        docs = data.documents(domain, long_documents)
        start = time.perf_counter()
        # Texts, not token lists: the index analyses them on every core.
        index = BM25Index(iter_column(docs, "content"), analyzer=self.analyzer)
        indexed = time.perf_counter()
        run = run_from_index(index, self.analyzer, list(iter_column(docs, "id")), queries, depth)
        self.index_stats = {
            "documents": index.n_docs,
            "vocabulary": len(index.terms),
            "gensim_pruned": index.gensim_pruned,
            "index_seconds": round(indexed - start, 1),
            "search_seconds": round(time.perf_counter() - indexed, 1),
        }
        return run


class BM25Python(BM25):
    name = "bm25-python"
    description = "bm25 with the pure-Python analyzer, whether or not Java is installed"
    analyzer_kind = "python"
