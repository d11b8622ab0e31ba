"""Reranking many queries at once: cache lookups, batched model calls, runs with exact ties.

Pointwise: every (query, document) pair of every query is looked up in the cache; the misses
go to the engine (bright_eval.engines: in this process, or on Ray) in batches that span
queries, and each output is stored as soon as it comes back, so a kill loses only what was in
flight and the progress bar moves per output. Listwise: the sliding windows run bottom-up, and
the windows of all queries at the same step go out together (step s of every query only
depends on step s-1 of the same query). Each output records its cost (model seconds, tokens,
hardware), so a system's cost is the sum over its outputs however the run was split.

Scores in the written run are distinct: a pointwise reranker gives most candidates the same
label, and trec_eval would break those ties by document id. The run ranks by (score, then
first-stage rank) and writes n, n-1, ..., 1 so that every tool reads that order back.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace

from bright_eval.engines import Engine
from bright_eval.engines.local import LocalEngine
from bright_eval.errors import BrightEvalError
from bright_eval.rerank.base import (
    Candidate,
    Judgement,
    ListwiseReranker,
    Permutation,
    PointwiseReranker,
    Reranker,
)
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.cache_lines import spelled_out
from bright_eval.rerank.permutation import RepairStats, repair
from bright_eval.runs import Run

PRIMARY = "score"


class MissingOutputsError(BrightEvalError, ValueError):
    pass


Candidates = dict[str, list[Candidate]]  # query id -> candidates in first-stage order


@dataclass
class RerankStats:
    items: int = 0  # pairs (pointwise) or windows (listwise) needed
    cached: int = 0  # found in the cache
    computed: int = 0  # sent to the model in this run
    parse_failures: int = 0  # unparseable outputs (pointwise) or repaired permutations
    how_parsed: dict[str, int] = field(default_factory=dict)  # e.g. {"label": 97, "keyword": 3}
    repairs: RepairStats = field(default_factory=RepairStats)  # listwise: what was fixed
    prompt_tokens: int = 0  # of the outputs computed in this run
    generated_tokens: int = 0
    all_prompt_tokens: int = 0  # of every output used, cached or not: the system's full cost
    all_generated_tokens: int = 0
    model_seconds: float = 0.0  # of the outputs computed in this run
    all_model_seconds: float = 0.0  # summed over every output used: the system's model time
    hardware: set[str] = field(default_factory=set)  # where those outputs were computed
    # What computed them (`Judgement.backend`), by its JSON text; for the record, not the counts.
    backends: dict[str, dict] = field(default_factory=dict)
    wall_s: float = 0.0  # this invocation only

    def count_computed(self, output: Judgement | Permutation) -> None:
        """An output the model made in this invocation."""
        self.computed += 1
        self.prompt_tokens += output.prompt_tokens
        self.generated_tokens += output.generated_tokens
        self.model_seconds += output.model_seconds

    def count_used(self, output: Judgement | Permutation) -> None:
        """An output the system uses, cached or not: its cost is the system's."""
        self.all_prompt_tokens += output.prompt_tokens
        self.all_generated_tokens += output.generated_tokens
        self.all_model_seconds += output.model_seconds
        if output.hardware:
            self.hardware.add(output.hardware)
        if output.backend:
            self.backends[json.dumps(output.backend, sort_keys=True)] = output.backend

    def totals(self) -> dict:
        """What the outputs used add up to, whichever invocation computed them."""
        out = asdict(self)
        for per_invocation in (
            "cached",
            "computed",
            "prompt_tokens",
            "generated_tokens",
            "model_seconds",
            "wall_s",
            "backends",
        ):
            out.pop(per_invocation)
        out["all_model_seconds"] = round(self.all_model_seconds, 3)
        out["hardware"] = sorted(self.hardware)
        return out

    def tally(self, how: str) -> None:
        self.how_parsed[how] = self.how_parsed.get(how, 0) + 1

    def add(self, other: RerankStats) -> None:
        for f in fields(self):
            if f.name not in ("how_parsed", "repairs", "hardware", "backends"):
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.repairs.add(other.repairs)
        self.hardware |= other.hardware
        self.backends.update(other.backends)
        for how, n in other.how_parsed.items():
            self.how_parsed[how] = self.how_parsed.get(how, 0) + n


@dataclass
class RerankResult:
    runs: dict[str, Run]  # PRIMARY, plus any alternative score a reranker reports
    outputs: list[dict]  # per pair or window: ids, score, label, raw text (the explanation)
    stats: RerankStats


def ordered_run(candidates: Candidates, score: Callable[[Candidate], float]) -> Run:
    """Each query's candidates by score descending, ties by first-stage rank, scored n..1."""
    run: Run = {}
    for qid, cands in candidates.items():
        order = sorted(cands, key=lambda c: (-score(c), c.first_stage_rank))
        run[qid] = {c.doc_id: float(len(order) - i) for i, c in enumerate(order)}
    return run


def progress_bar(total: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="pair", disable=not enabled or total == 0,
                dynamic_ncols=True, smoothing=0.1)  # fmt: skip


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
            perms: list[Permutation | None] = [cache.get_permutation(w) for w in windows]
            missing = [i for i, p in enumerate(perms) if p is None]
            if cached_only and missing:
                q, s = todo[missing[0]]
                raise MissingOutputsError(
                    f"{desc}: {len(missing)} windows at step {step + 1} are not in the cache "
                    f"(e.g. query {q}, window at {s}); run the missing shards first"
                )
            stats.items += len(windows)
            stats.cached += len(windows) - len(missing)
            bar.update(len(windows) - len(missing))
            todo_windows = [windows[k] for k in missing]
            for group in engine.map(reranker, "permute", todo_windows, batch_size):
                cache.put_permutations([todo_windows[i] for i, _ in group], [p for _, p in group])
                for i, p in group:
                    perms[missing[i]] = p
                    stats.count_computed(p)
                bar.update(len(group))
            for (qid, s), window, p in zip(todo, windows, perms, strict=True):
                # The reranker's own repair, plus the runner's check of what it returned (a
                # third-party reranker may hand back an invalid order).
                full, checked = repair(p.order, len(window))
                repaired = p.repaired or bool(checked.repaired)
                fix = p.repair if p.repair.windows else checked
                stats.repairs.add(replace(fix, windows=1, repaired=int(repaired)))
                stats.parse_failures += repaired
                stats.count_used(p)
                stats.tally("repaired" if repaired else "valid")
                order[qid][s : s + len(window)] = [window[i] for i in full]
                outputs.append({"query_id": qid, "step": step, "start": s,
                                "doc_ids": [c.doc_id for c in window], "order": full,
                                "repaired": repaired, "repair": fix.to_json(),
                                "raw": p.raw})  # fmt: skip
    position = {(qid, c.doc_id): i for qid, cands in order.items() for i, c in enumerate(cands)}
    run = ordered_run(candidates, lambda c: -position[c.query_id, c.doc_id])
    stats.wall_s = time.perf_counter() - start
    return RerankResult(runs={PRIMARY: run}, outputs=outputs, stats=stats)
