"""Groupwise reranking (GroupRank, `AQ-MedAI/Diver` Reranker/rerank_groupwise.py): the model
scores every document of a group at once, each query's candidates are shuffled and cut into
groups several times over, and a document's score is the mean of the scores its groups gave it.

A `GroupwiseReranker` is a listwise reranker whose windows are its groups: `permute` answers a
group with its members ordered by score, and the scores themselves are read back from the
answer's text (`group_scores`), so the output cache (one line per (query, group) call), the
engines and the repair counts serve it unchanged. All groups are known before any call, so one
step sends every group of every query.

The shuffle is the authors' (`random.shuffle` of the same list once per round, so round 2
shuffles round 1's order) with one difference: they draw from one stream seeded once (666) for
all queries, so a query's groups depend on every query before it; here each query's stream is
seeded by (seed, query id), so a query's groups are the same in any run, shard or order.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence

from bright_eval.rerank.base import ListwiseReranker
from bright_eval.rerank.outcome import (
    PRIMARY,
    Candidates,
    MissingOutputsError,
    RerankResult,
    RerankStats,
    ordered_run,
    permutations_for,
    progress_bar,
    use_window,
)

GROUPWISE = "groupwise"
INTERPOLATED = "interpolated"  # the authors' second output: 0.6 x group score + 0.4 x retriever


class GroupwiseReranker(ListwiseReranker):
    family = GROUPWISE
    group_size = 20
    interval = 20  # a group starts every `interval` candidates (the authors' overlap setting)
    rounds = 2  # shuffles (`repeat_num`); every round covers every candidate
    seed = 666
    retriever_weight = 0.4  # of the interpolated score; the group score weighs the rest

    def groups(self, query_id: str, n: int) -> list[list[int]]:
        """Positions (into the first-stage list) of each group of one query, round by round."""
        rng = random.Random(f"{self.seed}:{query_id}")
        order = list(range(n))
        groups = []
        for _ in range(self.rounds):
            rng.shuffle(order)
            groups += [order[i : i + self.group_size] for i in range(0, n, self.interval)]
        return groups

    def group_scores(self, text: str | None, n: int) -> list[float | None]:
        """Each member's score in [0, 1] from one group's answer; None for a member the answer
        leaves out (it then counts in no mean), 0 for all when the answer cannot be read."""
        raise NotImplementedError


def mean_scores(found: dict[int, list[float]], n: int) -> list[float]:
    """Each candidate's mean over the groups that scored it; one no group scored ranks below
    every scored one in both runs (the authors drop it from their ranked lists)."""
    return [sum(s) / len(s) if (s := found.get(p)) else -math.inf for p in range(n)]


def rerank_groupwise(
    reranker: GroupwiseReranker,
    candidates: Candidates,
    cache,
    batch_size: int,
    progress: bool,
    desc: str,
    cached_only: bool,
    engine,
) -> RerankResult:
    start = time.perf_counter()
    stats = RerankStats()
    todo = [(qid, g) for qid, cands in candidates.items()
            for g in reranker.groups(qid, len(cands))]  # fmt: skip
    groups: list[Sequence] = [[candidates[q][p] for p in g] for q, g in todo]
    if cached_only and (missing := [g for g in groups if cache.get_permutation(g) is None]):
        raise MissingOutputsError(
            f"{desc}: {len(missing)} groups are not in the cache (e.g. query "
            f"{missing[0][0].query_id}); run the missing shards first"
        )
    with progress_bar(len(groups), desc, progress) as bar:
        bar.unit = "group"
        perms = permutations_for(reranker, groups, cache, engine, batch_size, stats, bar)
    found: dict[str, dict[int, list[float]]] = {qid: {} for qid in candidates}
    outputs = []
    for (qid, positions), members, p in zip(todo, groups, perms, strict=True):
        full, repaired, fix = use_window(stats, p, len(members))
        scores = reranker.group_scores(p.raw, len(members))
        for pos, s in zip(positions, scores, strict=True):
            if s is not None:
                found[qid].setdefault(pos, []).append(s)
        outputs.append({"query_id": qid, "positions": positions, "start": positions[0],
                        "doc_ids": [c.doc_id for c in members], "order": full,
                        "scores": scores, "repaired": repaired, "repair": fix.to_json(),
                        "raw": p.raw})  # fmt: skip
    means = {qid: mean_scores(found[qid], len(cands)) for qid, cands in candidates.items()}
    place = {(qid, c.doc_id): i for qid, cands in candidates.items() for i, c in enumerate(cands)}

    def score(c) -> float:
        return means[c.query_id][place[c.query_id, c.doc_id]]

    def interpolated(c) -> float:
        w = reranker.retriever_weight
        return (1 - w) * score(c) + w * c.first_stage_score

    runs = {PRIMARY: ordered_run(candidates, score),
            INTERPOLATED: ordered_run(candidates, interpolated)}  # fmt: skip
    stats.wall_s = time.perf_counter() - start
    return RerankResult(runs=runs, outputs=outputs, stats=stats)
