"""The engine interface: what `bright_eval.engines` hands out, and what the runner, the dense
first stage and the distillation stages call."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from bright_eval.errors import BrightEvalError

ENGINES = ("local", "ray")
RAY_INSTALL = "pip install 'bright-eval[ray]'"

Completed = list[tuple[int, Any]]  # (index into the items, output), as they complete


def in_order(completed: Iterable[tuple[int, Any]], n: int) -> list:
    """Outputs that arrived as (index, output), in any order, back in item order."""
    results: list = [None] * n
    for i, output in completed:
        results[i] = output
    return results


class EngineError(BrightEvalError, ValueError):
    pass


class Engine(Protocol):
    name: str

    def map(
        self, worker: Any, method: str, items: Sequence, batch_size: int
    ) -> Iterator[Completed]:
        """Every item's output exactly once, in groups as they complete (any order)."""
        ...

    def close(self) -> None: ...
