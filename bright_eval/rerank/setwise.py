"""Setwise reranking (Zhuang et al. 2024, `ielab/llm-rankers`; Rank-R1): the model sees a small
set of candidates and names the most relevant one, and a sort built from those choices ranks
the list.

A `SetwiseReranker` is a listwise reranker whose windows are the sets its sort asks about:
`permute` answers each set with its winner first and the rest in set order, so the cache (one
line per (query, set) call), the engines and the repair counts serve it unchanged. A set whose
answer names no member keeps its order, so its first member wins, as llm-rankers' `heapify`
does with an output that is not a label. Only the order of the calls differs: the next set
depends on the last answer, so each query's sort is a generator that yields a set (positions
in the first-stage list) and is sent the winner's place in it; the runner asks every query's
next set at once and sends each its answer.
"""

from __future__ import annotations

import time
from collections.abc import Generator

from bright_eval.errors import BrightEvalError
from bright_eval.rerank.base import ListwiseReranker
from bright_eval.rerank.outcome import (
    PRIMARY,
    Candidates,
    MissingOutputsError,
    RerankResult,
    RerankStats,
    ordered_run,
    permutations_for,
    progress_bar,
    use_window,
)
from bright_eval.rerank.permutation import RepairStats

SETWISE = "setwise"
Sort = Generator[list[int], int, list[int]]  # yields a set, is sent its winner, returns the order


class UnknownSortError(BrightEvalError, ValueError):
    pass


def winner_first(winner: int, n: int) -> tuple[list[int], RepairStats]:
    """A set's answer as a permutation: the winner (0-based), then the rest in set order."""
    return [winner, *(i for i in range(n) if i != winner)], RepairStats(windows=1)


def heapify(arr: list[int], n: int, i: int, num_child: int) -> Sort:
    """llm-rankers `SetwiseLlmRanker.heapify`: node i and its children form one set; the winner
    moves up, and the heap below the place it left is fixed the same way."""
    if num_child * i + 1 < n:
        inds = [i, *range(num_child * i + 1, min(num_child * (i + 1) + 1, n))]
        best = yield [arr[j] for j in inds]
        largest = inds[best] if 0 <= best < len(inds) else i
        if largest != i:
            arr[i], arr[largest] = arr[largest], arr[i]
            yield from heapify(arr, n, largest, num_child)


def heap_sort(n: int, num_child: int, k: int) -> Sort:
    """llm-rankers `heapSort` then `rerank`: build a max-heap of sets of num_child + 1, pop the
    top k, and keep the others in first-stage order below them."""
    arr = list(range(n))
    for i in range(n // num_child, -1, -1):
        yield from heapify(arr, n, i, num_child)
    ranked = 0
    for i in range(n - 1, 0, -1):
        arr[i], arr[0] = arr[0], arr[i]
        ranked += 1
        if ranked == k:
            break
        yield from heapify(arr, i, 0, num_child)
    top = list(reversed(arr))[:k]
    chosen = set(top)
    return top + [p for p in range(n) if p not in chosen]


class SetwiseReranker(ListwiseReranker):
    family = SETWISE
    num_child = 3  # a set is a node and its children: num_child + 1 candidates
    k = 10  # how many the sort places; the rest keep their first-stage order
    method = "heapsort"

    def sort(self, n: int) -> Sort:
        if self.method != "heapsort":
            raise UnknownSortError(f"{self.name}: sort method {self.method!r}: use 'heapsort'")
        return heap_sort(n, self.num_child, self.k)


def rerank_setwise(
    reranker: SetwiseReranker,
    candidates: Candidates,
    cache,
    batch_size: int,
    progress: bool,
    desc: str,
    cached_only: bool,
    engine,
) -> RerankResult:
    start = time.perf_counter()
    stats = RerankStats()
    lists = {qid: list(cands) for qid, cands in candidates.items()}
    sorts = {qid: reranker.sort(len(cands)) for qid, cands in lists.items()}
    pending: dict[str, list[int]] = {}  # query -> the set its sort asks about now
    final: dict[str, list[int]] = {}

    def advance(qid: str, answer: int | None) -> None:
        try:
            sort = sorts[qid]
            pending[qid] = next(sort) if answer is None else sort.send(answer)
        except StopIteration as done:
            pending.pop(qid, None)
            final[qid] = done.value

    for qid in lists:
        advance(qid, None)
    outputs = []
    step = 0
    with progress_bar(None, desc, progress) as bar:  # how many sets depends on the answers
        bar.unit = "set"
        while pending:
            todo = list(pending)
            sets = [[lists[q][p] for p in pending[q]] for q in todo]
            if cached_only and (missing := [s for s in sets if cache.get_permutation(s) is None]):
                raise MissingOutputsError(
                    f"{desc}: {len(missing)} sets at step {step + 1} are not in the cache (e.g. "
                    f"query {missing[0][0].query_id}); run the missing shards first"
                )
            perms = permutations_for(reranker, sets, cache, engine, batch_size, stats, bar)
            for qid, members, p in zip(todo, sets, perms, strict=True):
                full, repaired, fix = use_window(stats, p, len(members))
                outputs.append({"query_id": qid, "step": step, "start": pending[qid][0],
                                "positions": pending[qid], "doc_ids": [c.doc_id for c in members],
                                "order": full, "repaired": repaired, "repair": fix.to_json(),
                                "raw": p.raw})  # fmt: skip
                advance(qid, full[0])
            step += 1
    rank = {
        (qid, lists[qid][p].doc_id): r for qid, order in final.items() for r, p in enumerate(order)
    }
    run = ordered_run(candidates, lambda c: -rank[c.query_id, c.doc_id])
    stats.wall_s = time.perf_counter() - start
    return RerankResult(runs={PRIMARY: run}, outputs=outputs, stats=stats)
