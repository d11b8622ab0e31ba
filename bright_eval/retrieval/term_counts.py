"""Documents analysed and counted chunk by chunk, on every core.

Analysis is most of the time a BM25 index takes, and each document's is independent of the
others', so worker processes analyse chunks of documents side by side while the main process
merges what they return, in corpus order (`bm25.BM25Index`). A worker sends back numbers, not
token lists: the chunk's distinct terms once each, where each first appears, and a sparse
matrix of term counts per document over them. No list of every token of the corpus is ever
made, and only a few chunks are in flight at a time.
"""

from __future__ import annotations

import multiprocessing
import os
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain, islice
from operator import itemgetter

import numpy as np

from bright_eval.retrieval.analyzer import Analyzer, PieceCache, PythonAnalyzer

Document = str | Sequence[str]  # a text, or its tokens already analysed


@dataclass
class ChunkCounts:
    """A chunk's documents as term counts over the chunk's own distinct terms."""

    terms: list[str]
    first_doc: np.ndarray  # int64, per term: the chunk's first document holding it
    indptr: np.ndarray  # int64, documents + 1: each document's entries in the two arrays below
    term_index: np.ndarray  # int32, an index into `terms`; at most one entry per term and document
    counts: np.ndarray  # int32, how often that term occurs in that document
    lengths: np.ndarray  # int64, tokens per document


class ChunkCounter:
    """Counts chunks of documents, each over its own terms (a worker's memory stays that of one
    chunk; the analyzer's own caches carry over)."""

    def __init__(self, analyzer: Analyzer | None = None):
        self.analyzer = analyzer
        self.ids: dict[str, int] = {}
        self.terms: list[str] = []
        # The pure-Python analyzer's tokens are those of the white-space-separated pieces, so
        # a piece can go straight to its term ids, and a repeated piece costs one dict lookup.
        self._pieces = (
            PieceCache(lambda piece: self._token_ids(analyzer.analyze_piece(piece)))
            if isinstance(analyzer, PythonAnalyzer)
            else None
        )

    def _token_ids(self, tokens: Sequence[str]) -> tuple[int, ...]:
        ids = self.ids
        for term in set(tokens).difference(ids):
            ids[term] = len(self.terms)
            self.terms.append(term)
        if len(tokens) > 1:  # itemgetter looks all the tokens up in one C call
            return itemgetter(*tokens)(ids)
        return (ids[tokens[0]],) if tokens else ()

    def _ids(self, document: Document) -> Iterable[int]:
        if isinstance(document, str):
            if self._pieces is not None:
                return chain.from_iterable(map(self._pieces.__getitem__, document.split()))
            document = self.analyzer.analyze(document)
        return self._token_ids(document)

    def count(self, documents: Sequence[Document]) -> ChunkCounts:
        import scipy.sparse as sp

        self.ids, self.terms = {}, []
        if self._pieces is not None:
            self._pieces.clear()  # it maps to this chunk's ids
        flat, lengths, new_from = array("i"), array("q"), array("q")
        for document in documents:
            new_from.append(len(self.terms))
            before = len(flat)
            flat.extend(self._ids(document))
            lengths.append(len(flat) - before)
        ids = np.frombuffer(flat, dtype=np.int32) if flat else np.empty(0, np.int32)
        doc_len = np.frombuffer(lengths, dtype=np.int64) if lengths else np.empty(0, np.int64)
        indptr = np.zeros(len(doc_len) + 1, dtype=np.int64)
        np.cumsum(doc_len, out=indptr[1:])
        # Ids are given in order of first appearance: document d introduced new_from[d] on.
        starts = np.frombuffer(new_from, dtype=np.int64) if new_from else np.empty(0, np.int64)
        first_doc = np.searchsorted(starts, np.arange(len(self.terms)), side="right") - 1
        # One entry per token, grouped by document: summing duplicates gives the counts.
        tf = sp.csr_matrix(
            (np.ones(len(ids), dtype=np.int32), ids, indptr), shape=(len(doc_len), len(self.terms))
        )
        tf.sum_duplicates()
        return ChunkCounts(
            terms=self.terms,
            first_doc=first_doc,
            indptr=tf.indptr.astype(np.int64),
            term_index=tf.indices.astype(np.int32),
            counts=tf.data.astype(np.int32),
            lengths=doc_len.copy(),
        )


def count_chunks(
    documents: Iterable[Document],
    chunk_size: int,
    analyzer: Analyzer | None = None,
    workers: int | None = None,
) -> Iterator[ChunkCounts]:
    """`ChunkCounts` of consecutive chunks of `chunk_size` documents, in corpus order.

    Texts need an `analyzer`; token lists need none. `workers` processes (default: the cores
    this process may use) analyse the chunks; a corpus of one chunk is counted here, as is
    everything when `workers` is 1. A worker builds its own analyzer (`type(analyzer)()`).
    """
    workers = workers or usable_cores()
    source = iter(documents)
    chunks = iter(lambda: list(islice(source, chunk_size)), [])
    first = next(chunks, None)
    second = next(chunks, None) if first is not None else None
    if second is None or workers == 1:
        counter = ChunkCounter(analyzer)
        for chunk in chain(filter(None, [first, second]), chunks):
            yield counter.count(chunk)
        return
    # spawn, not fork: a parent holding threads (Arrow's) or a JVM cannot be forked safely.
    context = multiprocessing.get_context("spawn")
    factory = type(analyzer) if analyzer is not None else None
    with ProcessPoolExecutor(workers, context, _start_worker, (factory,)) as pool:
        # A bounded queue of chunks in flight keeps memory flat whatever the corpus size.
        pending: deque = deque()
        for chunk in chain([first, second], chunks):
            pending.append(pool.submit(_count_in_worker, chunk))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process may run on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


_counter: ChunkCounter | None = None


def _start_worker(factory: Callable[[], Analyzer] | None) -> None:
    global _counter
    _counter = ChunkCounter(factory() if factory is not None else None)


def _count_in_worker(documents: list[Document]) -> ChunkCounts:
    return _counter.count(documents)
