"""Lucene through the Anserini jar: the analyzer, `bm25-lucene`, and the missing-Java error."""

import math

import pytest

from bright_eval.cli import main
from bright_eval.data import Query
from bright_eval.retrieval import lucene
from bright_eval.retrieval.analyzer import PythonAnalyzer
from bright_eval.retrieval.lucene_bm25 import LuceneBM25
from tests.helpers import Corpus, real_texts

pytestmark = pytest.mark.slow  # a JVM starts

needs_lucene = pytest.mark.skipif(
    lucene.lucene_missing_reason() is not None,
    reason=f"Lucene unavailable: {lucene.lucene_missing_reason()}",
)


@needs_lucene
def test_python_analyzer_agrees_with_lucene_on_real_bright_text(shared_bright):
    texts = real_texts(shared_bright, ["biology", "stackoverflow", "leetcode", "aops"])
    ours, theirs = PythonAnalyzer(), lucene.LuceneAnalyzer()
    assert theirs.analyze("The fox's jumps over U.S.A. e-mail") == [
        "fox", "jump", "over", "u.s.a", "e", "mail"
    ]  # fmt: skip
    same = sum(ours.analyze(t) == theirs.analyze(t) for t in texts)
    assert same == len(texts)


@needs_lucene
def test_bm25_lucene_scores_are_lucene_bm25_by_hand():
    data = Corpus(["d0", "d1", "d2"], ["cat sat mat", "dogs", "cats dog eel eels"])
    many_terms = " ".join(f"term{i}" for i in range(2000))  # more than Lucene's default 1,024
    queries = [
        Query("q1", "the cat and eels"),
        Query("q2", "dog", excluded_ids=frozenset({"d1"})),
        Query("q3", f"{many_terms} dog"),
    ]
    run = LuceneBM25().retrieve(data, "pony", queries, depth=10)
    n, avgdl = 3, 8 / 3

    def idf(df):
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def w(tf, length):
        return tf / (tf + 0.9 * (0.6 + 0.4 * length / avgdl))

    # Anserini rounds scores to 4 decimals (then nudges ties apart by 1e-6 in docid order).
    assert list(run["q1"]) == ["d2", "d0"]
    assert run["q1"]["d2"] == pytest.approx(round(idf(2) * w(1, 4) + idf(1) * w(2, 4), 4))
    assert run["q1"]["d0"] == pytest.approx(round(idf(2) * w(1, 3), 4))
    assert run["q2"] == pytest.approx({"d2": round(idf(2) * w(1, 4), 4)})
    assert run["q3"] == pytest.approx(
        {"d1": round(idf(2) * w(1, 1), 4), "d2": round(idf(2) * w(1, 4), 4)}
    )


def test_missing_java_says_how_to_install(monkeypatch, shared_bright, capsys):
    monkeypatch.setattr(lucene, "java_home", lambda: None)
    assert main(["retrieve", "--retriever", "bm25-lucene", "--data-dir", str(shared_bright),
                 "--domains", "pony"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pip install 'bright-eval[lucene]'" in err
