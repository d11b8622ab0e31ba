"""A record's run files as TREC runs, checked against the sha256 the record kept."""

from __future__ import annotations

import os
from pathlib import Path

from bright_eval import provenance
from bright_eval.results import ResultsError, SystemRecord
from bright_eval.results.from_runs import repo_root
from bright_eval.runs import read_run, write_trec


def export_trec(
    system: SystemRecord, results_dir: str | os.PathLike, out: str | os.PathLike
) -> list[Path]:
    """`<domain>.trec` (`<domain>-long.trec` for long documents) per run file of the record,
    tagged with the system's name; a file whose bytes changed since it was recorded is refused."""
    if not system.runs:
        raise ResultsError(
            f"system {system.name!r} keeps no run files (a reported row, or a run too large to "
            "keep): there is no ranking to write as TREC"
        )
    root = repo_root(results_dir)
    # Every file checked before any is written: a refusal leaves no partial export.
    for f in system.runs:
        path = root / f.path
        if not path.is_file():
            raise ResultsError(f"system {system.name!r}: run file {path} does not exist")
        if provenance.sha256_file(path) != f.sha256:
            raise ResultsError(
                f"system {system.name!r}: run file {path} changed since it was recorded "
                f"(sha256 {f.sha256[:12]}... expected)"
            )
    written = []
    for f in system.runs:
        path = root / f.path
        name = f"{f.domain}-long.trec" if f.long_documents else f"{f.domain}.trec"
        written.append(write_trec(read_run(path), Path(out) / name, tag=system.name))
    return written
