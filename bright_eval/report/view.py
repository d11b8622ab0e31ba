"""What the pages show, as plain dataclasses: built from a record, its rankings and the corpus,
with no HTML in them (the templates do all markup and all escaping)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import bright_eval.report.moves as moves
from bright_eval.data import Query
from bright_eval.report.records import Judged, Window
from bright_eval.significance import Gain


@dataclass
class OtherView:
    """The compared system's view of one document."""

    rank: int | None  # None: not among its candidates
    label: int | None = None
    score: float | None = None
    how: str | None = None
    failed: bool = False
    explanation: str | None = None


@dataclass
class DocView:
    doc_id: str
    rank: int
    first_stage_rank: int
    gold: bool
    excluded: bool
    label: int | None = None
    score: float | None = None
    expected_label: float | None = None
    how: str | None = None
    failed: bool = False
    explanation: str | None = None
    text: str | None = None  # what is shown, cut at the report's limit
    text_chars: int | None = None  # the full length; None when the text is not available
    other: OtherView | None = None

    @property
    def moved(self) -> int:
        """Places gained over the first stage (positive: moved up)."""
        return self.first_stage_rank - self.rank


@dataclass
class Slot:
    doc_id: str
    gold: bool


@dataclass
class WindowView:
    step: int
    start: int
    inputs: list[Slot]
    outputs: list[Slot]
    repaired: bool
    raw: str | None
    repairs: str  # what was repaired, in words; "" when the record does not say


@dataclass
class DiffRow:
    """One rank of the side-by-side diff: each system's document there, and where the other
    system put that document; the first stage's document at that rank beside them."""

    rank: int
    mine: Slot | None
    mine_elsewhere: int | None
    theirs: Slot | None
    theirs_elsewhere: int | None
    first: Slot | None = None


@dataclass
class QueryView:
    domain: str
    qid: str
    file: str  # page name inside the domain folder
    text: str
    gold_ids: list[str]
    ndcg_before: float
    ndcg_after: float
    other_ndcg: float | None = None
    docs: list[DocView] = field(default_factory=list)
    windows: list[WindowView] = field(default_factory=list)
    diff: list[DiffRow] = field(default_factory=list)

    @property
    def gain(self) -> float:
        return self.ndcg_after - self.ndcg_before

    @property
    def gold_found(self) -> int:
        return sum(d.gold for d in self.docs)

    @property
    def gold_places(self) -> list[tuple[str, DocView | None]]:
        """Each gold id with its place in the reranked list (None: not a candidate)."""
        found = {d.doc_id: d for d in self.docs if d.gold}
        return [(g, found.get(g)) for g in self.gold_ids]

    @property
    def gold_moves(self) -> list[moves.GoldMove]:
        return moves.gold_moves(self.gold_places)

    @property
    def other_gain(self) -> float | None:
        return None if self.other_ndcg is None else self.other_ndcg - self.ndcg_after


@dataclass
class Count:
    kind: str
    n: int
    failure: bool


@dataclass
class LabelRow:
    label: str
    gold: int
    not_gold: int
    excluded: int


@dataclass
class DomainView:
    name: str
    queries: list[QueryView]  # worst loss first
    ndcg_before: float
    ndcg_after: float
    gain: Gain | None
    parse: list[Count]
    labels: list[LabelRow]
    other_ndcg: float | None = None
    other_gain: Gain | None = None

    @property
    def failures(self) -> int:
        return sum(c.n for c in self.parse if c.failure)

    @property
    def win_tie_loss(self) -> moves.WinTieLoss:
        """The reranker against the first stage, over the domain's queries."""
        return moves.win_tie_loss(q.gain for q in self.queries)

    @property
    def other_win_tie_loss(self) -> moves.WinTieLoss | None:
        """The compared system (B) against this one (A), over the queries both reranked."""
        gains = [q.other_gain for q in self.queries if q.other_gain is not None]
        return moves.win_tie_loss(gains) if gains else None

    @property
    def points(self) -> list[moves.Point]:
        return moves.scatter(self.queries)

    @property
    def items(self) -> int:
        return sum(c.n for c in self.parse)


def page_name(qid: str) -> str:
    """A file name for any query id; ids that need changing get a hash so two never collide."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", qid)
    if safe != qid:
        safe += "-" + hashlib.sha256(qid.encode()).hexdigest()[:8]
    return f"q-{safe}.html"


def cut(text: str | None, limit: int) -> str | None:
    return None if text is None else text[:limit]


def doc_views(
    order: list[str],
    first_stage: list[str],
    query: Query,
    long: bool,
    judged: dict[str, Judged],
    texts: dict[str, str] | None,
    doc_chars: int,
) -> list[DocView]:
    gold = set(query.gold(long))
    fs_rank = {d: i for i, d in enumerate(first_stage, 1)}
    views = []
    for rank, doc_id in enumerate(order, 1):
        j = judged.get(doc_id)
        text = None if texts is None else texts.get(doc_id)
        views.append(
            DocView(
                doc_id=doc_id,
                rank=rank,
                first_stage_rank=fs_rank[doc_id],
                gold=doc_id in gold,
                excluded=doc_id in query.excluded_ids,
                label=j.label if j else None,
                score=j.score if j else None,
                expected_label=j.scores.get("expected_label") if j else None,
                how=j.how if j else None,
                failed=bool(j and not j.parsed),
                explanation=j.raw if j else None,
                text=cut(text, doc_chars),
                text_chars=None if text is None else len(text),
            )
        )
    return views


def window_views(windows: list[Window], gold: set[str]) -> list[WindowView]:
    views = []
    for w in sorted(windows, key=lambda w: w.step):
        inputs = [Slot(d, d in gold) for d in w.doc_ids]
        outputs = [inputs[i] for i in w.order]
        views.append(
            WindowView(w.step, w.start, inputs, outputs, w.repaired, w.raw, repairs(w.repairs))
        )
    return views


def repairs(details: dict) -> str:
    """A listwise answer's repairs in words (the zoo's kinds, as RankGPT repairs them)."""
    if details.get("no_answer"):
        return "no ranking found in the answer: the input order was kept"
    kinds = [
        ("duplicates", "repeated id dropped", "repeated ids dropped"),
        ("unknown", "unknown id dropped", "unknown ids dropped"),
        ("missing", "missing id appended in input order", "missing ids appended in input order"),
    ]
    return ", ".join(
        f"{details[k]} {one if details[k] == 1 else many}"
        for k, one, many in kinds
        if details.get(k)
    )


def parse_counts(outputs: list) -> list[Count]:
    """How each output was read: parse kinds (pointwise), valid or repaired windows (listwise)."""
    counts: dict[str, list] = {}
    for o in outputs:
        if isinstance(o, Window):
            kind, failed = ("repaired" if o.repaired else "valid"), o.repaired
        else:
            kind, failed = o.how or ("parsed" if o.parsed else "failed"), not o.parsed
        entry = counts.setdefault(kind, [0, False])
        entry[0] += 1
        entry[1] = entry[1] or failed
    return [Count(k, n, f) for k, (n, f) in sorted(counts.items())]


def label_rows(judged: list[Judged], queries: dict[str, Query], long: bool) -> list[LabelRow]:
    """Labels against gold: how often each label went to a gold document and to the others.
    Empty when the reranker gives no labels (encoders: scores only)."""
    if not any(j.label is not None for j in judged):
        return []
    table: dict[str, LabelRow] = {}
    for j in judged:
        q = queries[j.query_id]
        name = "none" if j.label is None else str(j.label)
        row = table.setdefault(name, LabelRow(name, 0, 0, 0))
        if j.doc_id in q.excluded_ids:
            row.excluded += 1
        elif j.doc_id in q.gold(long):
            row.gold += 1
        else:
            row.not_gold += 1
    return [table[k] for k in sorted(table)]


def diff_rows(
    mine: list[str], theirs: list[str], gold: set[str], first: list[str] = ()
) -> list[DiffRow]:
    """`first`: the first stage's list, shown beside the two reranked ones down to their depth."""
    my_rank = {d: i for i, d in enumerate(mine, 1)}
    their_rank = {d: i for i, d in enumerate(theirs, 1)}
    rows = []
    for i in range(max(len(mine), len(theirs))):
        a = mine[i] if i < len(mine) else None
        b = theirs[i] if i < len(theirs) else None
        f = first[i] if i < len(first) else None
        rows.append(
            DiffRow(
                rank=i + 1,
                mine=None if a is None else Slot(a, a in gold),
                mine_elsewhere=None if a is None else their_rank.get(a),
                theirs=None if b is None else Slot(b, b in gold),
                theirs_elsewhere=None if b is None else my_rank.get(b),
                first=None if f is None else Slot(f, f in gold),
            )
        )
    return rows
