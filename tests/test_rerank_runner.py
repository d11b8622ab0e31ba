"""The runner and the output cache with stand-in rerankers (no model): batching, ties,
resume, staleness, listwise windows."""

import json

import pytest

from bright_eval.rerank import (
    Candidate,
    ListwiseReranker,
    Permutation,
)
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.runner import rerank
from bright_eval.runs import ranked
from tests.helpers import Labels

Labels.name = ""  # not registered


def cands(qid="q1", docs=("d1", "d2", "d3", "d4", "d5"), query="what?", text="text of {}"):
    return [Candidate(qid, query, d, text.format(d), rank) for rank, d in enumerate(docs, 1)]


def test_ties_follow_the_first_stage_and_scores_are_distinct(tmp_path):
    result = rerank(Labels(), {"q1": cands()}, OutputCache(tmp_path), progress=False)
    # Labels by first-stage rank: d1 0, d2 2, d3 0, d4 2, d5 1. Label 2: d2 (rank 2) before
    # d4 (rank 4); then d5; then the zeros d1 (rank 1) before d3 (rank 3).
    assert result.runs["score"]["q1"] == {"d2": 5.0, "d4": 4.0, "d5": 3.0, "d1": 2.0, "d3": 1.0}
    assert [d for d, _ in ranked(result.runs["score"]["q1"])] == ["d2", "d4", "d5", "d1", "d3"]
    assert result.stats.computed == 5 and result.stats.parse_failures == 0
    assert (result.stats.prompt_tokens, result.stats.generated_tokens) == (50, 15)


def test_pairs_of_many_queries_share_batches_and_unparsed_outputs_are_counted(tmp_path):
    reranker = Labels(labels={"d1": 1, "d2": 2})
    candidates = {"q1": cands("q1", ("d1", "d2", "d3")), "q2": cands("q2", ("d4", "d1"))}
    result = rerank(reranker, candidates, OutputCache(tmp_path), batch_size=4, progress=False)
    assert reranker.calls == [["q1/d1", "q1/d2", "q1/d3", "q2/d4"], ["q2/d1"]]
    assert result.stats.parse_failures == 2  # q1/d3 and q2/d4 are not in the table
    assert result.stats.how_parsed == {"parsed": 3, "failed": 2}
    assert result.runs["score"]["q2"] == {"d1": 2.0, "d4": 1.0}


def test_a_second_run_makes_no_model_call_and_a_changed_input_recomputes_only_it(tmp_path):
    first = Labels()
    cache = OutputCache.for_reranker(first, root=tmp_path)
    rerank(first, {"q1": cands()}, cache, progress=False)
    again = Labels()
    result = rerank(
        again, {"q1": cands()}, OutputCache.for_reranker(again, root=tmp_path), progress=False
    )
    assert again.calls == [] and result.stats.cached == 5
    assert (result.stats.generated_tokens, result.stats.all_generated_tokens) == (0, 15)
    assert result.runs["score"]["q1"] == {"d2": 5.0, "d4": 4.0, "d5": 3.0, "d1": 2.0, "d3": 1.0}
    # One document's text changed: that pair only. The query text changed: every pair.
    edited = cands()
    edited[2] = Candidate("q1", "what?", "d3", "new text", 3)
    third = Labels()
    rerank(third, {"q1": edited}, OutputCache.for_reranker(third, root=tmp_path), progress=False)
    assert third.calls == [["q1/d3"]]
    fourth = Labels()
    rerank(
        fourth,
        {"q1": cands(query="what, really?")},
        OutputCache.for_reranker(fourth, root=tmp_path),
        progress=False,
    )
    assert len(fourth.calls[0]) == 5
    # A changed configuration (prompt, model, truncation...) has its own folder.
    other = Labels(version="2")
    rerank(other, {"q1": cands()}, OutputCache.for_reranker(other, root=tmp_path), progress=False)
    assert len(other.calls[0]) == 5
    folders = sorted(p.name for p in (tmp_path / "rerank").iterdir())
    assert len(folders) == 2 and json.loads(
        (tmp_path / "rerank" / folders[0] / "config.json").read_text()
    )


def test_an_interrupted_run_resumes_without_recomputing_finished_pairs(tmp_path):
    candidates = {"q1": cands(), "q2": cands("q2")}
    stopped = Labels(fail_after=4)
    with pytest.raises(KeyboardInterrupt):
        rerank(
            stopped,
            candidates,
            OutputCache.for_reranker(stopped, root=tmp_path),
            batch_size=2,
            progress=False,
        )
    assert stopped.calls == [["q1/d1", "q1/d2"], ["q1/d3", "q1/d4"]]
    # A half-written last line (the process killed inside a write) is skipped, not fatal.
    cache_file = next((tmp_path / "rerank").glob("*/all.jsonl"))
    with open(cache_file, "a") as f:
        f.write('{"key": "q1\\t')
    resumed = Labels()
    cache = OutputCache.for_reranker(resumed, root=tmp_path)
    assert (len(cache), cache.torn_lines) == (4, 1)
    result = rerank(resumed, candidates, cache, batch_size=10, progress=False)
    assert resumed.calls == [["q1/d5", "q2/d1", "q2/d2", "q2/d3", "q2/d4", "q2/d5"]]
    assert (result.stats.cached, result.stats.computed) == (4, 6)
    assert result.runs["score"]["q1"] == {"d2": 5.0, "d4": 4.0, "d5": 3.0, "d1": 2.0, "d3": 1.0}


def test_shard_files_in_one_folder_merge(tmp_path):
    a, b = Labels(), Labels()
    rerank(
        a,
        {"q1": cands()},
        OutputCache.for_reranker(a, root=tmp_path, writer="shard-1-of-2"),
        progress=False,
    )
    rerank(
        b,
        {"q2": cands("q2")},
        OutputCache.for_reranker(b, root=tmp_path, writer="shard-2-of-2"),
        progress=False,
    )
    merged = Labels()
    result = rerank(
        merged,
        {"q1": cands(), "q2": cands("q2")},
        OutputCache.for_reranker(merged, root=tmp_path),
        progress=False,
    )
    assert merged.calls == [] and set(result.runs["score"]) == {"q1", "q2"}


class SortByNumber(ListwiseReranker):
    """Orders each window by the number in the document id, highest first."""

    not_settings = frozenset({"calls"})

    def __init__(self):
        super().__init__()
        self.calls = []

    def permute(self, windows):
        self.calls.append([(w[0].query_id, w[0].doc_id) for w in windows])
        out = []
        for w in windows:
            order = sorted(range(len(w)), key=lambda i: -int(w[i].doc_id[1:]))
            out.append(Permutation(order=order, raw=" > ".join(f"[{i + 1}]" for i in order)))
        return out


def test_listwise_windows_slide_bottom_up_batched_across_queries_and_cached(tmp_path):
    docs = [f"d{i}" for i in range(1, 26)]
    candidates = {"q1": cands("q1", docs), "q2": cands("q2", docs)}
    reranker = SortByNumber()
    result = rerank(reranker, candidates, OutputCache(tmp_path), progress=False)
    # 25 candidates: window [5, 25) first, then [0, 20); one batch per step for both queries.
    assert reranker.calls == [[("q1", "d6"), ("q2", "d6")], [("q1", "d1"), ("q2", "d1")]]
    # Step 1 puts d25..d6 at positions 5..24; step 2 sorts d1..d5 + d25..d11 at 0..19,
    # leaving d10..d6 at 20..24.
    expected = [f"d{i}" for i in range(25, 10, -1)] + ["d5", "d4", "d3", "d2", "d1"]
    expected += [f"d{i}" for i in range(10, 5, -1)]
    assert [d for d, _ in ranked(result.runs["score"]["q1"])] == expected
    assert result.stats.parse_failures == 0 and result.stats.computed == 4
    again = SortByNumber()
    assert rerank(again, candidates, OutputCache(tmp_path), progress=False).stats.cached == 4
    assert again.calls == []


def test_an_invalid_permutation_is_repaired_and_counted(tmp_path):
    class Broken(ListwiseReranker):
        def permute(self, windows):
            return [Permutation(order=[2, 2, 9]) for _ in windows]

    result = rerank(
        Broken(), {"q1": cands(docs=("a", "b", "c", "d"))}, OutputCache(tmp_path), progress=False
    )
    # Valid positions first ([2]), then the rest in window order: c, a, b, d.
    assert [d for d, _ in ranked(result.runs["score"]["q1"])] == ["c", "a", "b", "d"]
    assert result.stats.parse_failures == 1


def test_stats_of_several_domains_add_up():
    from bright_eval.rerank.runner import RerankStats

    total = RerankStats()
    total.add(
        RerankStats(items=3, computed=2, parse_failures=1, how_parsed={"label": 2, "keyword": 1})
    )
    total.add(RerankStats(items=4, cached=4, all_generated_tokens=9, how_parsed={"label": 4}))
    assert (total.items, total.cached, total.computed, total.parse_failures) == (7, 4, 2, 1)
    assert total.all_generated_tokens == 9 and total.how_parsed == {"label": 6, "keyword": 1}


def test_cached_only_names_the_first_missing_pair_or_window(tmp_path):
    from bright_eval.rerank.runner import MissingOutputsError

    reranker = Labels()
    with pytest.raises(MissingOutputsError, match=r"5 of 5 pairs .*query q1, document d1\)"):
        rerank(reranker, {"q1": cands()}, OutputCache(tmp_path), progress=False, cached_only=True)
    assert reranker.calls == []
    docs = [f"d{i}" for i in range(1, 26)]
    listwise = SortByNumber()
    with pytest.raises(MissingOutputsError, match=r"1 windows at step 1 .*query q1, window at 5\)"):
        rerank(
            listwise,
            {"q1": cands("q1", docs)},
            OutputCache(tmp_path),
            progress=False,
            cached_only=True,
        )
    assert listwise.calls == []
