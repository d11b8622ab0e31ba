"""Dense retrievers through sentence-transformers, with BRIGHT's per-domain query instructions.

As `retrieval_sbert_bge` in xlang-ai/BRIGHT `retrievers.py`: queries (bge: prefixed with the
instruction of `configs/bge/<domain>.json`, `{task}` replaced by the split name as is) and
documents encoded with `normalize_embeddings=True`, cosine similarity, excluded ids removed, the
1,000 best kept (ties in corpus order). Document embeddings are cached on disk per model, data
and domain, since encoding a corpus is the expensive part.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from itertools import chain

import numpy as np

from bright_eval.atomic import atomic_write
from bright_eval.data import BrightData, Query
from bright_eval.domains import STACKEXCHANGE, get_domain
from bright_eval.engines.base import in_order
from bright_eval.retrieval.base import Retriever, require
from bright_eval.retrieval.bm25 import iter_column, positions_of, top_k
from bright_eval.runs import Run

BATCH_SIZE = 128  # the reference's default for bge and sbert
EMBEDDING_VERSION = 1
# torch pinned: an unpinned torch pulls a multi-GB CUDA build on machines without a GPU.
DENSE_INSTALL = "pip install 'bright-eval[dense]' (on CPU-only machines pin torch==2.13.0 first)"


def bge_instruction(domain: str, long_documents: bool) -> str:
    """The query prefix of BRIGHT's `configs/bge/<domain>.json` (instructions_long if long)."""
    kind = "documents" if long_documents else "passages"
    d = get_domain(domain)
    if d.group == STACKEXCHANGE:
        return f"Represent this {d.name} post for searching relevant {kind}: "
    return {
        "pony": f"Represent this Pony question for searching relevant {kind}: ",
        "leetcode": "Represent this Coding problem for searching relevant examples: ",
        "aops": "Represent this Math problem for searching relevant examples: ",
        "theoremqa_questions": "Represent this Math problem for searching relevant examples: ",
        "theoremqa_theorems": "Represent this Math problem for searching relevant theorems: ",
    }[d.name]


class DenseRetriever(Retriever):
    """`dense:<model id or path>`: any sentence-transformers model, queries as they are."""

    name = "dense"
    description = "any sentence-transformers model: dense:<model id or local path>"
    family = "dense"
    default_model: str | None = None
    instructions: str | None = None  # "bge": BRIGHT's bge query instructions

    def __init__(self, model_id: str | None = None, batch_size: int = BATCH_SIZE):
        self.model_id = model_id or self.default_model
        if not self.model_id:
            from bright_eval.retrieval.base import UnknownRetrieverError

            raise UnknownRetrieverError("'dense' needs a model: dense:<model id or local path>")
        self.batch_size = batch_size
        self._model = None

    @classmethod
    def from_argument(cls, argument: str) -> DenseRetriever:
        return cls(model_id=argument)

    def config(self) -> dict:
        return {
            "retriever": self.name if self.model_id == self.default_model else self.spec(),
            "model": self.model_id,
            "instructions": self.instructions,
            "similarity": "cosine",
        }

    def spec(self) -> str:
        return f"{self.name}:{self.model_id}"

    @property
    def model(self):
        if self._model is None:
            st = require("sentence_transformers", DENSE_INSTALL)
            device = os.environ.get("BRIGHT_EVAL_DEVICE")  # default: sentence-transformers' pick
            self._model = st.SentenceTransformer(self.model_id, device=device)
        return self._model

    def query_texts(self, domain: str, queries: Sequence[Query], long_documents: bool) -> list[str]:
        if self.instructions == "bge":
            prefix = bge_instruction(domain, long_documents)
            return [prefix + q.text for q in queries]
        return [q.text for q in queries]

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        ).astype(np.float32)

    def encode_corpus(self, texts: list[str]) -> np.ndarray:
        """The corpus's embeddings; with an engine, its chunks are encoded by the engine's
        workers (each loads the model once) and put back in corpus order."""
        if self.engine is None:
            return self.encode(texts)
        groups = self.engine.map(self, "encode", texts, self.batch_size)
        return np.stack(in_order(chain.from_iterable(groups), len(texts))).astype(np.float32)

    def document_embeddings(self, data: BrightData, domain: str, long_documents: bool, docs):
        from bright_eval.cache_dir import cache_root

        key = {
            "version": EMBEDDING_VERSION,
            "model": self.model_id,
            "max_seq_length": getattr(self.model, "max_seq_length", None),
            "data": data.describe(),
            "domain": domain,
            "documents": "long" if long_documents else "short",
            "n_documents": len(docs),
        }
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
        path = cache_root() / "embeddings" / f"{domain}-{digest}.npy"
        if path.is_file():
            self.embeddings_cached = True
            return np.load(path)
        self.embeddings_cached = False
        embeddings = self.encode_corpus(list(iter_column(docs, "content")))
        atomic_write(path, lambda f: np.save(f, embeddings))
        return embeddings

    def retrieve(
        self,
        data: BrightData,
        domain: str,
        queries: Sequence[Query],
        long_documents: bool = False,
        depth: int = 1000,
    ) -> Run:
        docs = data.documents(domain, long_documents)
        doc_ids = list(iter_column(docs, "id"))  # a Column iterates row by row: slow
        doc_emb = self.document_embeddings(data, domain, long_documents, docs)
        query_emb = self.encode(self.query_texts(domain, queries, long_documents))
        position = {d: i for i, d in enumerate(doc_ids)}
        run: Run = {}
        for q, scores in zip(queries, query_emb @ doc_emb.T, strict=True):
            chosen, best = top_k(scores, depth, positions_of(position, q.excluded_ids))
            run[q.id] = {doc_ids[i]: float(s) for i, s in zip(chosen.tolist(), best, strict=True)}
        self.index_stats = {
            "documents": len(doc_ids),
            "embeddings_cached": self.embeddings_cached,
        }
        return run


class BGE(DenseRetriever):
    name = "bge"
    description = "BAAI/bge-large-en-v1.5 with BRIGHT's per-domain query instructions"
    default_model = "BAAI/bge-large-en-v1.5"
    instructions = "bge"


class SBERT(DenseRetriever):
    name = "sbert"
    description = "sentence-transformers/all-mpnet-base-v2, queries without instructions"
    default_model = "sentence-transformers/all-mpnet-base-v2"
