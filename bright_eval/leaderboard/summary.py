"""The README's block: a short summary (the best row of each first stage, and where the measured
systems stand on the official board), with links to the full files."""

from __future__ import annotations

from bright_eval.leaderboard.citations import citations_block, source_cell
from bright_eval.leaderboard.grouping import Group, has_own_table
from bright_eval.leaderboard.markdown import table
from bright_eval.leaderboard.official import OfficialBoard, would_rank
from bright_eval.leaderboard.values import (
    MISSING,
    average_cell,
    fmt,
    mean_row,
    off_mean_note,
)
from bright_eval.results import HEADLINE, MEASURED


def _best(systems, reranked: bool):
    rows = [s for s in systems if s.is_reranked == reranked and s.average(HEADLINE) is not None]
    # A measured first stage is the group's baseline, so it is shown before a published one.
    if not reranked and any(s.source == MEASURED for s in rows):
        rows = [s for s in rows if s.source == MEASURED]
    return max(rows, key=lambda s: (s.average(HEADLINE), s.source == MEASURED), default=None)


def _average(system) -> str:
    return average_cell(*mean_row(system)[1:]) if system is not None else MISSING


def summary_block(grouped: list[Group], numbers, official: OfficialBoard | None) -> list[str]:
    headers = [
        "First stage",
        "First-stage row",
        "Best reranker",
        "Source",
        "Rows",
        "First-stage avg.",
        "Best reranker avg.",
    ]
    rows, cited = [], []
    for g in grouped:
        if not has_own_table(g):
            continue
        first, best = _best(g.systems, False), _best(g.systems, True)
        cited += [s for s in (first, best) if s is not None]
        rows.append(
            [
                g.label,
                f"{first.label} ({source_cell(first, numbers)})" if first else MISSING,
                best.label if best else MISSING,
                source_cell(best, numbers) if best else MISSING,
                str(len(g.systems)),
                _average(first),
                _average(best),
            ]
        )
    lines = [
        "nDCG@10 x 100: per first stage with rerankers to compare, its first-stage row (a "
        "measured one where there is one) and its best reranker, with both averages "
        "(all rows, per domain, with sources: [`leaderboards/main.md`](leaderboards/main.md)):",
        "",
        table(rows, headers, left=4),
        "",
        *off_mean_note([mean_row(s) for s in cited]),
    ]
    if official is not None:
        top = official.short[0]
        lines.append(
            f"The official board ([`leaderboards/official.md`](leaderboards/official.md), "
            f"{len(official.short)} short-document and {len(official.long)} long-document "
            f"entries) is led by {top.system} at {fmt(top.average, scale=1)}."
        )
        for g in grouped:
            for s in g.systems:
                avg = s.average(HEADLINE)
                if s.source == MEASURED and avg is not None:
                    rank = would_rank(avg * 100, official.short)
                    lines.append(
                        f"Measured {s.label} ({g.label}, {fmt(avg)}) would rank "
                        f"#{rank} of {len(official.short) + 1} (first stages differ)."
                    )
        lines.append("")
    return lines + citations_block(cited, numbers)
