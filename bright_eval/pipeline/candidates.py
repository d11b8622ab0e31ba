"""From the first stage to the reranker's input: the cached first-stage run over the chosen
queries, the texts of the documents it retrieved, and the top-k candidates per query."""

from __future__ import annotations

from dataclasses import dataclass

from bright_eval.data import DataError, Query
from bright_eval.engines import Engine
from bright_eval.rerank import Candidate
from bright_eval.retrieval import Retriever, get_retriever
from bright_eval.retrieval.cache import DEPTH, first_stage_run
from bright_eval.runs import Run, ranked
from bright_eval.sources import BrightSource, documents_by_id


@dataclass
class FirstStageRun:
    run: Run  # the chosen queries only, at BRIGHT's depth of 1,000
    config: dict  # what identifies it: retriever settings, query variant, depth, cache entry


def first_stage(
    spec: str | Retriever,
    data: BrightSource,
    domain: str,
    query_variant: str,
    query_ids: list[str],
    long_documents: bool,
    refresh: bool = False,
    engine: Engine | None = None,
    command: str | None = None,
) -> FirstStageRun:
    """The first stage's run over the chosen queries, from the first-stage cache (computed and
    cached on first use at BRIGHT's depth of 1,000). A dense retriever encodes its corpus on a
    distributed `engine` when one is given. `command`: the CLI's, for the cache's provenance."""
    retriever = get_retriever(spec) if isinstance(spec, str) else spec
    if engine is not None and engine.name != "local":
        retriever.engine = engine
    run, path, prov = first_stage_run(
        retriever, data, domain, query_variant, long_documents, refresh=refresh, command=command
    )
    wanted = set(query_ids)
    config = {**retriever.config(), "query_variant": query_variant, "depth": DEPTH}
    # The cache entry by its key hash, never by its path on this machine.
    config["cache_key"] = prov.get("key_hash")
    return FirstStageRun({q: docs for q, docs in run.items() if q in wanted}, config)


def load_documents(
    data: BrightSource, domain: str, ids: set[str], long_documents: bool
) -> dict[str, str]:
    """Texts of the candidates; every one must be in the corpus."""
    texts = documents_by_id(data, domain, ids, long_documents)
    missing = sorted(ids - set(texts))
    if missing:
        raise DataError(
            f"{len(missing)} candidate document(s) are not in the {domain} corpus, e.g. "
            f"{missing[0]!r}: is the first-stage run for this domain and corpus?"
        )
    return texts


def build_candidates(
    run: Run, rerank_queries: dict[str, Query], texts: dict[str, str], top_k: int, domain: str
) -> dict[str, list[Candidate]]:
    """The top_k of each query, in first-stage order, with the text the reranker sees."""
    candidates = {}
    for qid, docs in run.items():
        top = ranked(docs)[:top_k]
        query = rerank_queries[qid].text
        candidates[qid] = [
            Candidate(qid, query, doc_id, texts[doc_id], rank, score, domain)
            for rank, (doc_id, score) in enumerate(top, 1)
        ]
    return candidates
