"""Turning a listwise answer into a full permutation, and counting what had to be fixed.

One repair rule for every listwise reranker and for the runner's own check of third-party
answers: RankGPT's `receive_permutation` (duplicates and unknown ids dropped, missing positions
appended in window order). `RepairStats` is both one window's repair (carried on
`Permutation`) and the sum over many windows (carried on `RerankStats`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields


@dataclass
class RepairStats:
    windows: int = 0
    repaired: int = 0  # windows whose answer was not already a full permutation
    no_answer: int = 0  # windows with no answer at all (input order kept)
    duplicates: int = 0  # ids repeated (later copies dropped)
    unknown: int = 0  # ids outside the window (dropped)
    missing: int = 0  # positions left out (appended in window order)
    forced: int = 0  # answers forced after the reasoning budget ran out (`rerank.reasoning`)

    def add(self, other: RepairStats) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def to_json(self) -> dict:
        return asdict(self)


def repair(positions: Sequence[object], n: int) -> tuple[list[int], RepairStats]:
    """0-based positions as answered -> a full permutation of range(n), and what was fixed."""
    order: list[int] = []
    seen: set[int] = set()
    duplicates = unknown = 0
    for p in positions:
        if not isinstance(p, int) or isinstance(p, bool) or not 0 <= p < n:
            unknown += 1
        elif p in seen:
            duplicates += 1
        else:
            seen.add(p)
            order.append(p)
    missing = [p for p in range(n) if p not in seen]
    fixed = bool(duplicates or unknown or missing)
    return order + missing, RepairStats(1, int(fixed), 0, duplicates, unknown, len(missing))


def repair_ids(ids: Sequence[int], n: int) -> tuple[list[int], RepairStats]:
    """1-based ids, as the model writes them."""
    return repair([i - 1 if type(i) is int else None for i in ids], n)


def no_answer(n: int) -> tuple[list[int], RepairStats]:
    """No answer could be found: the window keeps its input order, counted as such."""
    return list(range(n)), RepairStats(1, 1, 1, 0, 0, n)
