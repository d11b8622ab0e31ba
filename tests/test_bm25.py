"""bm25 against the reference recipe: gensim's LuceneBM25Model + SparseMatrixSimilarity."""

import math

import numpy as np
import pytest

from bright_eval.data import Query
from bright_eval.domains import DOMAIN_NAMES
from bright_eval.retrieval import bm25
from bright_eval.retrieval.analyzer import PythonAnalyzer
from bright_eval.retrieval.bm25 import BM25Index, run_from_index
from tests.helpers import real_texts, reference_run

gensim = pytest.importorskip("gensim", reason="gensim is the reference (the [test] extra)")


@pytest.fixture(scope="module")
def corpus(shared_bright):
    """Real English text cut into paragraph-sized documents, with some empty ones as in BRIGHT."""
    docs = []
    domains = ["biology", "economics", "leetcode", "theoremqa_theorems"]
    for text in real_texts(shared_bright, domains):
        words = text.split()
        docs += [" ".join(words[i : i + 60]) for i in range(0, len(words), 60)]
    for i in range(0, len(docs), 500):
        docs.insert(i, "")
    return docs


def test_scores_and_top_1000_equal_the_reference_recipe(shared_bright, corpus, monkeypatch):
    monkeypatch.setattr(bm25, "WEIGHT_SLICE", 100_003)  # several slices, as on a real corpus
    analyzer = PythonAnalyzer()
    tokens = [analyzer.analyze(d) for d in corpus]
    doc_ids = [f"doc{i}" for i in range(len(corpus))]
    texts = real_texts(shared_bright, ["biology", "pony", "aops"], ("query",))[::3]
    texts += ["", "zzyzx qwxv", "the of and"]  # empty, out of vocabulary, stop words only
    queries = [Query(id=str(i), text=t) for i, t in enumerate(texts)]
    # Excluded ids, as in leetcode/aops: some from the top of the reference ranking.
    excluded = {q.id: [f"doc{(7 * int(q.id)) % len(corpus)}", "N/A"] for q in queries}
    queries = [
        Query(id=q.id, text=q.text, excluded_ids=frozenset(excluded[q.id]) - {"N/A"})
        for q in queries
    ]
    queries_tokens = {q.id: analyzer.analyze(q.text) for q in queries}
    expected, raw = reference_run(tokens, doc_ids, queries_tokens, excluded)

    index = BM25Index(tokens)
    assert len(corpus) > 3000 and len(index.terms) > 10_000
    for q in queries:
        ours = index.scores(queries_tokens[q.id])
        np.testing.assert_allclose(ours, raw[q.id], rtol=0, atol=1e-6)
        # Not merely close: the same float32 values, so ties fall the same way.
        assert ours.tolist() == raw[q.id]
    got = run_from_index(index, analyzer, doc_ids, queries, depth=1000)
    assert got.keys() == expected.keys()
    for qid in expected:
        assert list(got[qid].items()) == list(expected[qid].items())
    # The empty query scores everything 0: the reference keeps the first 1,000 documents.
    empty = next(q.id for q in queries if q.text == "")
    assert list(got[empty]) == [d for d in doc_ids if d not in excluded[empty]][:1000]
    assert set(got[empty].values()) == {0.0}


def test_gensim_vocabulary_pruning_is_reproduced(shared_bright, monkeypatch):
    """gensim prunes a vocabulary past 2,000,000 terms; here, past 3,000, on 25,000 documents."""
    analyzer = PythonAnalyzer()
    tokens = []
    for text in real_texts(shared_bright, DOMAIN_NAMES):
        words = analyzer.analyze(text)
        tokens += [words[i : i + 10] for i in range(0, len(words), 10)]
    tokens = tokens[:25_000]
    assert len(tokens) == 25_000
    doc_ids = [f"doc{i}" for i in range(len(tokens))]
    queries = {str(i): analyzer.analyze(t) for i, t in enumerate(
        real_texts(shared_bright, ["biology", "aops"], ("query",))[::5])}  # fmt: skip
    excluded = {q: [] for q in queries}
    expected, raw = reference_run(tokens, doc_ids, queries, excluded, prune_at=3_000)
    monkeypatch.setattr(bm25, "GENSIM_PRUNE_AT", 3_000)
    index = BM25Index(tokens)
    assert index.gensim_pruned and len(index.terms) < len({t for d in tokens for t in d})
    for qid, query in queries.items():
        assert index.scores(query).tolist() == raw[qid]
        chosen, scores = index.search(query)
        assert [(doc_ids[i], s) for i, s in zip(chosen, scores.tolist(), strict=True)] == list(
            expected[qid].items()
        )
    # Without pruning the same corpus scores differently: the test can tell.
    monkeypatch.setattr(bm25, "GENSIM_PRUNE_AT", 2_000_000)
    assert BM25Index(tokens).scores(queries["0"]).tolist() != raw["0"]


def test_weights_follow_the_lucene_bm25_formula_by_hand():
    docs = [["cat", "sat", "cat"], ["dog"], ["cat", "dog", "eel", "eel"]]
    index = BM25Index(docs)
    # gensim's ids: a document's new terms in sorted order, documents in order.
    assert index.terms == ["cat", "sat", "dog", "eel"]
    n, avgdl = 3, 8 / 3
    idf_cat = math.log(n + 1) - math.log(2 + 0.5)
    idf_eel = math.log(n + 1) - math.log(1 + 0.5)

    def weight(idf, tf, length):
        return idf * tf / (tf + 0.9 * (1 - 0.4 + 0.4 * length / avgdl))

    # query "cat eel eel": query-side weights with the query's own length 3
    q_cat, q_eel = weight(idf_cat, 1, 3), weight(idf_eel, 2, 3)
    expected = [
        q_cat * weight(idf_cat, 2, 3),
        0.0,
        q_cat * weight(idf_cat, 1, 4) + q_eel * weight(idf_eel, 2, 4),
    ]
    np.testing.assert_allclose(index.scores(["cat", "eel", "eel", "unseen"]), expected, rtol=1e-6)
    chosen, scores = index.search(["cat"], depth=2, excluded=np.array([0]))
    assert chosen.tolist() == [2, 1] and scores[1] == 0.0
