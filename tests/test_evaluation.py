import math

import pytest

from bright_eval.domains import DOMAINS
from bright_eval.evaluation import (
    METRIC_NAMES,
    EvaluationError,
    average,
    evaluate,
)
from bright_eval.runs import read_run
from tests.conftest import REASONIR_RUN
from tests.helpers import reference_metrics


@pytest.mark.parametrize("domain", ["biology", "stackoverflow", "aops", "theoremqa_questions"])
def test_every_metric_agrees_with_raw_pytrec_eval(bright, domain):
    run = read_run(REASONIR_RUN.format(domain=domain))
    excluded = bright.excluded_ids(domain)
    filtered = {
        q: {d: s for d, s in docs.items() if d not in excluded[q]} for q, docs in run.items()
    }
    ours = evaluate(run, bright.qrels(domain), excluded).metrics
    assert set(ours) == set(METRIC_NAMES) and len(METRIC_NAMES) == 25
    assert ours == reference_metrics(filtered, bright.qrels(domain))


def test_reasonir_run_reproduces_published_average(bright):
    # ReasonRank paper (Liu et al. 2025), Table 1: ReasonIR-8B with GPT-4 reasoning queries,
    # average nDCG@10 over the 12 domains = 30.59.
    per_domain = {}
    for domain in DOMAINS:
        run = read_run(REASONIR_RUN.format(domain=domain))
        result = evaluate(run, bright.qrels(domain), bright.excluded_ids(domain))
        assert result.missing_queries == []
        per_domain[domain] = result.metrics
    assert round(average(per_domain)["NDCG@10"] * 100, 2) == 30.59


def test_excluded_ids_are_removed_not_scored_as_irrelevant():
    qrels = {"q": {"gold": 1}}
    run = {"q": {"banned": 0.9, "gold": 0.8}}
    kept = evaluate(run, qrels).metrics
    removed = evaluate(run, qrels, {"q": frozenset({"banned"})}).metrics
    assert kept["NDCG@1"] == 0.0 and kept["MRR"] == 0.5
    assert removed["NDCG@1"] == 1.0 and removed["MRR"] == 1.0


def test_ties_are_broken_by_document_id_descending_like_trec_eval():
    qrels = {"q": {"a": 1}}
    result = evaluate({"q": {"a": 1.0, "b": 1.0}}, qrels).metrics
    assert result["MRR"] == 0.5  # "b" > "a", so "b" takes rank 1
    assert result["NDCG@1"] == 0.0


def test_run_is_cut_at_depth_1000():
    qrels = {"q": {"gold": 1}}
    run = {"q": {f"d{i:04d}": 2000.0 - i for i in range(1000)} | {"gold": 1.0}}
    assert evaluate(run, qrels).metrics["MRR"] == 0.0
    assert evaluate(run, qrels, depth=1001).metrics["MRR"] == round(1 / 1001, 5)


def test_missing_query_scores_zero_and_is_reported():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    result = evaluate({"q1": {"a": 1.0}}, qrels)
    assert result.missing_queries == ["q2"]
    assert result.metrics["NDCG@10"] == 0.5  # the reference would report 1.0 over one query
    assert result.per_query["q2"]["NDCG@10"] == 0.0


def test_query_whose_whole_ranking_is_excluded_counts_as_missing():
    result = evaluate({"q": {"x": 1.0}}, {"q": {"a": 1}}, {"q": frozenset({"x"})})
    assert result.missing_queries == ["q"] and result.metrics["MRR"] == 0.0


def test_hand_computed_ndcg():
    # Gold at ranks 2 and 3 of 3, two relevant: DCG = 1/log2(3) + 1/log2(4); IDCG = 1 + 1/log2(3).
    result = evaluate({"q": {"x": 3.0, "a": 2.0, "b": 1.0}}, {"q": {"a": 1, "b": 1}}).metrics
    expected = (1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3))
    assert result["NDCG@10"] == round(expected, 5)
    assert result["P@5"] == 0.4 and result["Recall@1"] == 0.0 and result["Recall@5"] == 1.0


def test_unknown_query_ids_are_an_error():
    with pytest.raises(
        EvaluationError, match="1 query id\\(s\\) that domain 'pony' does not have: zz"
    ):
        evaluate({"zz": {"a": 1.0}}, {"q": {"a": 1}}, domain="pony")


def test_average_is_plain_mean_of_rounded_domain_values():
    assert average({"a": {"NDCG@10": 0.1}, "b": {"NDCG@10": 0.2}, "c": {"NDCG@10": 0.4}}) == {
        "NDCG@10": round(0.7 / 3, 5)
    }


def test_a_query_without_judgements_is_left_out_as_trec_eval_does():
    qrels = {"a": {"x": 1}, "b": {}}
    run = {"a": {"x": 1.0}, "b": {"y": 1.0}}
    result = evaluate(run, qrels)
    # Raw pytrec_eval scores only "a" (NDCG@10 1.0), so the mean is 1.0, not 0.5.
    assert reference_metrics(run, qrels)["NDCG@10"] == 1.0
    assert result.metrics["NDCG@10"] == 1.0 and set(result.per_query) == {"a"}
