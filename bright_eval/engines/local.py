"""The `local` engine: the model runs in this process.

A worker whose generation backend streams (vLLM, OpenAI-compatible servers, transformers per
sub-batch) gets every pending item at once and returns each output as it finishes
(`streaming.stream_items`); any other worker is called on consecutive chunks of `batch_size`
items, each chunk's outputs returned as soon as the call returns.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from bright_eval.engines.base import Completed
from bright_eval.engines.outputs import backend_of, checked, hardware_of, stamp


def streaming_backend(worker: Any):
    """The worker's generation backend where it streams, else None. Asked of the worker
    (`GenerativeMixin.streaming_backend`): engines sit beside rerank and never import it."""
    ask = getattr(worker, "streaming_backend", None)
    return ask() if callable(ask) else None


class LocalEngine:
    name = "local"

    def map(
        self, worker: Any, method: str, items: Sequence, batch_size: int = 256
    ) -> Iterator[Completed]:
        if not items:
            return
        if streaming_backend(worker) is not None:
            from bright_eval.engines.streaming import stream_items

            yield from stream_items(worker, method, items, in_flight=batch_size)
            return
        for start in range(0, len(items), batch_size):
            chunk = items[start : start + batch_size]
            began = time.perf_counter()
            outputs = checked(worker, method, chunk)
            share = (time.perf_counter() - began) / len(chunk)
            hardware, backend = hardware_of(worker), backend_of(worker)
            for output in outputs:
                stamp(output, share, hardware, backend)
            yield list(enumerate(outputs, start))

    def close(self) -> None:
        pass
