"""The reranker zoo: one module per family. Importing this package registers them all."""

from baselines import cross_encoder, listwise, llm_pointwise, monot5, qwen3_reranker, rank1

__all__ = ["cross_encoder", "listwise", "llm_pointwise", "monot5", "qwen3_reranker", "rank1"]
