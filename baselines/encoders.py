"""Loading and batching shared by the baselines that load their own weights and score from one
forward pass (monoT5, Qwen3-Reranker, cross-encoders): no generation backend."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from bright_eval.rerank.backends import AUTO
from bright_eval.rerank.base import Reranker, UnsupportedOptionError

T = TypeVar("T")


def local_model(reranker: Reranker) -> str:
    """The model this reranker loads. Options that only a generation backend can honour are
    refused rather than dropped, since the results would be labelled with settings never used."""
    options, backend = reranker.options, reranker.backend_name
    refused = {
        "--adapter": options.adapter,
        "--max-new-tokens": options.max_new_tokens,
        "--base-url": options.backend_options.get("base_url"),
        "--backend": options.backend if options.backend not in (AUTO, backend) else None,
    }
    for flag, value in refused.items():
        if value is not None:
            raise UnsupportedOptionError(
                f"{reranker.name} runs on {backend} and generates nothing: {flag} does not apply"
            )
    return options.model or reranker.model_id


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def torch_dtype(name: str):
    import torch

    return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[name]


def library_versions() -> dict:
    import torch
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__}
