"""One run scored on two versions of BRIGHT's data (`evaluate --against-revision` or
`--against-data-dir`): per domain, the metric on each, their difference, and what changed in
the data itself (queries on each side, queries on both whose judgements differ)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

from bright_eval.domains import Domain
from bright_eval.evaluation import evaluate
from bright_eval.revisions import revision_name
from bright_eval.runs import Run
from bright_eval.tables import AVERAGE_ROW


@dataclass
class DomainChange:
    domain: str
    queries: tuple[int, int]
    judgements_changed: int  # queries on both sides whose qrels or excluded ids differ
    values: tuple[float, float]  # the metric on each side, a fraction

    @property
    def difference(self) -> float:
        return self.values[1] - self.values[0]

    def to_json(self) -> dict:
        return {
            "queries": list(self.queries),
            "judgements_changed": self.judgements_changed,
            "values": list(self.values),
            "difference": round(self.difference, 5),
        }


def data_label(data) -> str:
    """`v1`, `v1.1`, another revision's first 8 digits, or a local folder's name."""
    described = data.describe()
    revision = described.get("revision")
    if revision_name(revision):
        return revision_name(revision)
    if described.get("source") == "local":
        return Path(described["path"]).name
    return str(revision or described.get("source"))[:8]


def _judgements(data, domain: str, long_documents: bool) -> dict[str, tuple]:
    qrels = data.qrels(domain, long_documents)
    excluded = data.excluded_ids(domain)
    return {q: (sorted(qrels[q]), sorted(excluded.get(q, ()))) for q in qrels}


def _score(run: Run, data, domain: str, long_documents: bool, metric: str) -> float:
    qrels = data.qrels(domain, long_documents)
    run = {q: docs for q, docs in run.items() if q in qrels}
    return evaluate(run, qrels, data.excluded_ids(domain), domain=domain).metrics[metric]


def compare(
    runs: dict[str, Run],
    domains: Sequence[Domain],
    first,
    second,
    metric: str,
    long_documents: bool = False,
) -> list[DomainChange]:
    """`runs` ({domain: run}) scored on `first` and on `second`, each with its own qrels and
    excluded ids; a query one side lacks is left out of that side's score (a run made on one
    revision may hold queries the other dropped)."""
    changes = []
    for d in domains:
        sides = [_judgements(data, d.name, long_documents) for data in (first, second)]
        values = tuple(
            _score(runs[d.name], data, d.name, long_documents, metric) for data in (first, second)
        )
        changed = sum(1 for q in sides[0].keys() & sides[1].keys() if sides[0][q] != sides[1][q])
        changes.append(DomainChange(d.name, (len(sides[0]), len(sides[1])), changed, values))
    return changes


def format_changes(changes: Sequence[DomainChange], metric: str, labels: tuple[str, str]) -> str:
    a, b = labels
    rows = [
        [
            c.domain,
            *c.queries,
            c.judgements_changed,
            *(v * 100 for v in c.values),
            c.difference * 100,
        ]
        for c in changes
    ]
    n = len(changes)
    means = [sum(c.values[i] for c in changes) / n for i in (0, 1)]
    rows.append([AVERAGE_ROW, "", "", "", *(m * 100 for m in means), (means[1] - means[0]) * 100])
    headers = [
        "domain", f"queries {a}", f"queries {b}", "judgements changed",
        f"{metric} {a}", f"{metric} {b}", f"{b} - {a}",
    ]  # fmt: skip
    return tabulate(rows, headers=headers, floatfmt=".1f")
