"""Reported rows are published numbers, so every table that shows one says where it is from."""

from __future__ import annotations

from collections.abc import Sequence

from bright_eval.results import REPORTED, SystemRecord


def citation_numbers(ordered: Sequence[SystemRecord]) -> dict[str, int]:
    """One number per distinct reference, in order of first appearance."""
    numbers: dict[str, int] = {}
    for s in ordered:
        if s.citation is not None and s.citation.reference not in numbers:
            numbers[s.citation.reference] = len(numbers) + 1
    return numbers


def source_cell(system: SystemRecord, numbers: dict[str, int]) -> str:
    if system.source == REPORTED and system.citation is not None:
        return f"reported [{numbers[system.citation.reference]}]"
    return system.source


def citations_block(
    systems: Sequence[SystemRecord],
    numbers: dict[str, int],
    header: str = "Reported rows are published numbers, not measured by this harness:",
) -> list[str]:
    """One `- [n] reference, where, url, via` line per reference that `systems` cite."""
    numbers = {r: n for r, n in numbers.items() if any(_cites(s, r) for s in systems)}
    if not numbers:
        return []
    seen: dict[str, SystemRecord] = {}
    wheres: dict[str, set[str]] = {}
    vias: dict[str, set[str]] = {}
    for s in systems:
        if s.citation is not None:
            seen.setdefault(s.citation.reference, s)
            wheres.setdefault(s.citation.reference, set()).add(s.citation.where)
            vias.setdefault(s.citation.reference, set()).add(s.citation.via)
    lines = [header, ""]
    for ref, n in sorted(numbers.items(), key=lambda item: item[1]):
        c = seen[ref].citation
        parts = [c.reference]
        parts += sorted(w for w in wheres[ref] if w)
        if c.url:
            parts.append(f"<{c.url}>")
        found = sorted(v for v in vias[ref] if v)
        if found:
            parts.append("via " + " and ".join(f"`{v}`" for v in found))
        lines.append(f"- [{n}] " + ", ".join(parts))
    return lines + [""]


def _cites(system: SystemRecord, reference: str) -> bool:
    return system.citation is not None and system.citation.reference == reference
