"""The markdown tables of `../shared/spec/reported-numbers.md`, read by their header names.

Every table of that file is a GitHub-markdown table under a `### KEY. title` (or `## n.`)
heading, with a `Source: ...` line and often a `Notes: ...` line above it. A row is returned as
{header: cell}, so a value is always looked up by its column's name, never by its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HEADING = re.compile(r"^(#{2,4})\s+(.*)$")
KEY = re.compile(r"^([A-Z][A-Z0-9]*|\d+(?:\.\d+)*)\.?\s+(.*)$")


@dataclass
class SpecTable:
    key: str  # "RR1", "L1", "1.3", ...
    title: str
    source: str = ""  # the "Source: ..." line, without the prefix
    notes: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse(text: str) -> dict[str, SpecTable]:
    """Tables by key; a heading with two tables (none here) would keep the first."""
    tables: dict[str, SpecTable] = {}
    current: SpecTable | None = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = HEADING.match(line)
        if heading:
            key = KEY.match(heading.group(2))
            current = SpecTable(key.group(1), key.group(2)) if key else None
            i += 1
            continue
        if current is not None and line.startswith("Source:"):
            current.source = line.removeprefix("Source:").strip()
        elif current is not None and line.startswith("Notes:"):
            current.notes = line.removeprefix("Notes:").strip()
        elif current is not None and line.startswith("|") and not current.headers:
            current.headers = cells(line)
            i += 2  # the |---| line
            while i < len(lines) and lines[i].startswith("|"):
                row = cells(lines[i])
                if len(row) != len(current.headers):
                    raise ValueError(f"table {current.key}: row {i + 1} has {len(row)} cells")
                current.rows.append(dict(zip(current.headers, row, strict=True)))
                i += 1
            tables.setdefault(current.key, current)
            continue
        i += 1
    return tables


def read(path: str | Path) -> dict[str, SpecTable]:
    return parse(Path(path).read_text(encoding="utf-8"))


def number(cell: str) -> float | None:
    """A printed number; None for an empty cell. Bold markers are dropped."""
    cell = cell.replace("*", "").strip()
    return float(cell) if cell else None


def decimals(cell: str) -> int:
    cell = cell.replace("*", "").strip()
    return len(cell.split(".")[1]) if "." in cell else 0
