"""Where model work runs: in this process (`local`) or on a Ray cluster (`ray`).

An engine maps a worker's method over items and yields the outputs as they complete, in
groups of (index into items, output). The worker is a reranker (`judge` over candidates,
`permute` over windows) or anything shaped like one: an object whose method takes a list of
items and returns one output per item, in order, each item independent of the others (the
distillation's annotate and sample jobs are pointwise rerankers, so they come through the
reranking runner too). An output dataclass with `model_seconds` and `hardware` fields gets them
filled in by the engine.

The caller stays the only writer: it stores each group as it arrives, so a kill loses only
what was in flight, and a cached run never starts an engine's workers.
"""

from __future__ import annotations

from bright_eval.engines.base import ENGINES, RAY_INSTALL, Completed, Engine, EngineError


def get_engine(
    name: str = "local",
    address: str | None = None,
    gpus_per_worker: float = 0.0,
    workers: int | None = None,
) -> Engine:
    if name == "local":
        from bright_eval.engines.local import LocalEngine

        return LocalEngine()
    if name == "ray":
        from bright_eval.engines.ray_engine import RayEngine

        return RayEngine(address=address, gpus_per_worker=gpus_per_worker, workers=workers)
    raise EngineError(f"unknown engine {name!r}; valid engines: {', '.join(ENGINES)}")


__all__ = ["ENGINES", "RAY_INSTALL", "Completed", "Engine", "EngineError", "get_engine"]
