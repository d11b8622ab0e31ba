"""`bm25-lucene`: plain Lucene BM25 through Anserini, as pyserini's bag-of-words baseline.

This is what `LuceneSearcher(index).set_bm25(0.9, 0.4)` returns on an index built with
Anserini's defaults (the pyserini 2CR "BM25 bag-of-words" row for BRIGHT, average 13.7):
Lucene's BM25Similarity (idf = ln(1 + (N - df + 0.5) / (df + 0.5)), lossy-encoded document
lengths), each query term once, no query-side weighting; Anserini then rounds scores to four
decimals and separates ties by 1e-6 steps in document id order (its ScoreTiesAdjusterReranker).
BRIGHT's own `bm25` weights the query too and scores about a point higher.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence

from bright_eval.data import BrightData, Query
from bright_eval.retrieval.base import Retriever
from bright_eval.retrieval.bm25 import K1, B
from bright_eval.retrieval.lucene import (
    LuceneUnavailableError,
    anserini_version,
    jvm,
    lucene_missing_reason,
)
from bright_eval.runs import Run

BATCH = 2_000
MAX_CLAUSES = 1 << 20


class LuceneBM25(Retriever):
    name = "bm25-lucene"
    description = "plain Lucene BM25 (k1=0.9, b=0.4) via Anserini: pyserini's bag-of-words BM25"
    family = "lexical"

    def config(self) -> dict:
        reason = lucene_missing_reason()
        if reason is not None:
            raise LuceneUnavailableError(f"{self.name} needs Lucene. {reason}")
        return {
            "retriever": self.name,
            "k1": K1,
            "b": B,
            "analyzer": f"lucene-anserini-{anserini_version()}-english-porter",
            "scorer": f"anserini-{anserini_version()}-bm25",
        }

    def retrieve(
        self,
        data: BrightData,
        domain: str,
        queries: Sequence[Query],
        long_documents: bool = False,
        depth: int = 1000,
    ) -> Run:
        self.config()
        autoclass = jvm()
        docs = data.documents(domain, long_documents)
        with tempfile.TemporaryDirectory(prefix="bright_eval_lucene_") as folder:
            indexer = autoclass("io.anserini.index.SimpleIndexer")(
                folder, False, max(1, min(8, os.cpu_count() or 1))
            )
            n_docs = 0
            for batch in docs.iter(batch_size=BATCH):
                indexer.addRawDocuments(
                    [
                        json.dumps({"id": i, "contents": c})
                        for i, c in zip(batch["id"], batch["content"], strict=True)
                    ]
                )
                n_docs += len(batch["id"])
            indexer.close()
            # Lucene refuses queries of more than 1,024 clauses by default; reasoning-expanded
            # queries (gpt4_reason & co.) can have more distinct terms than that.
            autoclass("org.apache.lucene.search.IndexSearcher").setMaxClauseCount(MAX_CLAUSES)
            searcher = autoclass("io.anserini.search.SimpleSearcher")(folder)
            searcher.set_bm25(float(K1), float(B))
            run: Run = {}
            try:
                for q in queries:
                    # Ask for enough hits that `depth` remain once excluded ids are removed.
                    hits = searcher.search(q.text, min(n_docs, depth + len(q.excluded_ids)))
                    ranked = {}
                    for hit in hits:
                        if hit.docid not in q.excluded_ids:
                            ranked[hit.docid] = float(hit.score)
                            if len(ranked) == depth:
                                break
                    run[q.id] = ranked
            finally:
                searcher.close()
        self.index_stats = {"documents": n_docs}
        return run
