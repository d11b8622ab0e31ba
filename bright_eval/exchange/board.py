"""A submission to the official BRIGHT board (brightbenchmark.github.io): the system's name,
method description and link, and its per-domain nDCG@10 x100 in the column order every
submission and paper uses (TheoQ. before TheoT.), with the average the board ranks by. The
board itself lists averages only; the per-domain table is what submitters show beside it."""

from __future__ import annotations

from bright_eval.domains import DOMAIN_NAMES, LONG_DOMAIN_NAMES
from bright_eval.leaderboard.values import SHORT_NAMES, fmt
from bright_eval.results import HEADLINE, LONG_HEADLINE, ResultsError, SystemRecord

# Bio. Earth. Econ. Psy. Rob. Stack. Sus. Leet. Pony AoPS TheoQ. TheoT.
BOARD_ORDER = (*DOMAIN_NAMES[:10], "theoremqa_questions", "theoremqa_theorems")
# The field's own headers: in the field's order they are what every submission prints (the
# leaderboard's TheoremQA-T/-Q spell them out only because its order is the reverse).
BOARD_NAMES = SHORT_NAMES | {"theoremqa_questions": "TheoQ.", "theoremqa_theorems": "TheoT."}
LONG_ORDER = LONG_DOMAIN_NAMES


def method_description(system: SystemRecord) -> str:
    text = system.first_stage.label
    if system.reranker is not None:
        text += f", reranked by {system.reranker.name}"
    return f"{text}. {system.notes}".strip() if system.notes else text


def _row(system: SystemRecord, order, table, metric: str) -> dict[str, str]:
    missing = [d for d in order if metric not in table.get(d, {})]
    if missing:
        raise ResultsError(
            f"system {system.name!r} has no {metric} for {', '.join(missing)}: the board "
            f"averages all {len(order)} domains"
        )
    row = {BOARD_NAMES[d]: fmt(table[d][metric]) for d in order}
    row["Avg."] = fmt(system.average(metric, long_documents=order is LONG_ORDER))
    return row


def submission(system: SystemRecord, link: str = "", description: str = "") -> dict:
    """The submission as data: name, method, link, and the table(s) as {column: "x100"}."""
    out = {
        "system": system.label,
        "method": description or method_description(system),
        "link": link,
        HEADLINE: _row(system, BOARD_ORDER, system.metrics, HEADLINE),
    }
    if system.metrics_long:
        out[f"{LONG_HEADLINE} (long documents)"] = _row(
            system, LONG_ORDER, system.metrics_long, LONG_HEADLINE
        )
    return out


def to_markdown(sub: dict) -> str:
    lines = [f"# {sub['system']}", "", f"Method: {sub['method']}", ""]
    lines += [f"Link: {sub['link'] or '(none given: pass --link)'}", ""]
    for title, row in sub.items():
        if not isinstance(row, dict):
            continue
        lines += [f"## {title}", "", "| " + " | ".join(row) + " |"]
        lines += ["|" + "---|" * len(row), "| " + " | ".join(row.values()) + " |", ""]
    return "\n".join(lines)
