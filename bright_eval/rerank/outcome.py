"""What a rerank produces, shared by the runner's families: the runs, the outputs, and the
counts (`RerankStats`) that a record keeps; and the one way every family turns a score into a
run with exact ties broken by first-stage rank.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace

from bright_eval.errors import BrightEvalError
from bright_eval.rerank.base import Candidate, Judgement, Permutation
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


def permutations_for(reranker, windows, cache, engine, batch_size: int, stats: RerankStats, bar):
    """Each window's permutation, from the cache or else the model (through `engine`, stored as
    each group comes back); None for none. Counts what was needed, cached and computed."""
    perms: list[Permutation | None] = [cache.get_permutation(w) for w in windows]
    missing = [i for i, p in enumerate(perms) if p is None]
    stats.items += len(windows)
    stats.cached += len(windows) - len(missing)
    bar.update(len(windows) - len(missing))
    todo = [windows[k] for k in missing]
    for group in engine.map(reranker, "permute", todo, batch_size):
        cache.put_permutations([todo[i] for i, _ in group], [p for _, p in group])
        for i, p in group:
            perms[missing[i]] = p
            stats.count_computed(p)
        bar.update(len(group))
    return perms


def use_window(stats: RerankStats, p: Permutation, n: int) -> tuple[list[int], bool, RepairStats]:
    """The full order a window's answer gives, whether it was repaired, and what was fixed:
    the reranker's own repair plus the runner's check of what it returned (a third-party
    reranker may hand back an invalid order), counted in `stats`."""
    full, checked = repair(p.order, n)
    repaired = p.repaired or bool(checked.repaired)
    fix = p.repair if p.repair.windows else checked
    stats.repairs.add(replace(fix, windows=1, repaired=int(repaired)))
    stats.parse_failures += repaired
    stats.count_used(p)
    stats.tally("repaired" if repaired else "valid")
    return full, repaired, fix
