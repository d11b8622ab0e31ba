"""`bm25s`: the bm25s library's BM25, fast and light (numpy + PyStemmer, no Java).

bm25s's own recipe: its tokenizer (words of two or more letters or digits, lower-cased), its
English stop words, Snowball's English stemmer, and the Lucene BM25 formula (k1 = 0.9 and
b = 0.4 here, as BRIGHT's) with exact document lengths. Close to `bm25-lucene`, not identical:
the analysis differs and Lucene stores lengths lossily.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bright_eval.data import BrightData, Query
from bright_eval.retrieval.base import Retriever, require
from bright_eval.retrieval.bm25 import K1, B, iter_column
from bright_eval.runs import Run

BM25S_INSTALL = "pip install 'bright-eval[bm25s]'"


class BM25S(Retriever):
    name = "bm25s"
    description = "the bm25s library: its tokenizer + Snowball stemmer, Lucene BM25 k1=0.9 b=0.4"
    family = "lexical"

    def config(self) -> dict:
        bm25s = require("bm25s", BM25S_INSTALL)
        require("Stemmer", BM25S_INSTALL)

        return {
            "retriever": self.name,
            "k1": K1,
            "b": B,
            "method": "lucene",
            "analyzer": "bm25s-en-snowball",
            "bm25s": bm25s.__version__,
        }

    def _tokenize(self, texts):
        import bm25s
        import Stemmer

        return bm25s.tokenize(
            list(texts),
            stopwords="en",
            stemmer=Stemmer.Stemmer("english"),
            return_ids=False,
            show_progress=False,
        )

    def retrieve(
        self,
        data: BrightData,
        domain: str,
        queries: Sequence[Query],
        long_documents: bool = False,
        depth: int = 1000,
    ) -> Run:
        import bm25s

        docs = data.documents(domain, long_documents)
        doc_ids = list(iter_column(docs, "id"))  # a Column iterates row by row: slow
        index = bm25s.BM25(k1=K1, b=B, method="lucene")
        index.index(self._tokenize(iter_column(docs, "content")), show_progress=False)
        run: Run = {}
        for q, tokens in zip(queries, self._tokenize(q.text for q in queries), strict=True):
            k = min(len(doc_ids), depth + len(q.excluded_ids))
            found, scores = index.retrieve([tokens], k=k, show_progress=False)
            ranked = {}
            for i, s in zip(found[0].tolist(), np.asarray(scores[0]).tolist(), strict=True):
                if doc_ids[i] not in q.excluded_ids:
                    ranked[doc_ids[i]] = s
                    if len(ranked) == depth:
                        break
            run[q.id] = ranked
        self.index_stats = {"documents": len(doc_ids)}
        return run
