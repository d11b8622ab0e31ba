"""The `ray` engine: model work on a Ray cluster, one worker (reranker and backend) per actor.

The reranker travels to each actor pickled without its loaded backend: each actor loads the
model itself, from the reranker's options, on the first item that needs it (vLLM's tensor and
data parallel settings are backend options, so a model bigger than one GPU takes
`--gpus-per-worker N` GPUs per actor and `tensor_parallel_size=N`). Items go out in chunks,
two per actor so none waits between chunks, and each chunk's outputs come back to the driver
as it completes; the driver alone writes the output cache.

The worker goes to the object store once and each chunk carries a reference to it, so a
restarted actor serves the worker of the chunk it is given. Workers that load the same thing
(equal `load_key()`, e.g. annotate's two jobs or sample's k seeds: one model, one adapter) share
the actors and what they have loaded; a worker that loads something else gets fresh actors.

A killed actor is restarted and its in-flight chunks are retried by Ray (`max_restarts`,
`max_task_retries`), so the run completes with every output exactly once; what the dead actor
had computed but not returned is computed again.
"""

from __future__ import annotations

import copy
import importlib.util
import math
from collections import deque
from collections.abc import Iterator, Sequence
from itertools import chain
from typing import Any

from bright_eval.engines.base import RAY_INSTALL, Completed, EngineError, in_order
from bright_eval.engines.local import LocalEngine

IN_FLIGHT_PER_ACTOR = 2


# What workers load lazily and keep: a reranker's generation backend, an encoder's model.
LOADED = ("_backend", "_model")


def same_load(a: Any, b: Any) -> bool:
    """Whether two workers load the same model (both say so through `load_key()`)."""
    key_a, key_b = getattr(a, "load_key", None), getattr(b, "load_key", None)
    return callable(key_a) and callable(key_b) and key_a() == key_b()


class ModelWorker:
    """A Ray actor's state: the worker it serves and the local engine that runs it."""

    def __init__(self):
        self.worker: Any = None
        self.shipped: str | None = None  # the object id of the worker served
        self.engine = LocalEngine()

    def serve(self, shipped: list) -> Any:
        # In a list, Ray hands over the reference unresolved: fetched once, not with each chunk.
        (ref,) = shipped
        if ref.hex() != self.shipped:
            import ray

            worker = ray.get(ref)
            if self.worker is not None and same_load(self.worker, worker):
                for name in LOADED:
                    if getattr(self.worker, name, None) is not None:
                        setattr(worker, name, getattr(self.worker, name))
            self.worker, self.shipped = worker, ref.hex()
        return self.worker

    def run(self, shipped: list, method: str, items: Sequence, batch_size: int) -> list:
        groups = self.engine.map(self.serve(shipped), method, items, batch_size)
        return in_order(chain.from_iterable(groups), len(items))


def portable(worker: Any) -> Any:
    """A shallow copy without what it has loaded (weights stay behind; each actor loads its own
    from the worker's settings), nor the engine it may hold."""
    clone = copy.copy(worker)
    for name in LOADED:
        if getattr(clone, name, None) is not None:
            setattr(clone, name, None)
    if getattr(clone, "engine", None) is not None:
        clone.engine = None
    return clone


class RayEngine:
    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        gpus_per_worker: float = 0.0,
        workers: int | None = None,
        max_restarts: int = 3,
    ):
        if importlib.util.find_spec("ray") is None:
            raise EngineError(f"--engine ray needs Ray, which is not installed: {RAY_INSTALL}")
        self.address = address
        self.gpus_per_worker = gpus_per_worker
        self.workers = workers
        self.max_restarts = max_restarts
        self.actors: list = []
        self._serving: Any = None  # the worker object the actors serve
        self._shipped: list = []  # its reference in Ray's object store

    @property
    def ray(self):
        """Ray, started (or joined) on first use: a fully cached run never starts it."""
        import ray

        if not ray.is_initialized():
            ray.init(address=self.address, include_dashboard=False, log_to_driver=False)
        return ray

    def worker_count(self) -> int:
        if self.workers:
            return self.workers
        resources = self.ray.cluster_resources()
        if self.gpus_per_worker > 0:
            count = int(resources.get("GPU", 0) // self.gpus_per_worker)
            if count == 0:
                raise EngineError(
                    f"--gpus-per-worker {self.gpus_per_worker}: the Ray cluster has "
                    f"{resources.get('GPU', 0):g} GPUs; give fewer per worker or add GPUs"
                )
            return count
        return max(1, int(resources.get("CPU", 1)))

    def actors_for(self, worker: Any) -> list:
        if self._serving is worker:
            return self.actors
        if not (self.actors and same_load(self._serving, worker)):
            self.close()  # what the old actors loaded goes with them
            actor = self.ray.remote(ModelWorker).options(
                num_cpus=1,
                num_gpus=self.gpus_per_worker,
                max_restarts=self.max_restarts,
                max_task_retries=self.max_restarts,
            )
            self.actors = [actor.remote() for _ in range(self.worker_count())]
        self._shipped = [self.ray.put(portable(worker))]
        self._serving = worker
        return self.actors

    def map(
        self, worker: Any, method: str, items: Sequence, batch_size: int = 256
    ) -> Iterator[Completed]:
        if not items:
            return
        actors = self.actors_for(worker)
        # Small enough that every actor gets work, never more than a batch.
        size = max(1, min(batch_size, math.ceil(len(items) / (IN_FLIGHT_PER_ACTOR * len(actors)))))
        chunks = deque(range(0, len(items), size))
        in_flight: dict = {}

        def submit(actor) -> None:
            if chunks:
                start = chunks.popleft()
                chunk = list(items[start : start + size])
                ref = actor.run.remote(self._shipped, method, chunk, batch_size)
                in_flight[ref] = (actor, start)

        for actor in actors:
            for _ in range(IN_FLIGHT_PER_ACTOR):
                submit(actor)
        try:
            while in_flight:
                (ref,), _ = self.ray.wait(list(in_flight), num_returns=1)
                actor, start = in_flight.pop(ref)
                outputs = self.ray.get(ref)
                submit(actor)
                yield list(enumerate(outputs, start))
        finally:
            for ref in in_flight:  # stopped early: do not leave work running on the cluster
                self.ray.cancel(ref)

    def close(self) -> None:
        if not self.actors:
            return
        for actor in self.actors:
            self.ray.kill(actor, no_restart=True)
        self.actors, self._serving, self._shipped = [], None, []
