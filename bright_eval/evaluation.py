"""Scoring a run exactly as BRIGHT's reference code does (trec_eval semantics via ir-measures).

Reference: `calculate_retrieval_metrics` in xlang-ai/BRIGHT `retrievers.py`: pytrec_eval with
ndcg_cut, map_cut, recall and P at 1, 5, 10, 25, 50, 100, plus recip_rank; per-domain means
rounded to 5 decimals. Differences, on purpose and reported: a query in the qrels that the run
lacks scores 0 instead of silently shrinking the denominator.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import ir_measures
from ir_measures import AP, RR, P, R, nDCG

from bright_eval.errors import BrightEvalError

# prepare_run lives with runs (a first stage uses it too); imported here for its callers.
from bright_eval.runs import RUN_DEPTH, Run, prepare_run

log = logging.getLogger(__name__)

CUTOFFS = (1, 5, 10, 25, 50, 100)
DECIMALS = 5

# BRIGHT's result keys -> ir-measures measures (evaluated by pytrec_eval).
MEASURES: dict[str, object] = {}
for _k in CUTOFFS:
    MEASURES[f"NDCG@{_k}"] = nDCG @ _k
for _k in CUTOFFS:
    MEASURES[f"MAP@{_k}"] = AP @ _k
for _k in CUTOFFS:
    MEASURES[f"Recall@{_k}"] = R @ _k
for _k in CUTOFFS:
    MEASURES[f"P@{_k}"] = P @ _k
MEASURES["MRR"] = RR
METRIC_NAMES: tuple[str, ...] = tuple(MEASURES)
_NAME_OF = {str(m): name for name, m in MEASURES.items()}


class EvaluationError(BrightEvalError, ValueError):
    pass


@dataclass
class Evaluation:
    """Metrics of one run on one domain."""

    metrics: dict[str, float]  # mean over queries, rounded to 5 decimals
    per_query: dict[str, dict[str, float]]  # unrounded, every qrels query present
    missing_queries: list[str] = field(default_factory=list)  # in qrels, absent from the run

    @property
    def n_queries(self) -> int:
        return len(self.per_query)

    def warn_missing(self, domain: str) -> None:
        """Warn which queries scored 0 for want of a ranking (never hidden)."""
        if self.missing_queries:
            log.warning(
                f"{domain}: {len(self.missing_queries)} of {self.n_queries} queries have "
                f"no ranking in the run and score 0 (e.g. {self.missing_queries[0]})"
            )


def evaluate(
    run: Run,
    qrels: Mapping[str, Mapping[str, int]],
    excluded_ids: Mapping[str, frozenset[str] | set[str]] | None = None,
    depth: int = RUN_DEPTH,
    domain: str = "",
) -> Evaluation:
    unknown = sorted(set(run) - set(qrels))
    if unknown:
        where = f"domain {domain!r}" if domain else "the qrels"
        shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise EvaluationError(
            f"run has {len(unknown)} query id(s) that {where} does not have: {shown}"
        )
    prepared = prepare_run(run, excluded_ids, depth)
    # trec_eval leaves out a query with no relevance judgements at all, and so does the mean.
    judged = {qid: dict(rels) for qid, rels in qrels.items() if rels}
    zeros = {name: 0.0 for name in METRIC_NAMES}
    per_query: dict[str, dict[str, float]] = {qid: dict(zeros) for qid in judged}
    evaluator = ir_measures.pytrec_eval.evaluator(list(MEASURES.values()), judged)
    ranked_run = {q: docs for q, docs in prepared.items() if docs and q in judged}
    for m in evaluator.iter_calc(ranked_run):
        per_query[m.query_id][_NAME_OF[str(m.measure)]] = m.value
    missing = sorted(set(judged) - set(ranked_run))
    n = len(per_query)
    metrics = {
        name: round(sum(v[name] for v in per_query.values()) / n, DECIMALS) if n else 0.0
        for name in METRIC_NAMES
    }
    return Evaluation(metrics=metrics, per_query=per_query, missing_queries=missing)


def average(per_domain: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Plain mean over domains of the (already rounded) per-domain values, as BRIGHT reports."""
    if not per_domain:
        return {}
    names = list(next(iter(per_domain.values())))
    n = len(per_domain)
    return {k: round(sum(m[k] for m in per_domain.values()) / n, DECIMALS) for k in names}


@dataclass
class DomainResults:
    """Evaluations of one system over several domains."""

    evaluations: dict[str, Evaluation]

    @property
    def per_domain(self) -> dict[str, dict[str, float]]:
        return {d: e.metrics for d, e in self.evaluations.items()}

    @property
    def average(self) -> dict[str, float]:
        return average(self.per_domain)

    def to_json(self) -> dict:
        return {"domains": self.per_domain, "average": self.average}
