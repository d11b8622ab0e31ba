"""Reranking: the reranker interface, generation backends, the output cache and the runner."""

from bright_eval.rerank.base import (
    LISTWISE,
    POINTWISE,
    REGISTRY,
    Candidate,
    Judgement,
    ListwiseReranker,
    Permutation,
    PointwiseReranker,
    Reranker,
    RerankerOptions,
    UnknownRerankerError,
    UnsupportedOptionError,
    get_reranker_class,
)

__all__ = [
    "LISTWISE",
    "POINTWISE",
    "REGISTRY",
    "Candidate",
    "Judgement",
    "ListwiseReranker",
    "Permutation",
    "PointwiseReranker",
    "Reranker",
    "RerankerOptions",
    "UnknownRerankerError",
    "UnsupportedOptionError",
    "get_reranker_class",
]
