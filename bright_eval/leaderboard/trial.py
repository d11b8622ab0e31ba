"""Rows that are not comparable with BRIGHT's numbers (smoke runs, runs on data not verified as
the pinned revision) are left out of the committed tables; where `--include-smoke` lets them
in, their label carries a mark and the main table explains it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bright_eval.results import SystemRecord

TRIAL_MARK = "‡"
TRIAL_NOTE = (
    f"{TRIAL_MARK}: smoke/test data: a smoke run (fewer queries, a shortened generation) or a run "
    "on data not verified as the pinned BRIGHT revision (e.g. a test snapshot); shown by "
    "`--include-smoke`, not comparable with the other rows."
)


def marked(systems: Sequence[SystemRecord]) -> list[SystemRecord]:
    return [replace(s, label=f"{s.label} {TRIAL_MARK}") if s.trial else s for s in systems]
