"""Evaluating run files into a `SystemResult`, and re-evaluating a stored one to check it."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

from bright_eval import provenance
from bright_eval.data import BrightData
from bright_eval.domains import Domain
from bright_eval.evaluation import evaluate
from bright_eval.results import (
    HEADLINE,
    MAX_KEPT_RUN_BYTES,
    MEASURED,
    RUN_DIR,
    Efficiency,
    FirstStage,
    Reranker,
    ResultsError,
    RunFile,
    SystemResult,
    system_dir,
)
from bright_eval.runs import Run, domain_path, read_run, write_trec


def repo_root(results_dir: str | os.PathLike) -> Path:
    """Paths in records are relative to the folder that holds `results/`."""
    return Path(results_dir).resolve().parent


@dataclass
class Scores:
    metrics: dict[str, dict[str, float]]
    metrics_long: dict[str, dict[str, float]]
    per_query: dict[str, dict[str, float]]


def score_files(data: BrightData, files: Sequence[RunFile], root: Path) -> Scores:
    """Evaluate recorded run files exactly as `evaluate` does; per-query nDCG@10 of the short
    setting is kept for significance tests."""
    scores = Scores({}, {}, {})
    for f in tqdm(files, desc="evaluating", unit="domain", disable=None, leave=False):
        run = read_run(root / f.path)
        ev = evaluate(
            run,
            data.qrels(f.domain, f.long_documents),
            data.excluded_ids(f.domain),
            domain=f.domain,
        )
        ev.warn_missing(f.domain)
        if f.long_documents:
            scores.metrics_long[f.domain] = ev.metrics
        else:
            scores.metrics[f.domain] = ev.metrics
            scores.per_query[f.domain] = {q: v[HEADLINE] for q, v in sorted(ev.per_query.items())}
    return scores


def run_files(
    template: str | None, domains: Sequence[Domain], root: Path, long_documents: bool = False
) -> list[RunFile]:
    if template is None:
        return []
    out = []
    for d in domains:
        path = domain_path(template, d.name)
        if not path.is_file():
            raise ResultsError(f"run file {path} does not exist")
        out.append(
            RunFile(
                d.name,
                provenance.relative_path(path, root),
                provenance.sha256_file(path),
                long_documents,
            )
        )
    return out


def record_runs(
    name: str,
    label: str,
    first_stage: FirstStage,
    data: BrightData,
    results_dir: str | os.PathLike,
    short_template: str | None,
    short_domains: Sequence[Domain],
    long_template: str | None = None,
    long_domains: Sequence[Domain] = (),
    reranker: Reranker | None = None,
    efficiency: Efficiency | None = None,
    notes: str = "",
) -> SystemResult:
    """A measured record of run files on disk (not saved; see `results.save_system`)."""
    root = repo_root(results_dir)
    files = run_files(short_template, short_domains, root) + run_files(
        long_template, long_domains, root, long_documents=True
    )
    if not files:
        raise ResultsError("nothing to evaluate: give a short- or long-document run")
    started = time.perf_counter()
    scores = score_files(data, files, root)
    return SystemResult(
        name=name,
        label=label,
        source=MEASURED,
        first_stage=first_stage,
        reranker=reranker,
        metrics=scores.metrics,
        metrics_long=scores.metrics_long,
        per_query=scores.per_query,
        runs=files,
        efficiency=efficiency or Efficiency(),
        provenance=provenance.capture(root, data, time.perf_counter() - started),
        notes=notes,
    )


def keep_runs(
    result: SystemResult,
    runs: dict[str, Run],
    results_dir: str | os.PathLike,
    max_bytes: int = MAX_KEPT_RUN_BYTES,
) -> bool:
    """Store a reranked run (short documents) beside its record when it compresses below
    `max_bytes` in all, and point `result.runs` at it; returns whether it was kept."""
    root = repo_root(results_dir)
    folder = system_dir(results_dir, result.name) / RUN_DIR
    written = [write_trec(run, folder / f"{d}.trec.gz", tag=result.name) for d, run in runs.items()]
    if sum(p.stat().st_size for p in written) > max_bytes:
        for p in written:
            p.unlink()
        return False
    result.runs = [
        RunFile(d, provenance.relative_path(p, root), provenance.sha256_file(p))
        for d, p in zip(runs, written, strict=True)
    ]
    return True


@dataclass
class Check:
    """Outcome of re-evaluating one stored system."""

    name: str
    status: str  # "reproduced", "updated", "skipped"
    detail: str
    result: SystemResult


def resolve_data(result: SystemResult, root: Path, data_dir: str | None) -> BrightData | None:
    """The data to re-evaluate with: an explicit folder or $BRIGHT_DATA_DIR, else the local
    folder the record names. Never the Hub: the main job must stay offline."""
    explicit = data_dir or os.environ.get("BRIGHT_DATA_DIR")
    if explicit:
        return BrightData.from_options(explicit)
    recorded = result.provenance.get("data", {})
    if recorded.get("source") == "local" and (root / recorded["path"]).is_dir():
        return BrightData.from_options(str(root / recorded["path"]))
    return None


def reevaluate(
    result: SystemResult, results_dir: str | os.PathLike, data_dir: str | None = None
) -> Check:
    """Score the record's run files again. Files that are gone, or data that is not here,
    leave the stored metrics in place (skipped); changed files are an error, because the
    record describes those exact bytes."""
    root = repo_root(results_dir)
    if not result.runs:
        return Check(result.name, "skipped", "no run files recorded", result)
    absent = [f.path for f in result.runs if not (root / f.path).is_file()]
    if absent:
        return Check(result.name, "skipped", f"run file {absent[0]} not found", result)
    for f in result.runs:
        if provenance.sha256_file(root / f.path) != f.sha256:
            raise ResultsError(
                f"{result.name}: run file {f.path} differs from the recorded sha256 {f.sha256}"
            )
    data = resolve_data(result, root, data_dir)
    if data is None:
        return Check(result.name, "skipped", "no local BRIGHT data (set BRIGHT_DATA_DIR)", result)
    scores = score_files(data, result.runs, root)
    same = (
        scores.metrics == result.metrics
        and scores.metrics_long == result.metrics_long
        and scores.per_query == result.per_query
    )
    if same:
        return Check(result.name, "reproduced", "metrics reproduced", result)
    updated = replace(
        result,
        metrics=scores.metrics,
        metrics_long=scores.metrics_long,
        per_query=scores.per_query,
        provenance={**result.provenance, "reevaluated": provenance.capture(root, data)},
    )
    return Check(result.name, "updated", "metrics changed on re-evaluation", updated)
