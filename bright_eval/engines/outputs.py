"""What every engine does with a worker's outputs: check there is one per item, and stamp
each with its cost (model seconds, hardware) unless the worker measured its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bright_eval.provenance import compute_device


def checked(worker: Any, method: str, items: Sequence) -> list:
    outputs = getattr(worker, method)(items)
    if len(outputs) != len(items):
        name = getattr(worker, "name", "") or type(worker).__name__
        raise RuntimeError(
            f"{name}.{method} returned {len(outputs)} outputs for {len(items)} items"
        )
    return outputs


def hardware_of(worker: Any) -> str:
    backend = getattr(worker, "_backend", None)  # a generative reranker's loaded backend
    return backend.hardware() if backend is not None else compute_device()


def stamp(output: Any, seconds: float, hardware: str) -> None:
    """Record the output's cost, unless the worker recorded it itself."""
    if hasattr(output, "model_seconds") and not output.model_seconds:
        output.model_seconds = seconds
    if hasattr(output, "hardware") and output.hardware is None:
        output.hardware = hardware
