"""gensim's vocabulary pruning, replayed with numpy.

gensim's `Dictionary(documents)` prunes its vocabulary to the `prune_at` most frequent terms
(`filter_extremes(no_below=0, no_above=1.0, keep_n=prune_at)`, then `compactify`) whenever it
holds more than that at a checkpoint, every `every` documents. Pruned terms lose their
statistics; one that comes back later is a new term whose document frequency counts only the
documents from its return on. Code corpora (leetcode) can get there; BRIGHT's reference then
scores with these statistics, and so do we.

Between checkpoints the dictionary only grows: a document's new terms take the next ids in
sorted order. So a whole interval is replayed at once: the terms it brings back or brings in,
ordered by (first document, term), and its document and collection frequencies by bincount.
"""

from __future__ import annotations

import numpy as np


def pruned_dictionary(
    terms: list[str],
    cols: np.ndarray,
    counts: np.ndarray,
    indptr: np.ndarray,
    prune_at: int,
    every: int,
):
    """For term counts per document (CSR over first-occurrence ids, one entry per term and
    document), returns each first-occurrence id's final gensim id (-1: not in the final
    dictionary), the final terms in id order, their document frequencies, and the token count
    gensim's avgdl uses (the final terms' collection frequencies)."""
    n_terms, n_docs = len(terms), len(indptr) - 1
    string_rank = np.empty(n_terms, dtype=np.int64)
    string_rank[sorted(range(n_terms), key=terms.__getitem__)] = np.arange(n_terms)
    stamp = np.full(n_terms, -1, dtype=np.int64)  # insertion order = gensim id order; -1: absent
    df = np.zeros(n_terms, dtype=np.int64)
    cf = np.zeros(n_terms, dtype=np.int64)
    inserted = size = 0
    for start in range(0, n_docs, every):
        if size > prune_at:
            present = np.flatnonzero(stamp >= 0)
            # Most frequent first; ties keep id order (Python's sort is stable, even reversed).
            ranked = present[np.lexsort((stamp[present], -df[present]))]
            dropped = ranked[prune_at:]
            stamp[dropped], df[dropped], cf[dropped] = -1, 0, 0
            size = prune_at
        a, b = indptr[start], indptr[min(start + every, n_docs)]
        chunk = cols[a:b]
        rows = np.searchsorted(indptr, np.arange(a, b), side="right") - 1
        seen, first = np.unique(chunk, return_index=True)  # entries are in document order
        new = seen[stamp[seen] < 0]
        first_row = rows[first][stamp[seen] < 0]
        new = new[np.lexsort((string_rank[new], first_row))]
        stamp[new] = inserted + np.arange(len(new))
        inserted += len(new)
        size += len(new)
        df += np.bincount(chunk, minlength=n_terms)
        cf += np.bincount(chunk, weights=counts[a:b], minlength=n_terms).astype(np.int64)
    present = np.flatnonzero(stamp >= 0)
    final = present[np.argsort(stamp[present])]
    final_id = np.full(n_terms, -1, dtype=np.int32)
    final_id[final] = np.arange(len(final), dtype=np.int32)
    return final_id, [terms[k] for k in final.tolist()], df[final], int(cf[final].sum())
