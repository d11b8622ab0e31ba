"""Re-evaluating a stored record from its run files, to show that its numbers still hold."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from bright_eval import pinned, provenance
from bright_eval.data import DATA_DIR_ENV, BrightData
from bright_eval.results.from_runs import repo_root, score_files
from bright_eval.results.schema import ResultsError, SystemRecord


@dataclass
class Check:
    """Outcome of re-evaluating one stored system."""

    name: str
    status: str  # "reproduced", "updated", "skipped"
    detail: str
    result: SystemRecord


def local_data(recorded: dict, root: Path, data_dir: str | None = None) -> BrightData | None:
    """The BRIGHT data a record was made with, when it is on this machine: an explicit folder
    or $BRIGHT_DATA_DIR, else the local folder the record names (relative to `root`, the folder
    holding `results/`). None otherwise; whether to fall back to the Hub is the caller's call."""
    explicit = data_dir or os.environ.get(DATA_DIR_ENV)
    if explicit:
        return BrightData.from_options(explicit)
    if recorded.get("source") == "local" and (root / recorded["path"]).is_dir():
        return BrightData.from_options(str(root / recorded["path"]))
    return None


def reevaluate(
    result: SystemRecord,
    results_dir: str | os.PathLike,
    data_dir: str | None = None,
    command: str | None = None,
) -> Check:
    """Score the record's run files again. Files that are gone, or data that is not here,
    leave the stored metrics in place (skipped); changed files are an error, because the
    record describes those exact bytes. `command`: the command line that asked (None: Python)."""
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
    # Never the Hub: the main job must stay offline.
    data = local_data(result.provenance.get("data", {}), root, data_dir)
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
        # The data now scored decides whether the row is BRIGHT's, not the data scored before.
        data_verified=pinned.is_pinned(data, sorted({f.domain for f in result.runs})),
        metrics=scores.metrics,
        metrics_long=scores.metrics_long,
        per_query=scores.per_query,
        provenance={
            **result.provenance,
            "reevaluated": provenance.capture(root, data, command=command),
        },
    )
    return Check(result.name, "updated", "metrics changed on re-evaluation", updated)
