"""What a row shows and how each number reads: one fixed format per kind of value, so that the
same records give the same bytes on any machine."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from bright_eval.domains import CODING, DOMAINS, GROUPS, STACKEXCHANGE, THEOREM
from bright_eval.evaluation import DECIMALS
from bright_eval.results import HEADLINE, SystemRecord

MISSING = "–"

SHORT_NAMES = {
    "biology": "Bio.",
    "earth_science": "Earth.",
    "economics": "Econ.",
    "psychology": "Psy.",
    "robotics": "Rob.",
    "stackoverflow": "Stack.",
    "sustainable_living": "Sus.",
    "leetcode": "Leet.",
    "pony": "Pony",
    "aops": "AoPS",
    "theoremqa_theorems": "TheoT.",
    "theoremqa_questions": "TheoQ.",
}
GROUP_NAMES = {STACKEXCHANGE: "StackEx.", CODING: "Coding", THEOREM: "Theorem"}


def group_average(values: dict[str, float], group: str) -> float | None:
    members = [d.name for d in DOMAINS.values() if d.group == group]
    if not all(m in values for m in members):
        return None
    return round(sum(values[m] for m in members) / len(members), DECIMALS)


def headline_values(system: SystemRecord) -> dict[str, float | None]:
    """Domain, group and overall nDCG@10 (fractions) of one row; None where unknown."""
    per_domain = {d: m[HEADLINE] for d, m in system.metrics.items() if HEADLINE in m}
    row: dict[str, float | None] = {d: per_domain.get(d) for d in DOMAINS}
    for g in GROUPS:
        row[g] = group_average(per_domain, g)
    row["average"] = system.average(HEADLINE)
    return row


def fmt(value: float | None, scale: float = 100, decimals: int = 1, sign: bool = False) -> str:
    if value is None or pd.isna(value):
        return MISSING
    # Half up on the decimal value, as papers round: 0.3265 shows as 32.7, where binary
    # formatting of 32.65 (stored as 32.6499...) would give 32.6.
    exact = Decimal(repr(round(value * scale, 9))).quantize(
        Decimal(1).scaleb(-decimals), ROUND_HALF_UP
    )
    text = f"{exact:+.{decimals}f}" if sign else f"{exact:.{decimals}f}"
    return "0.0" if text in ("-0.0", "+0.0") else text


def fmt_count(value: float | None) -> str:
    if value is None:
        return MISSING
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.1f}{unit}"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def per_query_value(total: float | None, n: int | None) -> float | None:
    if total is None or not n:
        return None
    return total / n
