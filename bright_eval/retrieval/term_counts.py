"""Documents analysed and counted chunk by chunk, on every core.

Analysis is most of the time a BM25 index takes, and each document's is independent of the
others', so worker processes analyse chunks of documents side by side while the main process
merges what they return, in corpus order (`bm25.BM25Index`). A worker sends back numbers, not
token lists: a sparse matrix of term counts per document over its own term ids, and the terms
it met for the first time, once each, with the document where each first appears. No list of
every token of the corpus is ever made, and only a few chunks are in flight at a time.
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

from bright_eval.provenance import usable_cores
from bright_eval.retrieval.analyzer import Analyzer, Memo, PythonAnalyzer

Document = str | Sequence[str]  # a text, or its tokens already analysed


@dataclass
class ChunkCounts:
    """A chunk's documents as term counts, over the ids of the counter that counted it.

    A counter keeps its ids from chunk to chunk and names each term once, in the chunk where it
    first meets it; `vocabulary.GensimVocabulary` turns them into the corpus's ids."""

    counter: str  # which counter's ids these are
    first_new_id: int  # the counter's id of `new_terms[0]` (the ids it handed out before)
    new_terms: list[str]  # terms new to the counter, in id order
    new_first_doc: np.ndarray  # int64, per new term: the chunk's first document holding it
    indptr: np.ndarray  # int64, documents + 1: each document's entries in the two arrays below
    term_index: np.ndarray  # int32, a counter id; at most one entry per term and document
    counts: np.ndarray  # int32, how often that term occurs in that document
    lengths: np.ndarray  # int64, tokens per document


class ChunkCounter:
    """Counts chunks of documents over term ids of its own, kept from chunk to chunk, as are
    its memories of analysed words (so a worker analyses a word once, not once a chunk)."""

    def __init__(self, analyzer: Analyzer | None = None, name: str = "main"):
        self.analyzer = analyzer
        self.name = name
        self.ids: dict[str, int] = {}
        self._new: list[str] = []  # terms first met in the chunk being counted
        # The pure-Python analyzer gives a text's word segments; a word goes straight to its
        # term ids, and a repeated word costs one dict lookup.
        self._words = (
            Memo(lambda word: self._token_ids(analyzer.analyze_word(word)))
            if isinstance(analyzer, PythonAnalyzer)
            else None
        )

    def _token_ids(self, tokens: Sequence[str]) -> tuple[int, ...]:
        ids = self.ids
        for term in set(tokens).difference(ids):
            ids[term] = len(ids)
            self._new.append(term)
        if len(tokens) > 1:  # itemgetter looks all the tokens up in one C call
            return itemgetter(*tokens)(ids)
        return (ids[tokens[0]],) if tokens else ()

    def _ids(self, document: Document) -> Iterable[int]:
        if isinstance(document, str):
            if self._words is not None:
                words = self.analyzer.words(document)
                return chain.from_iterable(map(self._words.__getitem__, words))
            document = self.analyzer.analyze(document)
        return self._token_ids(document)

    def count(self, documents: Sequence[Document]) -> ChunkCounts:
        import scipy.sparse as sp

        first_new_id = len(self.ids)
        self._new = []
        flat, lengths, new_from = array("i"), array("q"), array("q")
        for document in documents:
            new_from.append(len(self.ids))
            before = len(flat)
            flat.extend(self._ids(document))
            lengths.append(len(flat) - before)
        ids = np.frombuffer(flat, dtype=np.int32) if flat else np.empty(0, np.int32)
        doc_len = np.frombuffer(lengths, dtype=np.int64) if lengths else np.empty(0, np.int64)
        indptr = np.zeros(len(doc_len) + 1, dtype=np.int64)
        np.cumsum(doc_len, out=indptr[1:])
        # Ids are given in order of first appearance: document d introduced new_from[d] on.
        starts = np.frombuffer(new_from, dtype=np.int64) if new_from else np.empty(0, np.int64)
        new_ids = np.arange(first_new_id, len(self.ids))
        new_first_doc = np.searchsorted(starts, new_ids, side="right") - 1
        # One entry per token, grouped by document: summing duplicates gives the counts.
        tf = sp.csr_matrix(
            (np.ones(len(ids), dtype=np.int32), ids, indptr), shape=(len(doc_len), len(self.ids))
        )
        tf.sum_duplicates()
        return ChunkCounts(
            counter=self.name,
            first_new_id=first_new_id,
            new_terms=self._new,
            new_first_doc=new_first_doc.astype(np.int64),
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


_counter: ChunkCounter | None = None


def _start_worker(factory: Callable[[], Analyzer] | None) -> None:
    global _counter
    _counter = ChunkCounter(factory() if factory is not None else None, f"worker-{os.getpid()}")


def _count_in_worker(documents: list[Document]) -> ChunkCounts:
    return _counter.count(documents)
