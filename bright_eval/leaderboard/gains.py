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


def significance_lines(systems, gains: dict[str, dict[str, Gain]]) -> list[str]:
    """Under every table with a reranked row: how a mark is decided, also before any row carries
    one, so that a table without marks reads as "tested, nothing significant" or "not testable"
    rather than as silence."""
    reranked = [s for s in systems if s.is_reranked]
    if not reranked:
        return []
    tested = [gains[s.name] for s in reranked if s.name in gains]
    n = sum(g.significant for per_domain in tested for g in per_domain.values())
    if n:
        tail = f"{n} cell{'s' if n > 1 else ''} of this table carr{'y' if n > 1 else 'ies'} one."
    elif tested:
        tail = "No cell of this table carries one."
    else:
        tail = (
            "No row of this table can carry one yet: only a measured reranked row over a measured "
            "first-stage row has the per-query scores the test needs."
        )
    return [f"{SIGNIFICANCE_NOTE} {tail}", ""]


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
