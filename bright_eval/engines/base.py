"""The engine interface: what `bright_eval.engines` hands out, and what the runner, the dense
first stage and the distillation stages call."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

ENGINES = ("local", "ray")
RAY_INSTALL = "pip install 'bright-eval[ray]'"

Completed = list[tuple[int, Any]]  # (index into the items, output), as they complete


class EngineError(ValueError):
    pass


class Engine(Protocol):
    name: str

    def map(
        self, worker: Any, method: str, items: Sequence, batch_size: int
    ) -> Iterator[Completed]:
        """Every item's output exactly once, in groups as they complete (any order)."""
        ...

    def close(self) -> None: ...
