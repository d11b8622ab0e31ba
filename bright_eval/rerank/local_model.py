"""The base class and helpers for rerankers that load their own weights and score from one
forward pass (monoT5, Qwen3-Reranker, cross-encoders) rather than generating through a
backend."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar, TypeVar

from bright_eval.rerank.backends.base import library_versions
from bright_eval.rerank.base import PointwiseReranker
from bright_eval.rerank.parameters import parameter_count
from bright_eval.rerank.weights import identity

T = TypeVar("T")


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def torch_dtype(name: str):
    import torch

    return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[name]


class LocalModelReranker(PointwiseReranker):
    """A pointwise reranker that loads its own weights: the model (`--model`, else the default),
    its revision, the batch size and the device, set the same way for every such reranker."""

    backend_name: ClassVar[str]
    batch_size = 8
    # Underscored so `settings()` skips it: it only picks the config class that sizes the model,
    # which changes no output, so it must not enter the cache key.
    _parameter_kind: ClassVar[str] = "causal"
    # Where the model runs must not split the cache.
    not_settings = frozenset({"device"})

    def __init__(self, options=None, batch_size: int | None = None, device: str | None = None):
        super().__init__(options)
        self.model = self.options.model or self.meta.model_id
        self.revision = self.options.revision
        self.batch_size = batch_size or self.batch_size
        self.device = device or self.default_device()  # not a setting (`not_settings`)

    def default_device(self) -> str | None:
        """Where the model runs when no device is given; None leaves it to the library."""
        return default_device()

    def identify_weights(self) -> dict:
        return identity(self.model, self.revision)

    def config(self) -> dict:
        return super().config() | self.weights()

    def backend_info(self) -> dict:
        return {"backend": self.backend_name, **library_versions("torch", "transformers")}

    def parameter_count(self) -> int | None:
        return parameter_count(self.model, self.revision, kind=self._parameter_kind)
