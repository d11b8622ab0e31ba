"""Rows grouped by first stage: a reranker is only comparable with rows that rerank the same
candidates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bright_eval.results import HEADLINE, MEASURED, SystemRecord


@dataclass
class Group:
    id: str
    label: str
    systems: list[SystemRecord]

    @property
    def baseline(self) -> SystemRecord | None:
        """The measured first-stage row that the group's measured rerankers are tested against."""
        firsts = [s for s in self.systems if not s.is_reranked and s.source == MEASURED]
        return firsts[0] if firsts else None


def _row_key(system: SystemRecord):
    avg = system.average(HEADLINE)
    return (
        system.is_reranked,
        system.source != MEASURED,
        -(avg if avg is not None else -1.0),
        system.name,
    )


def groups(systems: Sequence[SystemRecord]) -> list[Group]:
    by_id: dict[str, list[SystemRecord]] = {}
    for s in systems:
        by_id.setdefault(s.first_stage.id, []).append(s)
    out = []
    for fs_id, members in by_id.items():
        members = sorted(members, key=_row_key)
        out.append(Group(fs_id, members[0].first_stage.label, members))
    # Groups with measured rows first: they are what this project adds to the published ones.
    return sorted(
        out, key=lambda g: (all(s.source != MEASURED for s in g.systems), g.label.lower(), g.id)
    )


def has_own_table(group: Group) -> bool:
    """A group is worth a table when it compares something: a measured row or a reranker, with
    at least one other row over the same first stage. A row alone (a retriever whose published
    run was re-scored, say) compares nothing: it joins the table of the rest."""
    measured = any(s.source == MEASURED for s in group.systems)
    reranked = any(s.is_reranked for s in group.systems)
    return (measured or reranked) and len(group.systems) > 1
