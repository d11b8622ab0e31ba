"""Reranking: the reranker interface and registry, generation backends, the output cache and
the runner."""

from bright_eval.rerank.base import (
    LISTWISE,
    POINTWISE,
    Candidate,
    Judgement,
    ListwiseReranker,
    Permutation,
    PointwiseReranker,
    Reranker,
    RerankerOptions,
)
from bright_eval.rerank.meta import RerankerMeta, UnsupportedOptionError
from bright_eval.rerank.permutation import RepairStats
from bright_eval.rerank.registry import (
    REGISTRY,
    UnknownRerankerError,
    get_reranker_class,
    load_plugins,
    register,
)
from bright_eval.rerank.settings import SettingError

__all__ = [
    "LISTWISE",
    "POINTWISE",
    "REGISTRY",
    "Candidate",
    "Judgement",
    "ListwiseReranker",
    "Permutation",
    "PointwiseReranker",
    "RepairStats",
    "Reranker",
    "RerankerMeta",
    "RerankerOptions",
    "SettingError",
    "UnknownRerankerError",
    "UnsupportedOptionError",
    "get_reranker_class",
    "load_plugins",
    "register",
]
