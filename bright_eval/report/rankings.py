"""Each query's candidate list before and after reranking, from what the record holds.

The reranked order is the kept run file when there is one (what was evaluated); a smoke run
keeps none, so it is rebuilt from the outputs the way the runner built it: pointwise by score,
ties by first-stage rank; listwise by replaying the windows over the first-stage list.
"""

from __future__ import annotations

from collections import defaultdict

from bright_eval.report.records import Judged, Record, ReportError, Window
from bright_eval.runs import ranked, read_run

Order = dict[str, list[str]]  # query id -> document ids, best first


def by_query(outputs: list) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    for o in outputs:
        grouped[o.query_id].append(o)
    return dict(grouped)


def pointwise_first_stage(judged: list[Judged]) -> Order:
    return {
        qid: [j.doc_id for j in sorted(js, key=lambda j: j.first_stage_rank)]
        for qid, js in by_query(judged).items()
    }


def pointwise_reranked(judged: list[Judged], ranked_by: str) -> Order:
    def score(j: Judged) -> float:
        # An output without the alternative score keeps its plain one, as the runner does.
        return j.score if ranked_by == "score" else j.scores.get(ranked_by, j.score)

    return {
        qid: [j.doc_id for j in sorted(js, key=lambda j: (-score(j), j.first_stage_rank))]
        for qid, js in by_query(judged).items()
    }


def listwise_first_stage(windows: list[Window]) -> Order:
    """Windows slide bottom-up, so window k (start s_k) sees positions [s_k, s_{k-1}) still
    in first-stage order: the first-stage list is those untouched heads, top window first,
    and the whole of the bottom window."""
    order = {}
    for qid, ws in by_query(windows).items():
        ws = sorted(ws, key=lambda w: w.step)
        ids = list(ws[0].doc_ids)
        for previous, w in zip(ws, ws[1:], strict=False):
            ids = w.doc_ids[: previous.start - w.start] + ids
        order[qid] = ids
    return order


def listwise_reranked(windows: list[Window], first_stage: Order) -> Order:
    order = {}
    for qid, ws in by_query(windows).items():
        ids = list(first_stage[qid])
        for w in sorted(ws, key=lambda w: w.step):
            end = w.start + len(w.doc_ids)
            if ids[w.start : end] != w.doc_ids:
                raise ReportError(
                    f"query {qid}: window at step {w.step} does not match the list it was cut "
                    "from; the outputs file is inconsistent"
                )
            ids[w.start : end] = [w.doc_ids[i] for i in w.order]
        order[qid] = ids
    return order


def first_stage_order(record: Record, domain: str) -> Order:
    outputs = record.outputs[domain]
    if outputs and isinstance(outputs[0], Window):
        return listwise_first_stage(outputs)
    return pointwise_first_stage(outputs)


def reranked_order(record: Record, domain: str, first_stage: Order) -> Order:
    path = record.run_files.get(domain)
    if path is not None:
        run = read_run(path)
        return {qid: [d for d, _ in ranked(run[qid])] for qid in first_stage if qid in run}
    outputs = record.outputs[domain]
    if outputs and isinstance(outputs[0], Window):
        return listwise_reranked(outputs, first_stage)
    return pointwise_reranked(outputs, record.ranked_by)


def as_run(order: Order) -> dict[str, dict[str, float]]:
    """Distinct descending scores, so every evaluator reads the same order back."""
    return {qid: {d: float(len(ids) - i) for i, d in enumerate(ids)} for qid, ids in order.items()}
