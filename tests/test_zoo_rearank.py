"""Rearank: the authors' exact multi-turn prompt for a fixed window, their answer parsing, and
the sliding windows it runs with."""

from bright_eval.rerank import Candidate, RerankerOptions, get_reranker_class
from bright_eval.rerank.permutation import RepairStats
from bright_eval_zoo.rearank import Rearank, parse_rearank
from tests.fakes import FakeBackend, with_backend


def test_rearank_prompt_is_the_authors_conversation():
    backend = FakeBackend(["<think>2 says it</think>\n<answer> [2] > [1] </answer>"])
    reranker = with_backend(Rearank(RerankerOptions()), backend)
    reranker.max_chars = 12
    window = [
        Candidate("q1", "sky blue?", "d1", "  Rayleigh \n\n scattering   of light ", 1),
        Candidate("q1", "sky blue?", "d2", "Title: Content: Sky colour", 2),
    ]
    [perm] = reranker.permute([window])
    assert backend.prompts[0] == [
        {
            "role": "system",
            "content": "You are DeepRerank, an intelligent assistant that can rank passages based "
            "on their relevancy to the search query. You first thinks about the reasoning process "
            "in the mind and then provides the user with the answer.",
        },
        {
            "role": "user",
            "content": "I will provide you with passages, each indicated by number identifier []. "
            "Rank the passages based on their relevance to the search query.Search Query: sky "
            "blue?. \nRank the 2 passages above based on their relevance to the search query.The "
            "passages should be listed in descending order using identifiers. The most relevant "
            "passages should be listed first. The output format should be <answer> [] > [] "
            "</answer>, e.g., <answer> [1] > [2] </answer>.",
        },
        {"role": "assistant", "content": "Okay, please provide the passages."},
        {"role": "user", "content": "[1] Rayleigh sca"},
        {"role": "assistant", "content": "Received passage [1]."},
        {"role": "user", "content": "[2] Sky colour"},
        {"role": "assistant", "content": "Received passage [2]."},
        {
            "role": "user",
            "content": "Please rank these passages according to their relevance to the search "
            'query: "sky blue?"\n            Follow these steps exactly:\n            1. First, '
            "within <think> tags, analyze EACH passage individually:\n            - Evaluate how "
            "well it addresses the query\n            - Note specific relevant information or "
            "keywords\n\n            2. Then, within <answer> tags, provide ONLY the final "
            "ranking in descending order of relevance using the format: [X] > [Y] > [Z]",
        },
    ]
    assert perm.order == [1, 0] and not perm.repaired
    params = backend.params[0]
    assert (params.max_new_tokens, params.temperature) == (2048, 0.0)


def test_rearank_is_registered_with_its_windows_and_published_number():
    cls = get_reranker_class("rearank-7b")
    assert cls is Rearank and cls.family == "listwise"
    assert (cls.window_size, cls.stride, cls.max_chars) == (20, 10, 400)
    assert Rearank(RerankerOptions()).window_starts(100) == [80, 70, 60, 50, 40, 30, 20, 10, 0]
    assert cls.meta.published.startswith("31.75")
    assert "abb4bd024b1ec65567f2a86195a62c3573d90d54" in cls.meta.citation


def test_rearank_parsing_is_the_authors_clean_response():
    # Inside <answer>: numbers in order, the reasoning's numbers ignored.
    text = "<think>[3] beats [1]</think><answer>[3] > [1]</answer>"
    assert parse_rearank(text, 3) == ([2, 0, 1], RepairStats(1, 1, 0, 0, 0, 1))
    # An unclosed <answer>: what follows </think>.
    assert parse_rearank("<think>[1] is bad</think> <answer>[2] > [1]", 2)[0] == [1, 0]
    # No tags at all: every number in the text (RankGPT's reading); duplicates and unknown
    # ids dropped and counted.
    order, fix = parse_rearank("[2] > [2] > [7] > [1]", 2)
    assert order == [1, 0] and (fix.duplicates, fix.unknown, fix.missing) == (1, 1, 0)


def test_rearank_counts_what_it_could_not_read():
    for bad in ("<think>[2] looks best but", "<answer>no ranking</answer>", ""):
        order, fix = parse_rearank(bad, 3)
        assert order == [0, 1, 2] and fix.no_answer == 1 and fix.repaired == 1, bad
