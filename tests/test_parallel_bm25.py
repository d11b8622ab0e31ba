"""bm25 from texts on several processes: the same analysis, vocabulary and scores as from
token lists analysed one text at a time."""

import random

import numpy as np
import pyarrow.parquet as pq
import pytest

from bright_eval.retrieval import analyzer as analyzer_module
from bright_eval.retrieval import bm25
from bright_eval.retrieval.analyzer import PythonAnalyzer
from bright_eval.retrieval.bm25 import BM25Index

# Characters around which word boundaries get subtle: combining marks, joiners, non-breaking
# and ideographic spaces, separators, emoji, kana, CJK, Hebrew, Thai, apostrophes, dotted I.
TRICKY = list("ab1 _.',:;\t\n") + [
    "\u0301", "\u200d", "\u200b", "\u00a0", "\u2028", "\x1c", "\x85", "\u3000", "\U0001f600",
    "\u30a2", "\u4e00", "\u05d0", "\u0e01", "\u00ad", "\u2060", "\ufe0f", "\U0001f1e6",
    "\u2019", "'s", "S", "\u0130",
]  # fmt: skip


def real_texts(shared_bright):
    texts = []
    for f in sorted((shared_bright / "examples").glob("*.parquet")):
        table = pq.read_table(f)
        for column in ("query", "reasoning", "gold_answer"):
            texts += [t for t in table.column(column).to_pylist() if t and t != "N/A"]
    return texts


def test_analysis_by_white_space_pieces_equals_one_regex_pass(shared_bright):
    analyzer = PythonAnalyzer()
    rng = random.Random(0)
    tricky = ["".join(rng.choices(TRICKY, k=rng.randint(1, 12))) for _ in range(20_000)]
    for text in real_texts(shared_bright)[::4] + tricky:
        # analyze_by_regex runs `regex` over the whole text at once: the definition.
        assert analyzer.analyze(text) == analyzer.analyze_by_regex(text), repr(text)
    assert analyzer.analyze("The cats' toys, e.g. 3.14") == ["cat", "toi", "e.g", "3.14"]


@pytest.mark.parametrize("workers", [2, 3])
def test_parallel_index_from_texts_equals_the_serial_one_from_tokens(
    shared_bright, monkeypatch, workers
):
    # Several chunks per worker: each worker's ids carry over between its chunks, which
    # interleave with the other workers' in corpus order.
    monkeypatch.setattr(bm25, "GENSIM_PRUNE_EVERY", 700)
    words = " ".join(real_texts(shared_bright)).split()
    texts = [" ".join(words[i : i + 40]) for i in range(0, 160_000, 40)] + [""]
    analyzer = PythonAnalyzer()
    tokens = [analyzer.analyze_by_regex(t) for t in texts]
    serial = BM25Index(tokens, workers=1)
    parallel = BM25Index(texts, analyzer=analyzer, workers=workers)
    assert parallel.n_docs == len(texts) == 4001
    assert parallel.terms == serial.terms and len(serial.terms) > 10_000
    assert parallel.doc_len.tolist() == [len(t) for t in tokens]
    assert np.array_equal(parallel.df, serial.df)
    for query in (tokens[5], tokens[3000][:7], ["zzyzx"]):
        assert parallel.scores(query).tolist() == serial.scores(query).tolist()


def test_ascii_text_takes_one_re_pass_equal_to_regex():
    """Every ASCII character, in 60,000 random strings: `re` and `regex` segment alike."""
    analyzer = PythonAnalyzer()
    rng = random.Random(1)
    common = list("aZ9_0.,;:'\" -") * 6
    alphabet = [chr(i) for i in range(128)] + common
    for _ in range(60_000):
        text = "".join(rng.choices(alphabet, k=rng.randint(1, 16)))
        assert analyzer.analyze(text) == analyzer.analyze_by_regex(text), repr(text)
    # By hand: WB6/7 join letters over ":" "." "'", WB11/12 digits over "," ";" "." "'";
    # a letter and a digit never join over punctuation; "_" alone is no token.
    assert analyzer.words("a:b 1,5 a.1 1:2 x'y __ _k") == [
        "a:b", "1,5", "a", "1", "1", "2", "x'y", "__", "_k",
    ]  # fmt: skip
    expected = ["a:b", "1,5", "1", "1", "2", "x'y", "_k"]  # "a" is a stop word
    assert analyzer.analyze("a:b 1,5 a.1 1:2 x'y __ _k") == expected


def test_counts_survive_emptied_word_memories(shared_bright, monkeypatch):
    """A worker keeps its term ids when its memory of words is emptied mid-corpus."""
    monkeypatch.setattr(analyzer_module, "MEMO_SIZE", 50)
    monkeypatch.setattr(bm25, "GENSIM_PRUNE_EVERY", 300)
    words = " ".join(real_texts(shared_bright)).split()[:24_000]
    texts = [" ".join(words[i : i + 30]) for i in range(0, len(words), 30)]
    analyzer = PythonAnalyzer()
    tokens = [analyzer.analyze_by_regex(t) for t in texts]
    serial = BM25Index(tokens, workers=1)
    counted = BM25Index(texts, analyzer=analyzer, workers=1)
    assert counted.terms == serial.terms
    assert np.array_equal(counted.df, serial.df) and np.array_equal(counted.doc_len, serial.doc_len)
    assert counted.scores(tokens[7]).tolist() == serial.scores(tokens[7]).tolist()
