"""Published run files re-scored here, beside the nDCG@10 their authors printed.

A measured record in results/<name>/ may carry an `audit.json`: where its run files were
fetched (repository, commit, path, licence, date) and what its source printed. A measured
value disagrees with a printed one when it does not round to it: further than half a unit in
the printed value's last place (0.005 for 43.49, 0.05 for 26.5).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from bright_eval.domains import DOMAIN_NAMES, get_domain
from bright_eval.results import HEADLINE, MEASURED, ResultsError, SystemRecord, load_systems
from bright_eval.results.store import system_dir

AUDIT_FILE = "audit.json"
# Float noise: 43.485 measured as 43.48499999 still rounds to the printed 43.49 or 43.48.
EPSILON = 1e-9


@dataclass
class Source:
    """Where the run files came from: `path` has {domain} in it, relative to the repository."""

    repository: str
    commit: str
    path: str
    licence: str
    fetched: str  # date the files were fetched, YYYY-MM-DD
    format: str = ""


@dataclass
class Published:
    """nDCG@10 x 100 as printed, per domain, and the printed average where there is one."""

    where: str  # publication, table and column
    decimals: int  # places the values were printed with
    ndcg10: dict[str, float]
    average: float | None = None
    via: str = ""  # where this project read them


@dataclass
class Audit:
    name: str
    label: str
    source: Source
    published: Published | None  # None: the run's source printed no number
    measured: dict[str, float]  # nDCG@10 x 100 per measured domain
    measured_average: float | None  # over all 12 domains, None when one is missing
    disagreements: dict[str, float] = field(default_factory=dict)  # domain: measured - printed
    not_measured: list[str] = field(default_factory=list)  # printed but no run file

    @property
    def agrees(self) -> bool:
        return not self.disagreements


def tolerance(decimals: int) -> float:
    """How far a measured value may be from a printed one and still round to it."""
    return 0.5 * 10.0**-decimals + EPSILON


def disagreements(
    measured: dict[str, float], printed: dict[str, float], decimals: int
) -> dict[str, float]:
    """measured - printed for each domain (and "average") that does not round to the printed."""
    out = {}
    for key, value in printed.items():
        if key in measured and abs(measured[key] - value) > tolerance(decimals):
            out[key] = measured[key] - value
    return out


def read_audit_file(path: Path) -> tuple[Source, Published | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        source = Source(**data["source"])
        published = Published(**data["published"]) if data.get("published") else None
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as err:
        raise ResultsError(
            f"{path}: not an audit file ({type(err).__name__}: {err}); expected "
            '{"source": {repository, commit, path, licence, fetched}, "published": {where, '
            "decimals, ndcg10}}"
        ) from err
    if published:
        for domain in published.ndcg10:
            get_domain(domain)
    return source, published


def audit(record: SystemRecord, source: Source, published: Published | None) -> Audit:
    measured = {d: m[HEADLINE] * 100 for d, m in record.metrics.items() if HEADLINE in m}
    avg = record.average()
    result = Audit(
        record.name,
        record.label,
        source,
        published,
        measured,
        None if avg is None else avg * 100,
    )
    if published is None:
        return result
    result.disagreements = disagreements(measured, published.ndcg10, published.decimals)
    if published.average is not None and result.measured_average is not None:
        result.disagreements |= disagreements(
            {"average": result.measured_average},
            {"average": published.average},
            published.decimals,
        )
    result.not_measured = [d for d in DOMAIN_NAMES if d in published.ndcg10 and d not in measured]
    return result


def load_audits(results_dir: str | os.PathLike = "results") -> list[Audit]:
    """Every measured record of `results_dir` that has an audit file, by name."""
    out = []
    for record in load_systems(results_dir):
        path = system_dir(results_dir, record.name) / AUDIT_FILE
        if record.source == MEASURED and path.is_file():
            out.append(audit(record, *read_audit_file(path)))
    return sorted(out, key=lambda a: a.name)


def verdict(a: Audit) -> str:
    if a.published is None:
        return "no published number"
    shown = [f"{d} {v:+.3f}" for d, v in a.disagreements.items()]
    text = f"DISAGREES: {', '.join(shown)}" if shown else "agrees"
    compared = len([d for d in a.published.ndcg10 if d in a.measured])
    text += f" (compared on {compared} of 12 domains, ±{0.5 * 10.0**-a.published.decimals:g})"
    if a.not_measured:
        text += f"; printed but no run file: {', '.join(a.not_measured)}"
    return text


def _number(value: float | None, decimals: int = 2) -> str:
    return "–" if value is None else f"{value:.{decimals}f}"


def render(audits: list[Audit], detail: bool = False) -> str:
    lines = [
        "| System | Run files | Licence | Printed in | Measured avg. | Printed avg. | Verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in audits:
        src = a.source
        printed = a.published
        lines.append(
            f"| {a.name} | {src.repository}@{src.commit[:7]} `{src.path}` (fetched {src.fetched}) "
            f"| {src.licence} | {printed.where if printed else '–'} "
            f"| {_number(a.measured_average)} | {_number(printed.average if printed else None)} "
            f"| {verdict(a)} |"
        )
    if detail:
        for a in audits:
            lines += ["", f"{a.name}: domain, measured, printed"]
            printed = a.published.ndcg10 if a.published else {}
            places = a.published.decimals if a.published else 2
            for d in DOMAIN_NAMES:
                if d in a.measured or d in printed:
                    flag = "  <- disagrees" if d in a.disagreements else ""
                    mine, theirs = (
                        _number(a.measured.get(d), places),
                        _number(printed.get(d), places),
                    )
                    lines.append(f"  {d}: {mine} {theirs}{flag}")
    return "\n".join(lines)
