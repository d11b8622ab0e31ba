"""Per-output streaming for rerankers written against the batch interface.

A reranker's `judge(candidates)` builds prompts, calls `backend.generate` once for all of them
and parses the answers, so no output exists until the slowest generation is done. Here each
item runs in its own thread as a call on that item alone, and the reranker's backend is
replaced by a `Coalescer`: it gathers the threads' generate calls into one round and hands the
whole round to the real backend's `generate_stream`, which keeps the engine full and wakes
each thread as its own generation finishes. The thread parses, and its output goes back to the
caller at once, and the freed thread starts the next item. With vLLM, whose stream takes
prompts added while it runs, those new calls join the running engine loop, so the engine never
drains between rounds; other backends serve them in the next round. A reranker that calls the
backend twice per item (generate, then next_token_logprobs) works too: its second calls form
the next round.

Contract this relies on (the reranker interface's): a reranker judges each item independently,
so calling it on one item gives what a batch call would.
"""

from __future__ import annotations

import functools
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bright_eval.engines.base import Completed
from bright_eval.engines.outputs import checked, json_form, stamp


class Request:
    """One thread's backend call, answered once every prompt in it has finished."""

    def __init__(self, kind: str, prompts: Sequence, params: Any):
        self.kind, self.prompts, self.params = kind, list(prompts), params
        self.results: list = [None] * len(self.prompts)
        self.left = len(self.prompts)
        self.seconds = 0.0
        self.error: BaseException | None = None
        self.done = threading.Event()
        if self.left == 0:  # nothing to wait for
            self.done.set()

    def answer(self, k: int, result: Any, seconds: float) -> None:
        self.results[k], self.left, self.seconds = result, self.left - 1, self.seconds + seconds
        if self.left == 0:
            self.done.set()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.done.set()


class Coalescer:
    """Stands in for a backend while many threads share it (see the module docstring)."""

    def __init__(self, backend):
        self.backend = backend
        self.cond = threading.Condition()
        self.pending: list[Request] = []
        self.live = 0  # threads inside the reranker's method
        self.closed: BaseException | None = None
        self.round: list[Request] = []  # the calls being answered now
        self.local = threading.local()

    def __getattr__(self, name: str):  # render, tokenizer, describe, ... of the real backend
        return getattr(self.backend, name)

    def generate(self, prompts, params):
        return self._call(Request("generate", prompts, params))

    def next_token_logprobs(self, prompts, tokens):
        return self._call(Request("logprobs", prompts, tuple(tokens)))

    def _call(self, request: Request) -> list:
        with self.cond:
            if self.closed is not None:
                raise self.closed
            self.pending.append(request)
            self.cond.notify_all()
        request.done.wait()
        if request.error is not None:
            raise request.error
        self.local.seconds = getattr(self.local, "seconds", 0.0) + request.seconds
        return request.results

    def take_round(self, results: queue.SimpleQueue) -> list[Request]:
        """Wait until every live thread is blocked on the backend (a full round) or an output
        is ready, and take the pending calls."""
        with self.cond:
            self.cond.wait_for(
                lambda: (self.pending and len(self.pending) >= self.live) or not results.empty(),
                timeout=1.0,
            )
            if not results.empty():
                return []
            taken, self.pending = self.pending, []
            return taken

    def run_round(self, requests: list[Request]) -> Iterator[None]:
        """Answer the round's calls; yields after each finished generation."""
        self.round = requests
        try:
            groups: dict[tuple, list[Request]] = {}
            for r in requests:
                groups.setdefault((r.kind, r.params), []).append(r)
            for (kind, params), group in groups.items():
                owners = [(r, k) for r in group for k in range(len(r.prompts))]
                prompts = [p for r in group for p in r.prompts]
                if kind == "generate":
                    for i, generation in self.backend.generate_stream(prompts, params):
                        r, k = owners[i]
                        r.answer(k, generation, generation.model_seconds)
                        if self.backend.takes_more_prompts:
                            self.join((kind, params), prompts, owners)
                        yield
                else:
                    start = time.perf_counter()
                    answers = self.backend.next_token_logprobs(prompts, params)
                    share = (time.perf_counter() - start) / len(prompts)
                    for (r, k), answer in zip(owners, answers, strict=True):
                        r.answer(k, answer, share)
                    yield
        except BaseException as error:
            for r in requests:
                if not r.done.is_set():
                    r.fail(error)
            raise

    def join(self, key: tuple, prompts: list, owners: list) -> None:
        """Move pending calls of the running kind into the running stream, so the engine
        never drains between rounds: a thread whose item finished has started the next."""
        with self.cond:
            joining = [r for r in self.pending if (r.kind, r.params) == key]
            self.pending = [r for r in self.pending if (r.kind, r.params) != key]
            self.round = self.round + joining
        for r in joining:
            owners.extend((r, k) for k in range(len(r.prompts)))
            prompts.extend(r.prompts)

    def close(self, error: BaseException) -> None:
        with self.cond:
            self.closed = error
            for r in self.pending + self.round:
                if not r.done.is_set():
                    r.fail(error)
            self.pending = []


def stream_items(worker: Any, method: str, items: Sequence, in_flight: int) -> Iterator[Completed]:
    """Each item's output as it completes, at most `in_flight` items at a time."""
    backend = worker.backend
    coalescer = Coalescer(backend)
    hardware = backend.hardware()
    # The worker's backend_info while it streams, described once an output is done (a loaded
    # model says more than one about to load, e.g. its parameter count).
    described = functools.cache(lambda: json_form(backend.describe()))
    results: queue.SimpleQueue = queue.SimpleQueue()

    def one(i: int) -> None:
        with coalescer.cond:
            coalescer.live += 1
        coalescer.local.seconds = 0.0
        try:
            (output,) = checked(worker, method, [items[i]])
            stamp(output, coalescer.local.seconds, hardware, described())
            results.put((i, output, None))
        except BaseException as error:  # handed to the caller's thread
            results.put((i, None, error))
        finally:
            with coalescer.cond:
                coalescer.live -= 1
                coalescer.cond.notify_all()

    def ready() -> Completed:
        group = []
        while not results.empty():
            i, output, error = results.get()
            if error is not None:
                raise error
            group.append((i, output))
        return group

    worker.backend = coalescer
    pool = ThreadPoolExecutor(max_workers=max(1, in_flight), thread_name_prefix="stream")
    remaining = len(items)
    current = coalescer.run_round([])
    try:
        for i in range(len(items)):
            pool.submit(one, i)
        while remaining:
            current = coalescer.run_round(coalescer.take_round(results))
            for _ in current:
                if group := ready():
                    remaining -= len(group)
                    yield group
            if group := ready():
                remaining -= len(group)
                yield group
    finally:
        if remaining:  # stopped early: wake every waiting thread, free the backend's engine
            coalescer.close(RuntimeError("stopped before this output was done"))
            current.close()
        pool.shutdown(wait=True, cancel_futures=True)
        worker.backend = backend
