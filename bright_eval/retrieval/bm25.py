"""BRIGHT's official BM25, reproduced bit for bit, and fast.

The reference (`retrieval_bm25` in xlang-ai/BRIGHT `retrievers.py`) builds a gensim `Dictionary`
over the analysed corpus, weights documents and the query's bag of words with
`LuceneBM25Model(k1=0.9, b=0.4)` and scores with `SparseMatrixSimilarity` (float32 dot
products). It keeps, per query, the 1,000 best documents after removing excluded ids, ties in
corpus order (Python's stable sort of the score dict).

Same numbers, vectorised: term ids are assigned in gensim's order and weights computed with the
same float64 operations, cast to float32 as gensim's index does; each document's score is summed
in float32 over query terms in ascending term id, the order scipy's sparse product uses. The
scores are therefore identical to the reference's, not just close, and so are tie orders.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from bright_eval.retrieval.analyzer import Analyzer
from bright_eval.retrieval.gensim_pruning import pruned_dictionary
from bright_eval.retrieval.term_counts import count_chunks
from bright_eval.retrieval.vocabulary import GensimVocabulary

K1 = 0.9
B = 0.4
# Bump when scoring changes: it is part of every cached bm25 run's key.
SCORER_VERSION = "bm25-gensim-lucene-2"
# gensim's Dictionary prunes its vocabulary to the 2,000,000 most frequent terms whenever it
# exceeds that at a 10,000-document checkpoint (code corpora such as leetcode can get there);
# the reference's statistics then differ from the corpus's, and we reproduce them.
GENSIM_PRUNE_AT = 2_000_000
GENSIM_PRUNE_EVERY = 10_000
WEIGHT_SLICE = 1 << 22


class BM25Index:
    """A corpus of analysed documents weighted by gensim's LuceneBM25Model.

    `documents` are token lists, or texts that `analyzer` analyses on `workers` processes
    (default: every core this process may use; see `term_counts`)."""

    def __init__(
        self,
        documents: Iterable[Sequence[str] | str],
        k1: float = K1,
        b: float = B,
        analyzer: Analyzer | None = None,
        workers: int | None = None,
    ):
        import scipy.sparse as sp

        self.k1, self.b = k1, b
        vocab = GensimVocabulary()
        cols, counts, entries, lengths = [], [], [], []
        pruned = False
        # Chunks start at gensim's pruning checkpoints, so the vocabulary size it checks is
        # the one after the previous chunk.
        for chunk in count_chunks(documents, GENSIM_PRUNE_EVERY, analyzer, workers):
            pruned = pruned or len(vocab) > GENSIM_PRUNE_AT
            cols.append(vocab.add(chunk))
            counts.append(chunk.counts)
            entries.append(np.diff(chunk.indptr))
            lengths.append(chunk.lengths)
        self.gensim_pruned = pruned
        terms, term_id = list(vocab.ids), vocab.ids
        del vocab
        doc_len, cols, counts, indptr = _joined(lengths, cols, counts, entries)
        self.n_docs = len(doc_len)
        df = total_tokens = None
        if pruned:
            final_id, terms, df, total_tokens = pruned_dictionary(
                terms, cols, counts, indptr, GENSIM_PRUNE_AT, GENSIM_PRUNE_EVERY
            )
            cols = final_id[cols]
            kept = cols >= 0
            doc_of_entry = np.repeat(np.arange(self.n_docs), np.diff(indptr))
            doc_len = np.bincount(
                doc_of_entry[kept], weights=counts[kept], minlength=self.n_docs
            ).astype(np.int64)
            indptr[1:] = np.cumsum(np.bincount(doc_of_entry[kept], minlength=self.n_docs))
            cols, counts = cols[kept], counts[kept]
            del doc_of_entry, kept
            term_id = {t: i for i, t in enumerate(terms)}
        self.terms, self.term_id = terms, term_id
        # At most one entry per term and document: a ready matrix of term frequencies.
        tf = sp.csr_matrix((counts, cols, indptr), shape=(self.n_docs, len(self.terms)))
        del cols, counts
        self.doc_len = doc_len.copy()
        # Without pruning, gensim's document frequencies and token count are the corpus's own.
        self.df = np.bincount(tf.indices, minlength=len(self.terms)) if df is None else df
        total_tokens = int(doc_len.sum()) if total_tokens is None else total_tokens
        self.avgdl = total_tokens / self.n_docs
        self.idf = _idfs(self.df, self.n_docs)
        # Term-major, so a query touches only the postings of its own terms.
        tf = tf.tocsc()
        tf.sort_indices()
        self._indptr, self._docs = tf.indptr, tf.indices
        # Weights in slices: float64 temporaries for the whole corpus would triple peak memory.
        self._weights_f32 = np.empty(tf.nnz, dtype=np.float32)
        terms_of_entry = np.repeat(np.arange(len(self.terms), dtype=np.int32), np.diff(tf.indptr))
        for s in range(0, tf.nnz, WEIGHT_SLICE):
            e = min(s + WEIGHT_SLICE, tf.nnz)
            self._weights_f32[s:e] = self._weights(
                tf.data[s:e].astype(np.int64),
                self.idf[terms_of_entry[s:e]],
                self.doc_len[tf.indices[s:e]],
            )
        del terms_of_entry, tf

    def _weights(self, tf: np.ndarray, idf: np.ndarray, length) -> np.ndarray:
        # gensim: idfs * (tf / (tf + k1 * (1 - b + b * num_tokens / avgdl))), same op order.
        norm = self.k1 * ((1 - self.b) + (self.b * length) / self.avgdl)
        return idf * (tf / (tf + norm))

    def query_weights(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The query's in-vocabulary terms (ascending id) and their float32 BM25 weights."""
        counts = Counter(self.term_id[t] for t in tokens if t in self.term_id)
        if not counts:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        ids = np.array(sorted(counts), dtype=np.int64)
        tf = np.array([counts[i] for i in ids], dtype=np.int64)
        weights = self._weights(tf, self.idf[ids], int(tf.sum()))
        return ids, weights.astype(np.float32)

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """float32 scores of every document, equal to gensim's `SparseMatrixSimilarity`."""
        scores = np.zeros(self.n_docs, dtype=np.float32)
        ids, weights = self.query_weights(tokens)
        for t, wq in zip(ids.tolist(), weights, strict=True):
            s, e = self._indptr[t], self._indptr[t + 1]
            scores[self._docs[s:e]] += wq * self._weights_f32[s:e]
        return scores

    def search(
        self, tokens: Sequence[str], depth: int = 1000, excluded: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions and scores of the top `depth` documents, excluded positions removed."""
        return top_k(self.scores(tokens), depth, excluded)


def _joined(lengths, cols, counts, entries):
    """Chunks' arrays as one corpus: lengths, term ids, counts, and the CSR row pointer."""
    if not lengths:
        return np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, np.int32), np.zeros(1, int)
    indptr = np.zeros(sum(map(len, entries)) + 1, dtype=np.int64)
    np.cumsum(np.concatenate(entries), out=indptr[1:])
    return np.concatenate(lengths), np.concatenate(cols), np.concatenate(counts), indptr


def _idfs(df: np.ndarray, n_docs: int) -> np.ndarray:
    # math.log, as gensim uses; numpy's log may differ in the last bit. Only a few thousand
    # distinct document frequencies exist, so this loop is short.
    values, inverse = np.unique(df, return_inverse=True)
    logs = np.array([math.log(n_docs + 1.0) - math.log(int(v) + 0.5) for v in values])
    return logs[inverse] if len(values) else np.empty(0)


def top_k(
    scores: np.ndarray, depth: int, excluded: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The `depth` best positions by score, ties by position: the reference's stable sort."""
    if excluded is not None and len(excluded):
        scores = scores.copy()
        scores[excluded] = -np.inf
        n_valid = len(scores) - len(np.unique(excluded))
    else:
        n_valid = len(scores)
    k = min(depth, n_valid)
    if k <= 0:
        return np.empty(0, np.int64), np.empty(0, scores.dtype)
    if k < len(scores):
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        above = np.flatnonzero(scores > threshold)
        ties = np.flatnonzero(scores == threshold)[: k - len(above)]
        chosen = np.concatenate([above, ties])
    else:
        chosen = np.arange(len(scores))
    order = np.lexsort((chosen, -scores[chosen].astype(np.float64)))
    chosen = chosen[order]
    return chosen, scores[chosen]


def positions_of(ids: Mapping[str, int], wanted: Iterable[str]) -> np.ndarray:
    return np.array(sorted({ids[i] for i in wanted if i in ids}), dtype=np.int64)


def iter_column(dataset, column: str, batch_size: int = 10_000):
    """A `datasets.Dataset` column, batch by batch: a corpus never sits in memory as a list."""
    for batch in dataset.iter(batch_size=batch_size):
        yield from batch[column]


def run_from_index(
    index: BM25Index,
    analyzer,
    doc_ids: Sequence[str],
    queries,
    depth: int,
) -> dict[str, dict[str, float]]:
    position = {d: i for i, d in enumerate(doc_ids)}
    run = {}
    for q in queries:
        excluded = positions_of(position, q.excluded_ids)
        chosen, scores = index.search(analyzer.analyze(q.text), depth, excluded)
        run[q.id] = {doc_ids[i]: float(s) for i, s in zip(chosen.tolist(), scores, strict=True)}
    return run
