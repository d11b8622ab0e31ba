"""What the site's tables show, as plain dataclasses built from the records with the leaderboard's
own grouping, formatting and significance marks, so that the site and `leaderboards/*.md` show
the same numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bright_eval.domains import DOMAINS, GROUPS, LONG_DOMAIN_NAMES
from bright_eval.leaderboard.citations import citation_numbers, source_cell
from bright_eval.leaderboard.gains import MARK, gains_of
from bright_eval.leaderboard.grouping import Group, groups, has_own_table
from bright_eval.leaderboard.official import OfficialBoard
from bright_eval.leaderboard.render import shows_short
from bright_eval.leaderboard.values import (
    GROUP_NAMES,
    MISSING,
    SHORT_NAMES,
    average_cell,
    fmt,
    headline_values,
)
from bright_eval.results import LONG_HEADLINE, MEASURED, SystemRecord

RETRIEVER, RERANKER, PIPELINE = "retriever", "reranker", "pipeline"
KINDS = (RETRIEVER, RERANKER, PIPELINE)
NOT_STATED = "not stated"
# Upper bounds (exclusive) of the model-size buckets, in parameters.
SIZES = ((1e9, "<1B"), (10e9, "1–10B"), (100e9, "10–100B"), (float("inf"), "≥100B"))
SIZE_NAMES = tuple(name for _, name in SIZES) + (NOT_STATED,)
# "8B", "0.6B", "671B", "335M" in a label ("ReasonIR-8B", "Retro* (32B)"); not "GPT-4".
SIZE_IN_LABEL = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?([BM])\b")


@dataclass
class Column:
    key: str
    title: str
    numeric: bool = True
    hint: str = ""


@dataclass
class Cell:
    key: str
    text: str  # exactly as the markdown boards print it
    value: float | str | None  # what sorting compares; None sorts last


@dataclass
class Row:
    name: str
    label: str
    kind: str
    size: str
    first_stage: str  # the group id (what the first-stage filter matches)
    first_stage_label: str
    source: str  # "measured" or "reported [n]", as the boards print it
    url: str  # where a reported number was published; "" for measured rows
    reference: str
    cells: list[Cell]
    measured: bool


@dataclass
class Board:
    id: str
    title: str
    columns: list[Column]
    rows: list[Row]
    group: str = "short"  # "short" (nDCG@10) or "long" (Recall@1)
    note: str = ""


@dataclass
class OfficialRow:
    cells: list[Cell]
    links: list[str]


@dataclass
class OfficialTable:
    id: str
    title: str
    columns: list[Column]
    rows: list[OfficialRow] = field(default_factory=list)


def row_type(system: SystemRecord) -> str:
    """Reranked rows are rerankers; a first stage whose record calls it a pipeline (query
    rewriting, fusion, agents) is one; every other first stage is a retriever."""
    if system.is_reranked:
        return RERANKER
    kind = system.first_stage.settings.get("kind", "")
    return PIPELINE if kind.startswith("pipeline") else RETRIEVER


def parameters_of(system: SystemRecord) -> float | None:
    """As the record states them, else the first size its label names (the reranker's for a
    reranked row); None when neither says."""
    if system.efficiency.parameters:
        return float(system.efficiency.parameters)
    match = SIZE_IN_LABEL.search(system.label)
    if match is None:
        return None
    return float(match.group(1)) * (1e9 if match.group(2) == "B" else 1e6)


def size_of(system: SystemRecord) -> str:
    n = parameters_of(system)
    if n is None:
        return NOT_STATED
    return next(name for bound, name in SIZES if n < bound)


def short_columns(first_stage_column: bool) -> list[Column]:
    cols = [Column("label", "System", False), Column("kind", "Kind", False)]
    cols.append(Column("size", "Size", False, "model parameters, bucketed"))
    if first_stage_column:
        cols.append(Column("first_stage", "First stage", False))
    cols.append(Column("source", "Source", False))
    cols += [Column(d, SHORT_NAMES[d], hint=d) for d in DOMAINS]
    cols += [Column(g, GROUP_NAMES[g], hint=f"mean of the {g} domains") for g in GROUPS]
    return cols + [Column("average", "Avg.", hint="over the 12 domains")]


def _row(s: SystemRecord, group: Group, numbers: dict[str, int], cells: list[Cell]) -> Row:
    c = s.citation
    text = [
        Cell("label", s.label, s.label.lower()),
        Cell("kind", row_type(s), row_type(s)),
        Cell("size", size_of(s), parameters_of(s)),
        Cell("first_stage", group.label, group.label.lower()),
        Cell("source", source_cell(s, numbers), s.source),
    ]
    return Row(
        name=s.name,
        label=s.label,
        kind=row_type(s),
        size=size_of(s),
        first_stage=group.id,
        first_stage_label=group.label,
        source=source_cell(s, numbers),
        url=c.url if c else "",
        reference=", ".join(p for p in (c.reference, c.where) if p) if c else "",
        cells=text + cells,
        measured=s.source == MEASURED,
    )


def short_cells(s: SystemRecord, marks) -> list[Cell]:
    values = headline_values(s)
    cells = []
    for d in DOMAINS:
        mark = MARK if marks and d in marks and marks[d].significant else ""
        cells.append(Cell(d, fmt(values[d]) + mark, values[d]))
    cells += [Cell(g, fmt(values[g]), values[g]) for g in GROUPS]
    # The average as the markdown prints it: `*` where it is not the mean of the domains.
    average = average_cell(values["average"], [values[d] for d in DOMAINS])
    return cells + [Cell("average", average, values["average"])]


def long_cells(s: SystemRecord) -> list[Cell]:
    values = {d: s.metrics_long.get(d, {}).get(LONG_HEADLINE) for d in LONG_DOMAIN_NAMES}
    cells = [Cell(d, fmt(v), v) for d, v in values.items()]
    avg = s.average(LONG_HEADLINE, long_documents=True)
    return cells + [Cell("average", fmt(avg), avg)]


def boards(systems: Sequence[SystemRecord]) -> list[Board]:
    """The tables of `main.md` (one per first stage that compares something, then the rest,
    each over its own first stage) and of `long.md`, in their order."""
    grouped = groups(systems)
    numbers = citation_numbers([s for g in grouped for s in g.systems])
    out, rest = [], []
    for group in grouped:
        shown = [s for s in group.systems if shows_short(s)]
        if not shown:
            continue
        if not has_own_table(group):
            rest += [(s, group) for s in shown]
            continue
        gains = gains_of(group)
        rows = [_row(s, group, numbers, short_cells(s, gains.get(s.name))) for s in shown]
        title = f"First stage: {group.label}"
        out.append(Board(f"fs-{len(out) + 1}", title, short_columns(False), rows))
    if rest:
        rest.sort(key=lambda sg: (-(sg[0].average() or -1.0), sg[0].name))
        rows = [_row(s, g, numbers, short_cells(s, None)) for s, g in rest]
        title = "Each over its own first stage: retrievers alone and whole pipelines"
        out.append(Board("own", title, short_columns(True), rows))
    by_group = {s.name: g for g in grouped for s in g.systems}
    long = [s for g in grouped for s in g.systems if s.metrics_long]
    long.sort(key=lambda s: (-(s.average(LONG_HEADLINE, long_documents=True) or -1.0), s.name))
    if long:
        cols = short_columns(True)[:5]
        cols += [Column(d, SHORT_NAMES[d], hint=d) for d in LONG_DOMAIN_NAMES]
        cols.append(Column("average", "Avg.", hint="over the 8 domains"))
        rows = [_row(s, by_group[s.name], numbers, long_cells(s)) for s in long]
        out.append(Board("long", "Long documents: Recall@1", cols, rows, group="long"))
    return out


def first_stages(all_boards: Sequence[Board]) -> list[tuple[str, str]]:
    """(group id, label) of every first stage shown, in board order, for the filter."""
    seen: dict[str, str] = {}
    for b in all_boards:
        for r in b.rows:
            seen.setdefault(r.first_stage, r.first_stage_label)
    return sorted(seen.items(), key=lambda item: (item[1].lower(), item[0]))


def official_tables(board: OfficialBoard) -> list[OfficialTable]:
    def table(id_: str, title: str, entries, domains, with_type: bool) -> OfficialTable:
        cols = [Column("rank", "#"), Column("system", "System", False)]
        cols += [Column("organisation", "Organisation", False), Column("date", "Date", False)]
        if with_type:
            cols.append(Column("type", "Type", False))
        cols.append(Column("average", "Avg.", hint="the board's own average"))
        cols += [Column(d, SHORT_NAMES[d], hint=d) for d in domains]
        out = OfficialTable(id_, title, cols)
        for e in entries:
            cells = [
                Cell("rank", str(e.rank), e.rank),
                Cell("system", e.system, e.system.lower()),
                Cell("organisation", e.organisation or MISSING, (e.organisation or "").lower()),
                Cell("date", e.date, e.date),
            ]
            if with_type:
                cells.append(Cell("type", e.kind or MISSING, e.kind.lower()))
            # The board's values are x100 already: the boards' half-up rounding at scale 1.
            cells.append(Cell("average", fmt(e.average, scale=1), e.average))
            cells += [
                Cell(d, fmt(e.per_domain.get(d), scale=1), e.per_domain.get(d)) for d in domains
            ]
            out.rows.append(OfficialRow(cells, list(e.links)))
        return out

    n_short, n_long = len(board.short), len(board.long)
    return [
        table("official-short", f"Short documents: nDCG@10 ({n_short} entries)", board.short,
              DOMAINS, True),
        table("official-long", f"Long documents: Recall@1 ({n_long} entries)", board.long,
              LONG_DOMAIN_NAMES, False),
    ]  # fmt: skip
