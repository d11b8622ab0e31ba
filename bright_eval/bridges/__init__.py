"""Bridges to other toolkits, each an optional extra imported only where it is used:
`pyterrier.py` (a bright_eval reranker as a PyTerrier transformer) and `rankllm.py` (a rank_llm
reranker as a bright_eval one). Neither toolkit is imported by this package's own modules."""

from bright_eval.errors import BrightEvalError


class BridgeError(BrightEvalError, ValueError):
    """A bridge asked for something it cannot do (one line: what, and what would work)."""
