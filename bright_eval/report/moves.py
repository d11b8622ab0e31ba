"""What moved: each gold document's ranks before and after, wins / ties / losses over queries,
and the points of a before/after scatter (plain dataclasses for the templates, as view.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class GoldMove:
    """Where one gold document was before reranking and after, by each system."""

    doc_id: str
    first_stage: int | None  # None: not among the candidates
    reranked: int | None
    other: int | None = None  # its rank in the compared system; None: none, or not ranked

    @property
    def moved(self) -> int:
        """Places gained over the first stage (positive: moved up); 0 when not a candidate."""
        if self.first_stage is None or self.reranked is None:
            return 0
        return self.first_stage - self.reranked


def gold_moves(places: Sequence[tuple]) -> list[GoldMove]:
    """`places`: (gold id, its view.DocView or None) pairs. Each gold id's first-stage and
    reranked ranks (and the compared system's), best reranked first; gold ids that were not
    candidates last, in id order."""
    moves = [
        GoldMove(
            g,
            d.first_stage_rank if d else None,
            d.rank if d else None,
            d.other.rank if d and d.other else None,
        )
        for g, d in places
    ]
    return sorted(moves, key=lambda m: (m.reranked is None, m.reranked or 0, m.doc_id))


@dataclass
class WinTieLoss:
    """Wins, ties and losses of one system over another, counted over queries."""

    wins: int
    ties: int
    losses: int


def win_tie_loss(gains) -> WinTieLoss:
    """Per-query gains as wins (> 0), ties (exactly 0: the same nDCG@10) and losses (< 0)."""
    gains = list(gains)
    return WinTieLoss(
        sum(g > 0 for g in gains), sum(g == 0 for g in gains), sum(g < 0 for g in gains)
    )


@dataclass
class Point:
    """One query of a before/after scatter, in the plot's own units (0 to SCATTER)."""

    qid: str
    file: str
    x: float  # first-stage nDCG@10
    y: float  # reranked nDCG@10 (the SVG's y axis points down: the template flips it)
    kind: str  # "up", "down" or "flat", as the gain macro colours a gain
    before: float
    after: float


SCATTER = 200  # the plot's side, in SVG units


def scatter(queries: Sequence) -> list[Point]:
    """Each query (a view.QueryView) at (first stage, reranked): above the diagonal the
    reranker helped."""
    return [
        Point(
            q.qid,
            q.file,
            round(q.ndcg_before * SCATTER, 2),
            round((1 - q.ndcg_after) * SCATTER, 2),
            "up" if q.gain > 0 else "down" if q.gain < 0 else "flat",
            q.ndcg_before,
            q.ndcg_after,
        )
        for q in sorted(queries, key=lambda q: q.qid)
    ]
