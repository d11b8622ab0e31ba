"""The corpus's term ids in gensim's order, from chunks counted over several counters' own ids.

gensim's `Dictionary` gives each document's new terms the next ids, in sorted order, document
after document. Chunks arrive in corpus order, each over the ids of the worker that counted it
(`term_counts.ChunkCounter`); a term new to the corpus is new to that worker too, so it is
among the chunk's `new_terms`, which is all a chunk says by name.
"""

from __future__ import annotations

import numpy as np

from bright_eval.retrieval.term_counts import ChunkCounts


class GensimVocabulary:
    def __init__(self):
        self.ids: dict[str, int] = {}
        self._corpus_id: dict[str, np.ndarray] = {}  # per counter: its id -> the corpus's id
        self._known: dict[str, int] = {}  # per counter: how many of its ids are mapped

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, chunk: ChunkCounts) -> np.ndarray:
        """The corpus's term ids of the chunk's entries (`chunk.term_index`), new ones assigned."""
        known = self._known.get(chunk.counter, 0)
        if chunk.first_new_id != known:
            raise RuntimeError(
                f"chunks of counter {chunk.counter} arrived out of order: its ids continue from "
                f"{chunk.first_new_id}, {known} are known"
            )
        ids, terms = self.ids, chunk.new_terms
        found = list(map(ids.get, terms))
        new = [k for k, i in enumerate(found) if i is None]
        first_doc = chunk.new_first_doc.tolist()
        new.sort(key=lambda k: (first_doc[k], terms[k]))
        for k in new:
            found[k] = ids[terms[k]] = len(ids)
        mapping = self._extended(chunk.counter, known, found)
        return mapping[chunk.term_index]

    def _extended(self, counter: str, known: int, found: list[int]) -> np.ndarray:
        mapping = self._corpus_id.get(counter, np.empty(0, np.int32))
        size = known + len(found)
        if size > len(mapping):  # grow by doubling: appends stay linear overall
            grown = np.empty(max(size, 2 * len(mapping)), np.int32)
            grown[:known] = mapping[:known]
            mapping = self._corpus_id[counter] = grown
        mapping[known:size] = found
        self._known[counter] = size
        return mapping[:size]
