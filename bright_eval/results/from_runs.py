"""Records from run files: evaluate them exactly as `evaluate` does, or keep a reranked run
beside its record."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from bright_eval import pinned, provenance
from bright_eval.data import BrightData
from bright_eval.domains import Domain
from bright_eval.evaluation import DomainResults, Evaluation, evaluate
from bright_eval.results.schema import (
    HEADLINE,
    MAX_KEPT_RUN_BYTES,
    MEASURED,
    RUN_DIR,
    Efficiency,
    FirstStage,
    RerankerRecord,
    ResultsError,
    RunFile,
    SystemRecord,
)
from bright_eval.results.store import system_dir
from bright_eval.runs import Run, domain_path, read_run, write_trec


def per_query_ndcg(evaluation: Evaluation) -> dict[str, float]:
    """nDCG@10 per query, the values significance tests pair up."""
    return {q: v[HEADLINE] for q, v in sorted(evaluation.per_query.items())}


def per_domain_ndcg(results: DomainResults) -> dict[str, dict[str, float]]:
    return {d: per_query_ndcg(ev) for d, ev in results.evaluations.items()}


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
            scores.per_query[f.domain] = per_query_ndcg(ev)
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
    reranker: RerankerRecord | None = None,
    efficiency: Efficiency | None = None,
    notes: str = "",
    command: str | None = None,
) -> SystemRecord:
    """A measured record of run files on disk (not saved; see `results.save_system`);
    `command` is the command line that asked for it (None: a call from Python)."""
    root = repo_root(results_dir)
    files = run_files(short_template, short_domains, root) + run_files(
        long_template, long_domains, root, long_documents=True
    )
    if not files:
        raise ResultsError("nothing to evaluate: give a short- or long-document run")
    started = time.perf_counter()
    scores = score_files(data, files, root)
    return SystemRecord(
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
        provenance=provenance.capture(root, data, time.perf_counter() - started, command),
        notes=notes,
        data_verified=pinned.is_pinned(data, [d.name for d in (*short_domains, *long_domains)]),
    )


def keep_runs(
    result: SystemRecord,
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
