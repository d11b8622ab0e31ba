"""`rrf:A+B[+C...]`: reciprocal-rank fusion of first stages, itself a first stage.

score(d) = sum over runs of 1 / (k + rank(d)), k = 60 (Cormack, Clarke & Buettcher, SIGIR 2009),
ranks 1-based in trec_eval order (score descending, ties by document id descending) so a run
fuses the same whether it comes fresh or from a file. Each part is a first-stage spec, e.g.
`rrf:bm25+bge` or `rrf:bm25+file:runs/{domain}.trec.gz`; through `first_stage_run` every part
comes from (and goes to) the cache.
"""

from __future__ import annotations

from collections.abc import Sequence

from bright_eval.data import BrightData, Query
from bright_eval.retrieval.base import Retriever, UnknownRetrieverError, get_retriever
from bright_eval.runs import Run, ranked

RRF_K = 60


def reciprocal_rank_fusion(runs: Sequence[Run], depth: int = 1000, k: int = RRF_K) -> Run:
    fused: dict[str, dict[str, float]] = {}
    for run in runs:
        for qid, docs in run.items():
            scores = fused.setdefault(qid, {})
            for rank, (doc, _) in enumerate(ranked(docs), 1):
                scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    return {qid: dict(ranked(docs)[:depth]) for qid, docs in fused.items()}


class Fusion(Retriever):
    name = "rrf"
    description = "reciprocal-rank fusion (k=60) of first stages: rrf:<spec>+<spec>[+...]"
    family = "fusion"

    def __init__(self, parts: Sequence[Retriever] = (), k: int = RRF_K):
        if len(parts) < 2:
            raise UnknownRetrieverError("rrf fuses two or more first stages: rrf:bm25+bge")
        self.parts = tuple(parts)
        self.k = k

    @classmethod
    def from_argument(cls, argument: str) -> Fusion:
        return cls([get_retriever(spec) for spec in argument.split("+")])

    def config(self) -> dict:
        parts = [p.config() for p in self.parts]
        return {
            "retriever": "rrf:" + "+".join(p["retriever"] for p in parts),
            "k": self.k,
            "parts": parts,
        }

    def fingerprint(self, domain: str):
        prints = [p.fingerprint(domain) for p in self.parts]
        return prints if any(x is not None for x in prints) else None

    def fuse(self, runs: Sequence[Run], depth: int) -> Run:
        return reciprocal_rank_fusion(runs, depth, self.k)

    def retrieve(
        self,
        data: BrightData,
        domain: str,
        queries: Sequence[Query],
        long_documents: bool = False,
        depth: int = 1000,
    ) -> Run:
        return self.fuse(
            [p.retrieve(data, domain, queries, long_documents, depth) for p in self.parts], depth
        )
