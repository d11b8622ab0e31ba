"""First stage: retrievers, imported runs, and the run cache."""

from bright_eval.retrieval.base import REGISTRY, Retriever, UnknownRetrieverError, get_retriever

__all__ = ["REGISTRY", "Retriever", "UnknownRetrieverError", "get_retriever"]
