"""Everything the leaderboard files are made of, computed once from the records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bright_eval.leaderboard.chart import chart_fingerprint, chart_rows
from bright_eval.leaderboard.citations import citation_numbers
from bright_eval.leaderboard.gains import gains_of
from bright_eval.leaderboard.grouping import groups
from bright_eval.leaderboard.official import OFFICIAL, OfficialBoard, render_official
from bright_eval.leaderboard.render import (
    render_efficiency,
    render_gains,
    render_long,
    render_main,
)
from bright_eval.leaderboard.summary import summary_block
from bright_eval.leaderboard.trial import marked
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


def build(systems: Sequence[SystemRecord], official: OfficialBoard | None = None) -> Leaderboard:
    """`official` (from `load_official(results_dir)`) adds official.md and the README's board
    lines; without it they are left out. Smoke runs and runs on unverified data, when given,
    are marked."""
    grouped = groups(marked(systems))
    ordered = [s for g in grouped for s in g.systems]
    numbers = citation_numbers(ordered)
    gains: dict[str, dict[str, Gain]] = {}
    for g in grouped:
        gains.update(gains_of(g))
    rows = chart_rows(grouped)
    sha = chart_fingerprint(rows) if rows else None
    main = render_main(grouped, numbers, gains, sha)
    summary = summary_block(grouped, numbers, official)
    readme = "\n".join(summary).rstrip("\n")
    markdown = {
        MAIN: main,
        LONG: render_long(grouped, numbers),
        EFFICIENCY: render_efficiency(grouped),
        GAINS: render_gains(grouped, gains),
    }
    if official is not None:
        markdown[OFFICIAL] = render_official(official, ordered)
    return Leaderboard(
        markdown=markdown,
        readme_block=readme,
        chart_rows=rows,
        chart_sha=sha,
    )
