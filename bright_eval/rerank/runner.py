"""Reranking many queries at once: cache lookups, batched model calls, runs with exact ties.

Pointwise: every (query, document) pair of every query is looked up in the cache; the misses
go to the engine (bright_eval.engines: in this process, or on Ray) in batches that span
queries, and each output is stored as soon as it comes back, so a kill loses only what was in
flight and the progress bar moves per output. Listwise: the sliding windows run bottom-up, and
the windows of all queries at the same step go out together (step s of every query only
depends on step s-1 of the same query). Setwise: each query's sort asks for one set at a time,
and the sets all queries ask for at the same step go out together (`rerank.setwise`).
Groupwise: every group of every query goes out at once, and each candidate's score is its mean
over its groups (`rerank.groupwise`). Each output records its cost (model seconds, tokens,
hardware), so a system's cost is the sum over its outputs however the run was split.

Scores in the written run are distinct: a pointwise reranker gives most candidates the same
label, and trec_eval would break those ties by document id. The run ranks by (score, then
first-stage rank) and writes n, n-1, ..., 1 so that every tool reads that order back.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bright_eval.engines import Engine
from bright_eval.engines.local import LocalEngine
from bright_eval.rerank.base import (
    Candidate,
    Judgement,
    ListwiseReranker,
    PointwiseReranker,
    Reranker,
)
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.cache_lines import spelled_out
from bright_eval.rerank.groupwise import GroupwiseReranker, rerank_groupwise
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
from bright_eval.rerank.setwise import SetwiseReranker, rerank_setwise


def rerank(
    reranker: Reranker,
    candidates: Candidates,
    cache: OutputCache,
    batch_size: int = 256,
    progress: bool = True,
    desc: str = "rerank",
    cached_only: bool = False,
    engine: Engine | None = None,
) -> RerankResult:
    """`cached_only`: fail, naming what is missing, instead of calling the model (merging
    shards on a machine that should not compute). `engine`: where the model runs (default:
    this process)."""
    engine = engine or LocalEngine()
    args = (candidates, cache, batch_size, progress, desc, cached_only, engine)
    if isinstance(reranker, PointwiseReranker):
        return rerank_pointwise(reranker, *args)
    if isinstance(reranker, SetwiseReranker):  # a listwise reranker whose windows are its sort
        return rerank_setwise(reranker, *args)
    if isinstance(reranker, GroupwiseReranker):  # a listwise reranker whose windows are groups
        return rerank_groupwise(reranker, *args)
    if isinstance(reranker, ListwiseReranker):
        return rerank_listwise(reranker, *args)
    raise TypeError(f"{type(reranker).__name__} is neither pointwise nor listwise")


def rerank_pointwise(
    reranker: PointwiseReranker,
    candidates: Candidates,
    cache: OutputCache,
    batch_size: int,
    progress: bool,
    desc: str,
    cached_only: bool,
    engine: Engine,
) -> RerankResult:
    start = time.perf_counter()
    stats = RerankStats()
    judged: dict[tuple[str, str], Judgement] = {}
    misses: list[Candidate] = []
    for cands in candidates.values():
        for c in cands:
            stats.items += 1
            found = cache.get_judgement(c)
            if found is None:
                misses.append(c)
            else:
                judged[c.query_id, c.doc_id] = found
    stats.cached = stats.items - len(misses)
    if cached_only and misses:
        raise MissingOutputsError(
            f"{desc}: {len(misses)} of {stats.items} pairs are not in the cache (e.g. query "
            f"{misses[0].query_id}, document {misses[0].doc_id}); run the missing shards first"
        )
    with progress_bar(len(misses), desc, progress) as bar:
        for group in engine.map(reranker, "judge", misses, batch_size):
            done = [misses[i] for i, _ in group]
            judgements = [j for _, j in group]
            cache.put_judgements(done, judgements)
            for c, j in zip(done, judgements, strict=True):
                judged[c.query_id, c.doc_id] = j
                stats.count_computed(j)
            bar.update(len(group))
            bar.set_postfix(tokens_out=stats.generated_tokens, refresh=False)
    outputs = []
    alternatives = set(reranker.alternative_scores)
    for cands in candidates.values():
        for c in cands:
            j = judged[c.query_id, c.doc_id]
            stats.tally(j.parse_kind)
            stats.parse_failures += not j.parsed
            stats.count_used(j)
            alternatives.update(j.scores)
            outputs.append({"query_id": c.query_id, "doc_id": c.doc_id,
                            "first_stage_rank": c.first_stage_rank, "score": j.score,
                            "label": j.label, "parsed": j.parsed, "how_parsed": j.parse_kind,
                            "scores": j.scores, "details": spelled_out(j.details),
                            "raw": j.raw})  # fmt: skip

    def score_of(name: str) -> Callable[[Candidate], float]:
        def score(c: Candidate) -> float:
            j = judged[c.query_id, c.doc_id]
            # An output without the alternative score (e.g. no label to take log-probs of)
            # keeps its plain score; those are the parse failures already counted.
            return j.score if name == PRIMARY else j.scores.get(name, j.score)

        return score

    runs = {
        name: ordered_run(candidates, score_of(name)) for name in [PRIMARY, *sorted(alternatives)]
    }
    stats.wall_s = time.perf_counter() - start
    return RerankResult(runs=runs, outputs=outputs, stats=stats)


def rerank_listwise(
    reranker: ListwiseReranker,
    candidates: Candidates,
    cache: OutputCache,
    batch_size: int,
    progress: bool,
    desc: str,
    cached_only: bool,
    engine: Engine,
) -> RerankResult:
    start = time.perf_counter()
    stats = RerankStats()
    order = {qid: list(cands) for qid, cands in candidates.items()}
    starts = {qid: reranker.window_starts(len(cands)) for qid, cands in order.items()}
    steps = max((len(s) for s in starts.values()), default=0)
    total = sum(len(s) for s in starts.values())
    outputs = []
    with progress_bar(total, desc, progress) as bar:
        bar.unit = "window"
        for step in range(steps):
            todo = [(qid, s[step]) for qid, s in starts.items() if len(s) > step]
            windows = [order[q][s : s + reranker.window_size] for q, s in todo]
            if cached_only and (
                missing := [w for w in windows if cache.get_permutation(w) is None]
            ):
                q, s = todo[windows.index(missing[0])]
                raise MissingOutputsError(
                    f"{desc}: {len(missing)} windows at step {step + 1} are not in the cache "
                    f"(e.g. query {q}, window at {s}); run the missing shards first"
                )
            perms = permutations_for(reranker, windows, cache, engine, batch_size, stats, bar)
            for (qid, s), window, p in zip(todo, windows, perms, strict=True):
                full, repaired, fix = use_window(stats, p, len(window))
                order[qid][s : s + len(window)] = [window[i] for i in full]
                outputs.append({"query_id": qid, "step": step, "start": s,
                                "doc_ids": [c.doc_id for c in window], "order": full,
                                "repaired": repaired, "repair": fix.to_json(),
                                "raw": p.raw})  # fmt: skip
    position = {(qid, c.doc_id): i for qid, cands in order.items() for i, c in enumerate(cands)}
    run = ordered_run(candidates, lambda c: -position[c.query_id, c.doc_id])
    stats.wall_s = time.perf_counter() - start
    return RerankResult(runs={PRIMARY: run}, outputs=outputs, stats=stats)
