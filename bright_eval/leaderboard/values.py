"""What a row shows and how each number reads: one fixed format per kind of value, so that the
same records give the same bytes on any machine."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from bright_eval.domains import CODING, DOMAINS, GROUPS, STACKEXCHANGE, THEOREM
from bright_eval.evaluation import DECIMALS
from bright_eval.results import HEADLINE, SystemRecord

MISSING = "–"
OFF_MEAN = "*"  # after an average that is not the mean of the values shown beside it

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
    # Spelled out: most papers print TheoQ. before TheoT., this order is the reverse, so a
    # header that a reader could match by position is a trap.
    "theoremqa_theorems": "TheoremQA-T",
    "theoremqa_questions": "TheoremQA-Q",
}
THEOREM_ORDER_NOTE = (
    "TheoremQA-T (theorems) comes before TheoremQA-Q (questions) here, in BRIGHT's domain "
    "order; most papers print TheoQ. before TheoT., so compare those columns by name, never "
    "by position."
)
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
    exact = _exact(value, scale).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    text = f"{exact:+.{decimals}f}" if sign else f"{exact:.{decimals}f}"
    return "0.0" if text in ("-0.0", "+0.0") else text


def _exact(value: float, scale: float) -> Decimal:
    return Decimal(repr(round(value * scale, 9)))


def values_mean(values: list[float | None], scale: float = 100) -> Decimal | None:
    """The mean of the values as the record holds them (a source's two decimals stay two)."""
    if not values or any(v is None or pd.isna(v) for v in values):
        return None
    return sum(_exact(v, scale) for v in values) / len(values)


def off_mean(average: float | None, values: list[float | None], scale: float = 100) -> bool:
    """Whether a shown average is not the mean of the values shown beside it: more than half a
    unit of its last digit away, so that no rounding of that mean gives it. Such an average is
    the source's, shown as printed, and marked."""
    mean = values_mean(values, scale)
    text = fmt(average, scale)
    return mean is not None and text != MISSING and abs(mean - Decimal(text)) > Decimal("0.05")


def average_cell(average: float | None, values: list[float | None], scale: float = 100) -> str:
    return fmt(average, scale) + (OFF_MEAN if off_mean(average, values, scale) else "")


def mean_row(system: SystemRecord) -> tuple[str, float | None, list[float | None]]:
    """(label, average, the 12 domains' values): what `off_mean_note` checks a row by."""
    values = headline_values(system)
    return system.label, values["average"], [values[d] for d in DOMAINS]


def off_mean_note(rows: list[tuple[str, float | None, list[float | None]]], scale=100) -> list[str]:
    """The footnote under a table whose rows (label, average, values) have a marked average."""
    marked = [(label, a, v) for label, a, v in rows if off_mean(a, v, scale)]
    if not marked:
        return []
    each = "; ".join(
        f"{label}: shown {fmt(a, scale)}, mean of its {len(v)} values "
        f"{values_mean(v, scale).quantize(Decimal('0.01'), ROUND_HALF_UP)}"
        for label, a, v in marked
    )
    return [
        f"{OFF_MEAN}: the source's average, as printed, is not the mean of the per-domain values "
        "shown beside it: more than half a unit of its last digit away (a misprinted value or "
        f"average, or values rounded before they were printed): {each}.",
        "",
    ]


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
