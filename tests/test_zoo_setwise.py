"""Setwise reranking (Rank-R1): the heap sort on a hand-worked case, the exact prompt, parsing,
the runner with its cache, and the reasoning budget at its limit."""

from bright_eval.rerank import Candidate, RerankerOptions, get_reranker_class
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.permutation import RepairStats
from bright_eval.rerank.reasoning import FORCE_ANSWER
from bright_eval.rerank.runner import rerank
from bright_eval.rerank.setwise import heap_sort
from bright_eval_zoo.setwise import RankR1, parse_rankr1
from tests.fakes import FakeBackend, with_backend


class Words:
    """A tokenizer whose tokens are words, so a cut is visible."""

    name_or_path = "words"

    def tokenize(self, text):
        return text.split()

    def convert_tokens_to_string(self, tokens):
        return " ".join(tokens)


class Rendering(FakeBackend):
    """A local backend: chat prompts render to visible text, so an answer can be forced."""

    def render(self, prompt):
        if isinstance(prompt, str):
            return prompt
        return "".join(f"<{m['role']}>{m['content']}" for m in prompt) + "<assistant>"


def rank_r1(backend, **settings):
    reranker = RankR1(RerankerOptions(), tokenizer=Words())
    for name, value in settings.items():
        setattr(reranker, name, value)
    return with_backend(reranker, backend)


def drive(sort, relevance):
    """Run a sort against an oracle that always names the most relevant member of a set."""
    asked = []
    try:
        chosen = next(sort)
        while True:
            asked.append(chosen)
            best = max(range(len(chosen)), key=lambda i: relevance[chosen[i]])
            chosen = sort.send(best)
    except StopIteration as done:
        return asked, done.value


def test_heap_sort_asks_the_sets_llm_rankers_asks_and_places_the_top_k():
    # Five candidates, sets of a node and its 2 children, top 2 placed. Worked by hand from
    # llm-rankers' heapify/heapSort: building the heap asks [1,3,4] (no swap), [0,1,2] (1 wins:
    # swap, then [0,3,4] sinks 0 below 3); popping 1 leaves [4,3,2] (3 wins) and [4,0] (4 wins);
    # popping 3 reaches k. The others keep their first-stage order below the top 2.
    asked, order = drive(heap_sort(5, num_child=2, k=2), relevance=[1, 5, 2, 4, 3])
    assert asked == [[1, 3, 4], [0, 1, 2], [0, 3, 4], [4, 3, 2], [4, 0]]
    assert order == [1, 3, 0, 2, 4]


def test_a_set_with_no_answer_keeps_its_node_on_top():
    sort = heap_sort(3, num_child=2, k=1)
    assert next(sort) == [0, 1, 2]
    try:
        sort.send(0)  # the failed answer's order: the node wins, nothing moves
    except StopIteration as done:
        assert done.value == [0, 1, 2]


def test_rank_r1_prompt_is_the_authors_setwise_prompt():
    backend = FakeBackend(["<think>x</think>\n<answer>[2]</answer>"])
    reranker = rank_r1(backend, passage_tokens=3)
    window = [
        Candidate("q1", "why is\nthe sky\tblue ", "d1", "Rayleigh scattering of light", 1),
        Candidate("q1", "why is\nthe sky\tblue ", "d2", "Sky colour", 2),
    ]
    [perm] = reranker.permute([window])
    assert backend.prompts[0] == [
        {
            "role": "system",
            "content": "A conversation between User and Assistant. The user asks a question, and "
            "the Assistant solves it. The assistant first thinks about the reasoning process in "
            "the mind and then provides the user with the answer. The reasoning process and "
            "answer are enclosed within <think> </think> and <answer> </answer> tags, "
            "respectively, i.e., <think> reasoning process here </think> <answer> answer here "
            "</answer>.",
        },
        {
            "role": "user",
            "content": 'Given the query: "why is the sky blue", which of the following documents '
            "is most relevant?\n[1] Rayleigh scattering of\n[2] Sky colour\nAfter completing the "
            "reasoning process, please provide only the label of the most relevant document to "
            "the query, enclosed in square brackets, within the answer tags. For example, if the "
            "third document is the most relevant, the answer should be: <think> reasoning "
            "process here </think> <answer>[3]</answer>.",
        },
    ]
    assert perm.order == [1, 0] and not perm.repaired
    assert backend.params[0].max_new_tokens == 2048 and backend.params[0].temperature == 0.0


def test_rank_r1_is_registered_with_its_published_setup():
    cls = get_reranker_class("rank-r1-7b")
    assert cls is RankR1 and cls.family == "setwise"
    assert (cls.num_child, cls.k, cls.method) == (19, 10, "heapsort")
    assert cls.default_adapter == "ielabgroup/Rank-R1-7B-v0.1"
    assert cls.meta.published.startswith("20.57")


def test_rank_r1_parsing_takes_only_an_exact_label_of_the_set():
    assert parse_rankr1("<think>a</think> <answer> [3] </answer>", 3) == ([2, 0, 1], RepairStats(1))
    assert parse_rankr1("<THINK>a</THINK><ANSWER>[1]</ANSWER>", 2)[0] == [0, 1]  # lower-cased
    for bad in (
        "<think>a</think><answer>[3] is best</answer>",  # not just the label
        "<think>a</think><answer>3</answer>",  # no brackets
        "<think>a</think><answer>[4]</answer>",  # not in the set
        "<answer>[1]</answer>",  # no reasoning block: the pattern needs one
        "<think>cut off before the answer",
    ):
        order, fix = parse_rankr1(bad, 3)
        assert order == [0, 1, 2] and fix.no_answer == 1, bad


def answer(label):
    return f"<think>r</think><answer>[{label}]</answer>"


def test_the_runner_sorts_each_query_through_the_cache(tmp_path):
    cands = [Candidate("q1", "q", f"d{i}", f"doc {i}", i + 1) for i in range(5)]
    # The hand-worked case above, but the fourth set's answer fails.
    script = [answer(1), answer(2), answer(2), "no answer"]
    backend = FakeBackend(list(script))
    reranker = rank_r1(backend, num_child=2, k=2)
    result = rerank(reranker, {"q1": cands}, OutputCache(tmp_path), progress=False)
    # [1,3,4] -> 1; [0,1,2] -> 1 (swap); [0,3,4] -> 3 (swap); 1 is popped; [4,3,2] fails, so
    # 4 stays on top and nothing sinks (no [4,0] set); 4 is popped. Top 2: 1, 4; then 0, 2, 3.
    assert [o["doc_ids"] for o in result.outputs] == [
        ["d1", "d3", "d4"], ["d0", "d1", "d2"], ["d0", "d3", "d4"], ["d4", "d3", "d2"],
    ]  # fmt: skip
    run = result.runs["score"]["q1"]
    assert sorted(run, key=run.get, reverse=True) == ["d1", "d4", "d0", "d2", "d3"]
    assert result.stats.parse_failures == 1 and result.stats.repairs.no_answer == 1
    assert result.stats.computed == 4 and backend.outputs == []
    again = rank_r1(FakeBackend([]), num_child=2, k=2)  # every set is in the cache
    second = rerank(again, {"q1": cands}, OutputCache(tmp_path), progress=False)
    assert second.runs == result.runs and second.stats.cached == 4


def test_a_reasoning_budget_cuts_the_reasoning_and_forces_the_answer():
    window = [Candidate("q1", "q", f"d{i}", f"doc {i}", i + 1) for i in range(2)]
    backend = Rendering([("<think>long long", "length"), "[2]</answer>"])
    reranker = rank_r1(backend, max_reasoning_tokens=5)
    [perm] = reranker.permute([window])
    rendered = backend.render(reranker.prompt(window))
    assert backend.prompts[1] == rendered + "<think>long long" + FORCE_ANSWER
    assert [p.max_new_tokens for p in backend.params] == [5, 32]
    assert perm.raw == "<think>long long\n</think>\n<answer>[2]</answer>"
    assert perm.order == [1, 0]
    assert (perm.repair.forced, perm.repair.repaired, perm.generated_tokens) == (1, 1, 14)
    # Within the budget, nothing is forced; the budget is part of the cache key.
    fine = rank_r1(Rendering([answer(1)]), max_reasoning_tokens=5).permute([window])[0]
    assert fine.repair.forced == 0 and not fine.repaired
    assert rank_r1(Rendering([])).settings()["max_reasoning_tokens"] is None
    assert rank_r1(Rendering([]), max_reasoning_tokens=5).settings()["max_reasoning_tokens"] == 5


def test_a_budget_that_cuts_nothing_makes_no_second_call():
    # Before, an empty second call went out; on a streaming backend it waited forever.
    from bright_eval.engines.streaming import Request

    window = [Candidate("q1", "q", f"d{i}", f"doc {i}", i + 1) for i in range(2)]
    backend = Rendering([answer(1)])
    rank_r1(backend, max_reasoning_tokens=5).permute([window])
    assert len(backend.params) == 1 and backend.params[0].max_new_tokens == 5
    assert Request("generate", [], None).done.is_set()  # nothing to wait for


def test_a_server_gets_no_budget_it_could_only_fail():
    # A remote server's template cannot be continued, so a cut reasoning could not be made to
    # answer: the published single generation runs instead (2,048 new tokens for Rank-R1).
    window = [Candidate("q1", "q", f"d{i}", f"doc {i}", i + 1) for i in range(2)]
    backend = FakeBackend([answer(1)])
    reranker = rank_r1(backend, max_reasoning_tokens=5)
    reranker.permute([window])
    assert [p.max_new_tokens for p in backend.params] == [2048]


def test_the_default_adapter_goes_only_with_the_default_model():
    assert RankR1().adapter_name() == "ielabgroup/Rank-R1-7B-v0.1"
    assert RankR1(RerankerOptions(model=RankR1.meta.model_id)).adapter_name() == (
        "ielabgroup/Rank-R1-7B-v0.1"
    )
    assert RankR1(RerankerOptions(model="Qwen/Qwen2.5-14B-Instruct")).adapter_name() is None
    assert RankR1(RerankerOptions(model="m", adapter="a")).adapter_name() == "a"
