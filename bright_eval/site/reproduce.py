"""The reproduction matrix (as in Pyserini's two-click reproductions): for each measured row,
the command that made it, the scores that command should give, when the record was last
scored, and the report of what its reranker decided."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bright_eval.domains import DOMAINS
from bright_eval.leaderboard.values import MISSING, fmt, headline_values
from bright_eval.results import MEASURED, SystemRecord
from bright_eval.site.rows import Cell


@dataclass
class Reproduction:
    name: str
    label: str
    first_stage: str
    command: str
    expected: list[Cell]  # nDCG@10 per domain and the average, as the boards print them
    verified: str  # the date of the record's provenance: when this harness last scored it
    report: str = ""  # path of its report inside the site; "" when there is none
    no_report: str = ""  # why there is none


def reproductions(systems: Sequence[SystemRecord]) -> list[Reproduction]:
    out = []
    for s in sorted(systems, key=lambda s: (s.first_stage.label.lower(), s.is_reranked, s.name)):
        if s.source != MEASURED:
            continue
        values = headline_values(s)
        expected = [Cell(d, fmt(values[d]), values[d]) for d in DOMAINS]
        expected.append(Cell("average", fmt(values["average"]), values["average"]))
        out.append(
            Reproduction(
                name=s.name,
                label=s.label,
                first_stage=s.first_stage.label,
                command=s.provenance.get("command") or MISSING,
                expected=expected,
                # Re-evaluated from its run files, a record was last checked then, not made.
                verified=str(
                    (s.provenance.get("reevaluated") or s.provenance).get("date") or MISSING
                )[:10],  # fmt: skip
                no_report="" if s.is_reranked else "a first-stage row: nothing was reranked",
            )
        )
    return out
