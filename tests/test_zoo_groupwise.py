"""Groupwise reranking (GroupRank): the exact prompt for a fixed group, parsing of good and
malformed answers (counted), the groups a query is cut into, and the mean of group scores on a
hand-worked case through the runner and its cache."""

from bright_eval.rerank import Candidate, RerankerOptions, get_reranker_class
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.permutation import RepairStats
from bright_eval.rerank.runner import rerank
from bright_eval_zoo.grouprank import GroupRank, parse_grouprank
from tests.fakes import FakeBackend, with_backend


def grouprank(backend, **settings):
    reranker = GroupRank(RerankerOptions())
    for name, value in settings.items():
        setattr(reranker, name, value)
    return with_backend(reranker, backend)


def answer(scores: str) -> str:
    return f"<reason>\nbecause\n</reason>\n<answer>\n```json\n{scores}\n```\n</answer>"


def test_grouprank_prompt_is_the_authors_groupwise_prompt():
    backend = FakeBackend([answer('{"[1]": 3, "[2]": 8}')])
    reranker = grouprank(backend, max_doc_chars=12)
    window = [
        Candidate("q1", "Why is the sky\nblue?", "d1", "Rayleigh\n\n\nscattering of light", 1),
        Candidate("q1", "Why is the sky\nblue?", "d2", "Sky colour", 2),
    ]
    [perm] = reranker.permute([window])
    system, user = backend.prompts[0]
    assert system["role"] == "system" and system["content"].startswith(
        "Your task is to evaluate and rank documents based on how well they help answer the "
        "given query. Follow this evaluation priority:\n1. PRIMARY: Usefulness & Helpfulness"
    )
    assert system["content"].endswith(
        "- 0: Not helpful at all, cannot assist with answering the query\n"
    )
    assert user == {
        "role": "user",
        "content": "I will provide you 2 documents, each indicated by a numerical identifier []. "
        "Score these documents based on their Usefulness and Relevance to the query.\n"
        "Query:\nWhy is the sky\nblue?\n\nDocuments:\n"
        "[1]. Rayleigh sca\n\n[2]. Sky colour\n\n\n\n"
        "## Final Output Format\nYou must structure your response in exactly two parts: provide "
        "your brief reasoning process first, then output final scores in JSON format like "
        "below, with document IDs as string keys and integer scores as values for all 2 "
        "documents. \nThe reasoning process and answer are enclosed within <reason> </reason> "
        "and <answer> </answer> tags, respectively. Do NOT output anything outside the "
        "specified tags. Follow this exact format:\n<reason> \n[Analyze each document's "
        "usefulness and relevance to the query, explaining your scoring rationale]\n</reason>\n"
        '<answer> \n```json\n{"[1]": 5, "[2]": 3, "[3]": 8}\n``` \n</answer>\n',
    }
    assert perm.order == [1, 0] and not perm.repaired
    params = backend.params[0]
    assert (params.max_new_tokens, params.temperature, params.top_p) == (8000, 0.3, 0.8)


def test_grouprank_is_registered_with_its_bright_settings():
    cls = get_reranker_class("grouprank-32b")
    assert cls is GroupRank and cls.family == "groupwise"
    assert (cls.group_size, cls.interval, cls.rounds, cls.max_doc_chars) == (20, 20, 6, 3000)
    assert cls.meta.alternative_scores == ("interpolated",)
    assert "95b111b0adad85bf388e628b9073552055f6f408" in cls.meta.citation


def test_parsing_reads_the_authors_json_and_mends_what_they_mend():
    assert parse_grouprank(answer('{"[1]": 3, "[2]": 8}'), 2) == ([0.3, 0.8], RepairStats(1))
    # No ```json block: the last {...}, with "[2]]" mended and a bare "1" taken as label 1.
    text = '<answer>{"[1]": 1} then {"[2]]": 10, "1": 5}</answer>'
    assert parse_grouprank(text, 2)[0] == [0.5, 1.0]
    # A block whose object lacks its closing brace gets one.
    assert parse_grouprank('```json\n{"[1]": 4, "[2]": 0\n```', 2)[0] == [0.4, 0.0]


def test_parsing_counts_what_it_could_not_read():
    # A member left out gets no score from the group (counted missing).
    scores, fix = parse_grouprank(answer('{"[2]": 4}'), 3)
    assert scores == [None, 0.4, None] and (fix.repaired, fix.missing, fix.no_answer) == (1, 2, 0)
    # Label 0 would be the last member in the authors' indexing: dropped and counted unknown.
    scores, fix = parse_grouprank(answer('{"[0]": 9, "[1]": 2, "[2]": 1}'), 2)
    assert scores == [0.2, 0.1] and (fix.unknown, fix.repaired) == (1, 1)
    for bad in (
        "<reason>cut off before the answer",  # no JSON at all
        answer('{"[1]": 3, "[3]": 8}'),  # a label beyond the group
        answer('{"[1]": "high", "[2]": 1}'),  # a score that is not a number
        answer('{"[1]": 3, [2]: 8}'),  # not JSON
        answer('{"first": 3}'),  # a label that is no number
    ):
        scores, fix = parse_grouprank(bad, 2)
        assert scores == [0.0, 0.0] and fix.no_answer == 1 and fix.repaired == 1, bad


def test_each_round_shuffles_every_candidate_into_groups_the_same_way_in_any_run():
    reranker = grouprank(FakeBackend(), group_size=4, interval=4, rounds=2)
    groups = reranker.groups("q1", 10)
    assert [len(g) for g in groups] == [4, 4, 2, 4, 4, 2]
    assert sorted(sum(groups[:3], [])) == list(range(10))  # round 1 covers every candidate
    assert sorted(sum(groups[3:], [])) == list(range(10))  # and so does round 2
    assert groups != [list(range(0, 4)), list(range(4, 8)), [8, 9]] * 2  # shuffled
    assert reranker.groups("q1", 10) == groups  # seeded by the query, not by what came before
    assert reranker.groups("q2", 10) != groups
    # An interval shorter than the group overlaps groups, as the authors' loop does.
    overlapping = grouprank(FakeBackend(), group_size=4, interval=2, rounds=1).groups("q1", 6)
    assert [len(g) for g in overlapping] == [4, 4, 2]


class FixedGroups(GroupRank):
    """Groups chosen by hand, so the combination can be worked out."""

    def groups(self, query_id, n):
        return [[0, 1, 3], [2, 0], [1, 2]]


def test_a_candidate_scores_the_mean_of_its_groups_through_the_runner_and_cache(tmp_path):
    cands = [
        Candidate("q1", "q", f"d{i + 1}", f"doc {i + 1}", i + 1, first_stage_score=s)
        for i, s in enumerate([3.0, 2.0, 1.0, 10.0])
    ]
    script = [
        answer('{"[1]": 2, "[2]": 6}'),  # d1 .2, d2 .6; d4 left out
        answer('{"[1]": 9, "[2]": 8}'),  # d3 .9, d1 .8
        "<reason>no answer</reason>",  # d2 0, d3 0: unreadable, as the authors score it
    ]
    backend = FakeBackend(list(script))
    reranker = with_backend(FixedGroups(RerankerOptions()), backend)
    result = rerank(reranker, {"q1": cands}, OutputCache(tmp_path), progress=False)
    # Means: d1 (.2 + .8) / 2 = .5; d2 (.6 + 0) / 2 = .3; d3 (.9 + 0) / 2 = .45; d4 no score,
    # so last. Interpolated, .6 x mean + .4 x first stage: d1 1.5, d2 .98, d3 .67; d4 still
    # last despite its first-stage 10 (the authors drop it from both lists).
    run = result.runs["score"]["q1"]
    assert sorted(run, key=run.get, reverse=True) == ["d1", "d3", "d2", "d4"]
    mixed = result.runs["interpolated"]["q1"]
    assert sorted(mixed, key=mixed.get, reverse=True) == ["d1", "d2", "d3", "d4"]
    assert [o["scores"] for o in result.outputs] == [[0.2, 0.6, None], [0.9, 0.8], [0.0, 0.0]]
    assert result.stats.parse_failures == 2  # the unreadable group and the one missing d4
    assert result.stats.repairs.no_answer == 1 and result.stats.repairs.missing == 1 + 2
    assert result.stats.computed == 3 and backend.outputs == []
    again = with_backend(FixedGroups(RerankerOptions()), FakeBackend([]))  # all in the cache
    second = rerank(again, {"q1": cands}, OutputCache(tmp_path), progress=False)
    assert second.runs == result.runs and second.stats.cached == 3
