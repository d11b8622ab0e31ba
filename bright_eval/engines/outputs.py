"""What every engine does with a worker's outputs: check there is one per item, and stamp
each with its cost (model seconds, hardware) unless the worker measured its own, and with what
computed it (the backend as loaded where it ran: a record names that, not the backend of a later
run that only read the outputs back)."""

from __future__ import annotations

import json
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


def backend_of(worker: Any) -> dict | None:
    """What the worker computes with, now (a reranker's `backend_info`), in its JSON form so it
    compares equal to what a cache or record reads back; None when there is nothing to say."""
    info = getattr(worker, "backend_info", None)
    return json_form(info()) if callable(info) else None


def json_form(described: dict | None) -> dict | None:
    return json.loads(json.dumps(described, sort_keys=True, default=str)) if described else None


def stamp(output: Any, seconds: float, hardware: str, backend: dict | None = None) -> None:
    """Record the output's cost and what computed it, unless the worker recorded them itself."""
    if hasattr(output, "model_seconds") and not output.model_seconds:
        output.model_seconds = seconds
    if hasattr(output, "hardware") and output.hardware is None:
        output.hardware = hardware
    if hasattr(output, "backend") and output.backend is None:
        output.backend = backend
