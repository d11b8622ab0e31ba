"""Chunks counted by two workers, each over ids of its own, merged into gensim's ids."""

import numpy as np
import pytest

from bright_eval.retrieval.term_counts import ChunkCounter
from bright_eval.retrieval.vocabulary import GensimVocabulary


def merged(vocab, chunk):
    """Per document, {corpus id: count}, through `vocab.add`."""
    cols = vocab.add(chunk).tolist()
    spans = zip(chunk.indptr[:-1].tolist(), chunk.indptr[1:].tolist(), strict=True)
    return [dict(zip(cols[s:e], chunk.counts[s:e].tolist(), strict=True)) for s, e in spans]


def test_two_counters_merge_into_gensim_order():
    a, b = ChunkCounter(name="a"), ChunkCounter(name="b")
    vocab = GensimVocabulary()
    # gensim: a document's new terms take the next ids, sorted. Doc 1: cat 0, dog 1; doc 2: ant 2.
    c1 = a.count([["dog", "cat", "dog"], ["ant", "cat"]])
    assert sorted(c1.new_terms) == ["ant", "cat", "dog"] and c1.first_new_id == 0
    assert merged(vocab, c1) == [{0: 1, 1: 2}, {0: 1, 2: 1}]
    # Counter b: "cat" is known to the corpus, not to b. Doc 3: emu 3; doc 4: bee 4.
    c2 = b.count([["cat", "emu"], ["bee"], ["emu", "bee"]])
    assert sorted(c2.new_terms) == ["bee", "cat", "emu"] and c2.first_new_id == 0
    assert merged(vocab, c2) == [{0: 1, 3: 1}, {4: 1}, {3: 1, 4: 1}]
    # Counter a again names only what is new to a: bee (known to the corpus) and fox 5.
    c3 = a.count([["bee", "dog", "fox", "fox"]])
    assert sorted(c3.new_terms) == ["bee", "fox"] and c3.first_new_id == 3
    assert merged(vocab, c3) == [{1: 1, 4: 1, 5: 2}]
    assert list(vocab.ids) == ["cat", "dog", "ant", "emu", "bee", "fox"]
    gensim = pytest.importorskip("gensim")
    docs = [["dog", "cat", "dog"], ["ant", "cat"], ["cat", "emu"], ["bee"], ["emu", "bee"],
            ["bee", "dog", "fox", "fox"]]  # fmt: skip
    assert gensim.corpora.Dictionary(docs).token2id == vocab.ids


def test_a_chunk_out_of_its_counters_order_is_refused():
    a = ChunkCounter(name="a")
    first, second = a.count([["x"]]), a.count([["y"]])
    vocab = GensimVocabulary()
    with pytest.raises(RuntimeError, match="counter a arrived out of order"):
        vocab.add(second)
    assert np.array_equal(vocab.add(first), [0])
