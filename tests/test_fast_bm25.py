import math
import sys

import pytest

from bright_eval.data import Query
from bright_eval.retrieval.fast_bm25 import BM25S
from tests.helpers import Corpus

pytest.importorskip("bm25s", reason="bm25s is an optional extra")


def test_bm25s_scores_are_lucene_bm25_on_its_own_tokens_by_hand():
    # bm25s analysis: "The"/"on" are stop words, "a" is too short, "cats" -> "cat".
    data = Corpus(["d0", "d1", "d2", "d3"], ["A cat sat on the mat", "dogs", "cats, dog, eel", ""])
    queries = [
        Query("q1", "cat eels"),
        Query("q2", "dog", excluded_ids=frozenset({"d1"})),
        Query("q3", "zebra"),
    ]
    run = BM25S().retrieve(data, "pony", queries, depth=3)
    n, avgdl = 4, (3 + 1 + 3 + 0) / 4

    def idf(df):
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def w(length):
        return 1 / (1 + 0.9 * (0.6 + 0.4 * length / avgdl))

    top = list(run["q1"].items())
    assert [d for d, _ in top[:2]] == ["d2", "d0"]
    assert top[0][1] == pytest.approx(idf(2) * w(3) + idf(1) * w(3), rel=1e-6)
    assert top[1][1] == pytest.approx(idf(2) * w(3), rel=1e-6)
    assert top[2][0] in {"d1", "d3"} and top[2][1] == 0.0  # bm25s orders zero ties freely
    assert "d1" not in run["q2"] and run["q2"]["d2"] == pytest.approx(idf(2) * w(3), rel=1e-6)
    assert set(run["q3"].values()) == {0.0} and len(run["q3"]) == 3


def test_a_missing_optional_dependency_says_how_to_install(monkeypatch, shared_bright, capsys):
    from bright_eval.cli import main

    monkeypatch.setitem(sys.modules, "bm25s", None)  # import bm25s now fails
    assert main(["retrieve", "--retriever", "bm25s", "--data-dir", str(shared_bright),
                 "--domains", "pony"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert err == "error: bm25s is not installed: pip install 'bright-eval[bm25s]'\n"
