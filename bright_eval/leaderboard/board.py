"""Everything the leaderboard files are made of, computed once from the records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bright_eval.leaderboard.chart import chart_fingerprint, chart_rows
from bright_eval.leaderboard.citations import citation_numbers, citations_block
from bright_eval.leaderboard.gains import SIGNIFICANCE_NOTE, gains_of
from bright_eval.leaderboard.grouping import groups
from bright_eval.leaderboard.render import (
    main_tables,
    render_efficiency,
    render_gains,
    render_long,
    render_main,
)
from bright_eval.results import SystemRecord
from bright_eval.significance import Gain

MAIN = "main.md"
LONG = "long.md"
EFFICIENCY = "efficiency.md"
GAINS = "gains.md"
MARKDOWN_FILES = (MAIN, LONG, EFFICIENCY, GAINS)


@dataclass
class Leaderboard:
    markdown: dict[str, str]  # file name -> content
    readme_block: str
    chart_rows: list[tuple[str, str, list[float]]]
    chart_sha: str | None


def build(systems: Sequence[SystemRecord]) -> Leaderboard:
    grouped = groups(systems)
    ordered = [s for g in grouped for s in g.systems]
    numbers = citation_numbers(ordered)
    gains: dict[str, dict[str, Gain]] = {}
    for g in grouped:
        gains.update(gains_of(g))
    rows = chart_rows(grouped)
    sha = chart_fingerprint(rows) if rows else None
    main = render_main(grouped, numbers, gains, ordered, sha)
    readme = "\n".join(
        [
            *main_tables(grouped, numbers, gains, heading="####"),
            *([SIGNIFICANCE_NOTE, ""] if any(gains.values()) else []),
            *citations_block(ordered, numbers),
        ]
    ).rstrip("\n")
    return Leaderboard(
        markdown={
            MAIN: main,
            LONG: render_long(grouped, numbers, ordered),
            EFFICIENCY: render_efficiency(grouped),
            GAINS: render_gains(grouped, gains),
        },
        readme_block=readme,
        chart_rows=rows,
        chart_sha=sha,
    )
