"""`official.md`: the official BRIGHT leaderboard as committed in `results/official/board.json`,
with per-domain values where they were found and where each measured system would rank."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bright_eval.domains import DOMAINS, LONG_DOMAIN_NAMES
from bright_eval.leaderboard.markdown import table
from bright_eval.leaderboard.render import GENERATED
from bright_eval.leaderboard.values import (
    MISSING,
    SHORT_NAMES,
    THEOREM_ORDER_NOTE,
    average_cell,
    fmt,
    off_mean_note,
)
from bright_eval.results import HEADLINE, LONG_HEADLINE, MEASURED, ResultsError, SystemRecord

OFFICIAL = "official.md"
BOARD_FILE = Path("official") / "board.json"


@dataclass
class Entry:
    rank: int
    date: str
    system: str
    organisation: str
    links: list[str]
    average: float  # x100, as the board prints it
    per_domain: dict[str, float | None] = field(default_factory=dict)  # x100
    per_domain_source: str = ""
    reported_row: str = ""
    kind: str = ""


@dataclass
class OfficialBoard:
    source: dict
    value_sources: dict[str, dict]
    short: list[Entry]
    long: list[Entry]


def load_official(results_dir: str | os.PathLike) -> OfficialBoard | None:
    path = Path(results_dir) / BOARD_FILE
    if not path.is_file():
        return None
    keep = {f for f in Entry.__dataclass_fields__}

    def entries(rows: list[dict]) -> list[Entry]:
        return [Entry(**{k: v for k, v in r.items() if k in keep}) for r in rows]

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return OfficialBoard(
            data["source"], data["value_sources"], entries(data["short"]), entries(data["long"])
        )
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise ResultsError(
            f"{path}: not an official board ({type(err).__name__}: {err}); regenerate it with "
            "`python tools/import_reported.py`"
        ) from err


def would_rank(average: float, entries: Sequence[Entry]) -> int:
    """1 + the entries with a strictly higher average; the board prints one decimal, so the
    measured average is compared at one decimal too (a tie shares the rank)."""
    shown = float(fmt(average, scale=1))
    return 1 + sum(1 for e in entries if e.average > shown)


def _cell(value: float | None) -> str:
    # The same half-up rounding as every other table: 59.55 shows as 59.6 here and in long.md.
    return fmt(value, scale=1)


def _average(entry: Entry, domains) -> str:
    if not entry.per_domain:
        return _cell(entry.average)
    return average_cell(entry.average, [entry.per_domain.get(d) for d in domains], scale=1)


def _off_mean(entries: Sequence[Entry], domains) -> list[str]:
    rows = [
        (e.system, e.average, [e.per_domain.get(d) for d in domains])
        for e in entries
        if e.per_domain
    ]
    return off_mean_note(rows, scale=1)


def _link(entry: Entry) -> str:
    return " ".join(f"[{i + 1}]({u})" for i, u in enumerate(entry.links)) or MISSING


def _values_from(entry: Entry) -> str:
    # The spec names a section ("MIRA", "DIV / DIVR", "INF-X results.json ...").
    key = entry.per_domain_source.split(" ")[0].replace("-", "") if entry.per_domain_source else ""
    return f"{key} (`{entry.reported_row}`)" if entry.reported_row else key or MISSING


def _placements(systems, entries, metric, long_documents) -> list[list[str]]:
    rows = []
    for s in systems:
        if s.source != MEASURED:
            continue
        avg = s.average(metric, long_documents=long_documents)
        if avg is None:
            continue
        rank = would_rank(avg * 100, entries)
        above = entries[rank - 2].system if rank > 1 else MISSING
        below = entries[rank - 1].system if rank - 1 < len(entries) else MISSING
        rows.append([s.label, s.first_stage.label, fmt(avg), str(rank), above, below])
    return rows


def render_official(board: OfficialBoard, systems: Sequence[SystemRecord]) -> str:
    src = board.source
    with_values = sum(1 for e in board.short if e.per_domain)
    long_values = sum(1 for e in board.long if e.per_domain)
    lines = [
        "# The official BRIGHT leaderboard",
        "",
        GENERATED,
        "",
        f"All {len(board.short)} short-document and {len(board.long)} long-document entries of "
        f"<https://brightbenchmark.github.io/> as committed in `{src['repository']}` at "
        f"`{src['commit']}` ({src['files']}), read via `{src['via']}` into "
        f"`results/{BOARD_FILE.as_posix()}`. The board prints one average per entry; per-domain "
        f"values come from the entry's own or a third party's tables where they were found "
        f"({with_values} of {len(board.short)} short, {long_values} of {len(board.long)} long), "
        "named in *Values from* (section of the spec, and the reported row of `results/` that "
        "holds them with its citation).",
        "",
        "## Where the systems measured here would rank",
        "",
        "Caveat: an entry of the board is a whole system, first stage included, and the first "
        "stages differ (query rewriting, hybrids, ensembles); a measured reranker is only "
        "comparable with rows over the same first stage, in `main.md`.",
        "",
    ]

    def headers(entries):
        # Ranked among the board's entries and itself: "of 112" here and in the README alike.
        return [
            "Measured system",
            "First stage",
            "Avg.",
            f"Would rank (of {len(entries) + 1})",
            "Next higher entry",
            "Next lower entry",
        ]

    placed = _placements(systems, board.short, HEADLINE, False)
    lines += [
        f"Short documents, nDCG@10 ({len(board.short)} entries):",
        "",
        table(placed, headers(board.short), text_after=2)
        if placed
        else "No measured system in `results/` yet.",
        "",
    ]
    placed = _placements(systems, board.long, LONG_HEADLINE, True)
    lines += [
        f"Long documents, Recall@1 ({len(board.long)} entries):",
        "",
        table(placed, headers(board.long), text_after=2)
        if placed
        else "No measured long-document system in `results/`.",
        "",
        f"## Short documents: average nDCG@10 x 100 over 12 domains ({len(board.short)} entries)",
        "",
    ]
    headers = ["#", "System", "Organisation", "Date", "Type", "Avg."]
    headers += [SHORT_NAMES[d] for d in DOMAINS] + ["Values from", "Link"]
    rows = [
        [str(e.rank), e.system, e.organisation or MISSING, e.date, e.kind, _average(e, DOMAINS)]
        + [_cell(e.per_domain.get(d)) for d in DOMAINS]
        + [_values_from(e), _link(e)]
        for e in board.short
    ]
    lines += [THEOREM_ORDER_NOTE, "", table(rows, headers, left=5, text_after=2), ""]
    lines += _off_mean(board.short, DOMAINS)
    lines += [
        f"## Long documents: average Recall@1 x 100 over 8 domains ({len(board.long)} entries)",
        "",
    ]
    headers = ["#", "System", "Organisation", "Date", "Avg."]
    headers += [SHORT_NAMES[d] for d in LONG_DOMAIN_NAMES] + ["Values from", "Link"]
    rows = [
        [str(e.rank), e.system, e.organisation, e.date, _average(e, LONG_DOMAIN_NAMES)]
        + [_cell(e.per_domain.get(d)) for d in LONG_DOMAIN_NAMES]
        + [_values_from(e), _link(e)]
        for e in board.long
    ]
    lines += [table(rows, headers, left=4, text_after=2), ""]
    lines += _off_mean(board.long, LONG_DOMAIN_NAMES)
    lines += [
        "Sources of the per-domain values:",
        "",
    ]
    for key, ref in board.value_sources.items():
        parts = [ref["reference"]] + [p for p in (ref.get("where"), ref.get("url")) if p]
        lines.append(f"- {key}: " + ", ".join(parts))
    return "\n".join(lines).rstrip("\n") + "\n"
