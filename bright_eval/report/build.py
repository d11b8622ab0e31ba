"""From records on disk to the view model: per-query nDCG@10 before and after (recorded where
the record has it, else computed with the harness's own evaluation), the paired significance test
of the gain, and one view per domain and per query."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from bright_eval.data import excluded_from_queries, qrels_from_queries
from bright_eval.evaluation import evaluate
from bright_eval.report.corpus import Corpus, load_corpus
from bright_eval.report.rankings import Order, as_run, by_query, first_stage_order, reranked_order
from bright_eval.report.records import (
    LISTWISE,
    Record,
    ReportError,
    find_first_stage,
    load_record,
)
from bright_eval.report.view import (
    DomainView,
    OtherView,
    QueryView,
    diff_rows,
    doc_views,
    label_rows,
    page_name,
    parse_counts,
    window_views,
)
from bright_eval.results.from_runs import per_query_ndcg
from bright_eval.significance import domain_gains


@dataclass
class Ranked:
    """One system's lists and per-query nDCG@10 over the report's domains."""

    record: Record
    first_stage: dict[str, Order] = field(default_factory=dict)
    reranked: dict[str, Order] = field(default_factory=dict)
    ndcg: dict[str, dict[str, float]] = field(default_factory=dict)
    ndcg_source: str = ""


@dataclass
class Report:
    mine: Ranked
    other: Ranked | None
    corpus: Corpus
    before: dict[str, dict[str, float]]  # first stage per-query nDCG@10
    before_source: str
    doc_chars: int
    domains: list[DomainView] = field(default_factory=list)  # filled as pages are written


def rankings(record: Record) -> Ranked:
    ranked = Ranked(record)
    for domain in record.domains:
        ranked.first_stage[domain] = first_stage_order(record, domain)
        ranked.reranked[domain] = reranked_order(record, domain, ranked.first_stage[domain])
    return ranked


def ndcg_of(order: Order, corpus: Corpus, domain: str, long: bool) -> dict[str, float]:
    queries = [corpus.queries[domain][q] for q in order]
    qrels = qrels_from_queries(queries, long)
    ev = evaluate(as_run(order), qrels, excluded_from_queries(queries), domain=domain)
    return per_query_ndcg(ev)


def recorded_or_computed(
    recorded: dict[str, dict[str, float]], order: dict[str, Order], corpus: Corpus, long: bool
) -> tuple[dict[str, dict[str, float]], bool]:
    """Per-query nDCG@10 restricted to the reranked queries: the recorded values when they cover
    every one of them, else computed from the lists. Returns whether all came from the record."""
    out, all_recorded = {}, True
    for domain, lists in order.items():
        stored = recorded.get(domain, {})
        if set(lists) <= set(stored):
            out[domain] = {q: stored[q] for q in lists}
        else:
            out[domain] = ndcg_of(lists, corpus, domain, long)
            all_recorded = False
    return out, all_recorded


def score_system(ranked: Ranked, corpus: Corpus) -> None:
    r = ranked.record
    ranked.ndcg, recorded = recorded_or_computed(
        r.per_query, ranked.reranked, corpus, r.long_documents
    )
    ranked.ndcg_source = (
        f"{r.folder}/per_query.json"
        if recorded
        else "computed here from the reranked lists with bright_eval.evaluation"
    )


def prepare(
    system: str,
    compare: str | None = None,
    data_dir: str | None = None,
    domains: list[str] | None = None,
    doc_chars: int = 8000,
    with_documents: bool = True,
) -> Report:
    mine = rankings(load_record(system, domains))
    other = None
    if compare is not None:
        theirs = load_record(compare)
        if theirs.first_stage_id != mine.record.first_stage_id:
            raise ReportError(
                f"--compare {compare}: first stage {theirs.first_stage_id!r} differs from "
                f"{mine.record.first_stage_id!r}; only systems over the same candidates compare"
            )
        shared = [d for d in mine.record.domains if d in theirs.domains]
        if not shared:
            raise ReportError(f"--compare {compare}: no domain in common with {system}")
        theirs.outputs = {d: theirs.outputs[d] for d in shared}
        other = rankings(theirs)
    doc_ids = {
        d: {doc for ids in lists.values() for doc in ids} for d, lists in mine.first_stage.items()
    }
    corpus = load_corpus(mine.record, data_dir, doc_ids, with_documents)
    for domain, lists in mine.first_stage.items():
        unknown = sorted(set(lists) - set(corpus.queries[domain]))
        if unknown:
            raise ReportError(
                f"{domain}: query {unknown[0]!r} of the outputs is not in {corpus.source}; give "
                "--data-dir the BRIGHT data this record was made with"
            )
    score_system(mine, corpus)
    if other is not None:
        score_system(other, corpus)
    row = find_first_stage(mine.record)
    recorded = row.per_query if row is not None else {}
    before, from_row = recorded_or_computed(
        recorded, mine.first_stage, corpus, mine.record.long_documents
    )
    before_source = (
        f"{mine.record.folder.parent / row.name}/per_query.json (the first stage's own row)"
        if from_row and row is not None
        else "computed here from the first-stage ranks of the reranked candidates"
    )
    return Report(mine, other, corpus, before, before_source, doc_chars)


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def domain_views(report: Report) -> Iterator[DomainView]:
    """One domain at a time (a full run's texts and explanations are large)."""
    mine, other = report.mine, report.other
    gains = domain_gains(mine.ndcg, report.before)
    other_gains = {}
    if other is not None:
        # Paired over the queries both systems reranked (one may be a smoke run).
        theirs = {
            d: {q: v for q, v in qs.items() if q in mine.ndcg[d]} for d, qs in other.ndcg.items()
        }
        ours = {d: {q: mine.ndcg[d][q] for q in qs} for d, qs in theirs.items()}
        other_gains = domain_gains(theirs, ours)
    long = mine.record.long_documents
    for domain in mine.record.domains:
        outputs = mine.record.outputs[domain]
        queries = report.corpus.queries[domain]
        mine_by_query = by_query(outputs)
        theirs_by_query = by_query(other.record.outputs.get(domain, [])) if other else {}
        views = [
            query_view(
                report, domain, qid, mine_by_query.get(qid, []), theirs_by_query.get(qid, [])
            )
            for qid in mine.reranked[domain]
        ]
        views.sort(key=lambda v: (v.gain, v.qid))
        listwise = mine.record.family == LISTWISE
        yield DomainView(
            name=domain,
            queries=views,
            ndcg_before=mean(report.before[domain].values()),
            ndcg_after=mean(mine.ndcg[domain].values()),
            gain=gains.get(domain),
            parse=parse_counts(outputs),
            labels=[] if listwise else label_rows(outputs, queries, long),
            other_ndcg=mean(other.ndcg[domain].values())
            if other and domain in other.ndcg
            else None,
            other_gain=other_gains.get(domain),
        )


def query_view(
    report: Report, domain: str, qid: str, outputs: list, their_outputs: list
) -> QueryView:
    """`outputs` and `their_outputs`: this query's outputs of each system."""
    mine, other = report.mine, report.other
    record = mine.record
    query = report.corpus.queries[domain][qid]
    long = record.long_documents
    gold = set(query.gold(long))
    listwise = record.family == LISTWISE
    texts = report.corpus.documents.get(domain) if report.corpus.documents else None
    view = QueryView(
        domain=domain,
        qid=qid,
        file=page_name(qid),
        text=report.corpus.query_texts[domain].get(qid, query.text),
        gold_ids=sorted(gold),
        ndcg_before=report.before[domain][qid],
        ndcg_after=mine.ndcg[domain][qid],
    )
    judged = {} if listwise else {j.doc_id: j for j in outputs}
    view.docs = doc_views(
        mine.reranked[domain][qid],
        mine.first_stage[domain][qid],
        query,
        long,
        judged,
        texts,
        report.doc_chars,
    )
    if listwise:
        view.windows = window_views(outputs, gold)
    if other is not None and qid in other.reranked.get(domain, {}):
        theirs = other.reranked[domain][qid]
        view.other_ndcg = other.ndcg[domain][qid]
        view.diff = diff_rows(
            mine.reranked[domain][qid], theirs, gold, mine.first_stage[domain][qid]
        )
        their_rank = {d: i for i, d in enumerate(theirs, 1)}
        their_judged = (
            {} if other.record.family == LISTWISE else {j.doc_id: j for j in their_outputs}
        )
        for doc in view.docs:
            j = their_judged.get(doc.doc_id)
            doc.other = OtherView(
                rank=their_rank.get(doc.doc_id),
                label=j.label if j else None,
                score=j.score if j else None,
                how=j.how if j else None,
                failed=bool(j and not j.parsed),
                explanation=j.raw if j else None,
            )
    return view
