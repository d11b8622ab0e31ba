"""Per-domain gains of measured rerankers over their group's measured first stage, and how a
table marks and explains the significant ones."""

from __future__ import annotations

from bright_eval.leaderboard.grouping import Group
from bright_eval.results import MEASURED
from bright_eval.significance import ALPHA, N_RESAMPLES, SEED, Gain, domain_gains

MARK = "†"
SIGNIFICANCE_NOTE = (
    f"{MARK}: the difference from the first stage of the same group is significant at "
    f"α = {ALPHA}: two-sided paired randomisation test over the domain's queries (per-query "
    f"nDCG@10; {N_RESAMPLES:,} sign flips, seed {SEED}, exact when there are fewer sign "
    "patterns), Holm-Bonferroni corrected over the domains of the row."
)


def gains_of(group: Group) -> dict[str, dict[str, Gain]]:
    """Per measured reranked row of the group: per-domain gains over the group's baseline."""
    base = group.baseline
    if base is None or not base.per_query:
        return {}
    return {
        s.name: domain_gains(s.per_query, base.per_query)
        for s in group.systems
        if s.is_reranked and s.source == MEASURED and s.per_query
    }
