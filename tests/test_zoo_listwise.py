"""Listwise baselines: exact prompts, the permutation parser and its repairs."""

import pytest

from bright_eval.rerank import Candidate, RepairStats, RerankerOptions, get_reranker_class
from bright_eval.rerank.generative import MissingModelError
from bright_eval.rerank.permutation import repair_ids
from bright_eval_zoo.listwise import (
    BrightListwise,
    RankGPT,
    RankZephyr,
    ReasonRank,
    parse_bright,
    parse_ranking,
    parse_reasonrank,
)
from tests.fakes import FakeBackend, with_backend


def window(*docs, query="why is the sky blue"):
    return [
        Candidate("q1", query, f"d{i}", doc, first_stage_rank=i)
        for i, doc in enumerate(docs, start=1)
    ]


# --- the parser ---------------------------------------------------------------------------------


def test_a_well_formed_answer_is_taken_as_is():
    order, fix = parse_ranking("[3] > [1] > [2]", 3)
    assert order == [2, 0, 1]
    assert fix == RepairStats(windows=1)


def test_repair_drops_duplicates_and_unknown_ids_and_appends_the_missing_in_input_order():
    # Model said 2, 3, 2 (again), 7 (no such passage), 1 over 5 passages: 4 and 5 never named.
    order, fix = parse_ranking("[2] > [3] > [2] > [7] > [1]", 5)
    assert order == [1, 2, 0, 3, 4]
    assert (fix.duplicates, fix.unknown, fix.missing) == (1, 1, 2)
    assert fix.repaired and not fix.no_answer


def test_id_zero_is_unknown_not_the_first_passage():
    order, fix = repair_ids([0, 2, 1], 2)
    assert order == [1, 0]
    assert fix.unknown == 1


def test_an_answer_with_no_ids_keeps_the_input_order_and_says_so():
    order, fix = parse_ranking("I cannot rank these passages.", 3)
    assert order == [0, 1, 2]
    assert fix.no_answer and fix.repaired and fix.missing == 3


def test_reasonrank_reads_only_the_answer_tag():
    text = "<think>passage [3] looks best, then [1]</think>\n<answer>[2] > [1] > [3]</answer>"
    assert parse_reasonrank(text, 3)[0] == [1, 0, 2]
    # Upper-case tags: the authors match on the lower-cased text.
    upper = parse_reasonrank("<THINK>x</THINK><ANSWER>[3] > [2] > [1]</ANSWER>", 3)[0]
    assert upper == [2, 1, 0]
    # An answer tag that was opened but never closed (length cut): what follows it is read.
    order, fix = parse_reasonrank("<think>long</think> <answer>[3] > [1]", 3)
    assert order == [2, 0, 1] and fix.missing == 1


def test_reasonrank_without_an_answer_falls_back_to_the_input_order():
    order, fix = parse_reasonrank("<think>[3] is clearly best, then [2] and [1]", 3)
    assert order == [0, 1, 2]
    assert fix.no_answer


def test_bright_reads_the_last_json_block():
    text = "reasoning...\n```json\n[9]\n```\nfinal:\n```json\n[2, 1, 3]\n```"
    # Greedy like BRIGHT's regex: from the first ```json to the last ```, which is not JSON, so
    # this answer fails and keeps the input order, exactly as the reference does.
    assert parse_bright(text, 3)[1].no_answer
    assert parse_bright("ok\n```json\n[2, 1, 3]\n```", 3)[0] == [1, 0, 2]
    order, fix = parse_bright('```json\n["2", 3, 3, true]\n```', 3)
    assert order == [2, 0, 1]
    assert (fix.unknown, fix.duplicates, fix.missing) == (2, 1, 2)
    assert parse_bright("```json\n{not json}\n```", 2)[1].no_answer
    assert parse_bright("[1, 2]", 2)[1].no_answer  # no json block at all


# --- exact prompts ------------------------------------------------------------------------------


def test_rankgpt_prompt_is_the_rankgpt_conversation():
    backend = FakeBackend(["[2] > [1]"])
    reranker = with_backend(RankGPT(RerankerOptions(model="any-chat-model")), backend)
    [perm] = reranker.permute([window("Rayleigh  scattering\nof light.", "Sky [1] colour")])
    assert backend.prompts[0] == [
        {
            "role": "system",
            "content": "You are RankGPT, an intelligent assistant that can rank passages based "
            "on their relevancy to the query.",
        },
        {
            "role": "user",
            "content": "I will provide you with 2 passages, each indicated by number identifier "
            "[]. \nRank the passages based on their relevance to query: why is the sky blue.",
        },
        {"role": "assistant", "content": "Okay, please provide the passages."},
        {"role": "user", "content": "[1] Rayleigh scattering of light."},
        {"role": "assistant", "content": "Received passage [1]."},
        {"role": "user", "content": "[2] Sky [1] colour"},
        {"role": "assistant", "content": "Received passage [2]."},
        {
            "role": "user",
            "content": "Search Query: why is the sky blue. \nRank the 2 passages above based on "
            "their relevance to the search query. The passages should be listed in descending "
            "order using identifiers. The most relevant passages should be listed first. The "
            "output format should be [] > [], e.g., [1] > [2]. Only response the ranking "
            "results, do not say any word or explain.",
        },
    ]
    assert perm.order == [1, 0] and not perm.repaired and perm.raw == "[2] > [1]"
    assert backend.params[0].temperature == 0.0


def test_rankgpt_passages_keep_their_first_300_words():
    backend = FakeBackend(["[1]"])
    long_doc = " ".join(f"w{i}" for i in range(400))
    with_backend(RankGPT(RerankerOptions(model="m")), backend).permute([window(long_doc)])
    assert backend.prompts[0][3]["content"] == "[1] " + " ".join(f"w{i}" for i in range(300))


def test_rankzephyr_prompt_is_one_user_turn_with_ids_escaped():
    backend = FakeBackend(["[1] > [2]"])
    with_backend(RankZephyr(), backend).permute(
        [window("Blue  light [12] scatters.", "Caf\u00c3\u00a9")]
    )
    system, user = backend.prompts[0]
    assert system == {
        "role": "system",
        "content": "You are RankLLM, an intelligent assistant that can rank passages based on "
        "their relevancy to the query",
    }
    assert user["content"] == (
        "I will provide you with 2 passages, each indicated by a numerical identifier []. Rank "
        "the passages based on their relevance to the search query: why is the sky blue.\n"
        "[1] Blue light (12) scatters.\n"
        "[2] Caf\u00e9\n"  # ftfy repairs the mojibake, as rank_llm does
        "Search Query: why is the sky blue.\nRank the 2 passages above based on their relevance "
        "to the search query. All the passages should be included and listed using identifiers, "
        "in descending order of relevance. The output format should be [] > [], e.g., [2] > [1], "
        "Only respond with the ranking results, do not say any word or explain."
    )


class WordTokenizer:
    """Whitespace tokens, so the truncation to N tokens can be worked out by hand."""

    def tokenize(self, text):
        return text.split()

    def convert_tokens_to_string(self, tokens):
        return " ".join(tokens)


def test_reasonrank_prompt_and_token_truncation():
    backend = FakeBackend(["<think>[2] answers it</think>\n<answer>[2] > [1]</answer>"])
    reranker = with_backend(ReasonRank(tokenizer=WordTokenizer()), backend)
    reranker.passage_tokens = 3
    [perm] = reranker.permute([window("one two three four", "see [4] here")])
    system, user = backend.prompts[0]
    assert system["content"].startswith(
        "You are RankLLM, an intelligent assistant that can rank passages based on their "
        "relevance to the query. Given a query and a passage list, you first thinks"
    )
    assert system["content"].endswith(
        "i.e., <think> reasoning process here </think> <answer> answer here </answer>."
    )
    assert user["content"] == (
        "I will provide you with 2 passages, each indicated by a numerical identifier []. Rank "
        "the passages based on their relevance to the search query: why is the sky blue.\n\n"
        "[1] one two three\n"
        "[2] see (4) here\n"
        "Search Query: why is the sky blue.\nRank the 2 passages above based on their relevance "
        "to the search query. All the passages should be included and listed using identifiers, "
        "in descending order of relevance. The format of the answer should be [] > [], e.g., "
        "[2] > [1]."
    )
    assert perm.order == [1, 0] and not perm.repaired
    assert reranker.config()["tokenizer"] == "WordTokenizer"
    assert with_backend(ReasonRank(), FakeBackend()).config()["tokenizer"] == (
        "liuwenhan/reasonrank-7B"
    )
    assert backend.params[0].max_new_tokens == 3172 and backend.params[0].temperature == 0.0


def test_bright_listwise_prompt_is_brights_rerank_prompt():
    backend = FakeBackend(["The problem is optics.\n```json\n[2, 1]\n```"])
    reranker = with_backend(BrightListwise(RerankerOptions(model="gpt-4")), backend)
    [perm] = reranker.permute([window("Light\n\nscatters.", "Blue", query="sky\nblue?")])
    system, user = backend.prompts[0]
    assert system == {"role": "system", "content": "You are a helpful assistant"}
    assert user["content"] == (
        "The following passages are related to query: sky  blue?\n\n"
        "[1]. Light scatters.\n\n"
        "[2]. Blue\n\n"
        "First identify the essential problem in the query.\n"
        "Think step by step to reason about why each document is relevant or irrelevant.\n"
        "Rank these passages based on their relevance to the query.\n"
        "Please output the ranking result of passages as a list, where the first element is the "
        "id of the most relevant passage, the second element is the id of the second most "
        "element, etc.\n"
        "Please strictly follow the format to output a list of 2 ids corresponding to the most "
        "relevant 2 passages, sorted from the most to least relevant passage. First think step "
        "by step and write the reasoning process, then output the ranking results as a list of "
        "ids in a json format."
    )
    assert perm.order == [1, 0]
    # One prompt over the whole top-100, as rerank.py does; sampling settings of the reference.
    assert reranker.window_starts(100) == [0]
    assert backend.params[0].temperature == 0.8 and backend.params[0].max_new_tokens == 2048
    assert backend.params[0].top_p == 0.8


# --- the reranker loop --------------------------------------------------------------------------


def test_permute_answers_every_window_in_order_and_counts_repairs():
    backend = FakeBackend(["[2] > [1] > [3]", "[1] > [1]", "no idea"])
    reranker = with_backend(RankGPT(RerankerOptions(model="m")), backend)
    perms = reranker.permute([window("a", "b", "c"), window("a", "b"), window("a", "b")])
    assert [p.order for p in perms] == [[1, 0, 2], [0, 1], [0, 1]]
    assert [p.repaired for p in perms] == [False, True, True]
    assert [p.generated_tokens for p in perms] == [7, 7, 7]
    total = RepairStats()
    for p in perms:
        total.add(p.repair)
    assert total.to_json() == {
        "windows": 3,
        "repaired": 2,
        "no_answer": 1,
        "duplicates": 1,
        "unknown": 0,
        "missing": 3,  # "[1] > [1]" misses 2; "no idea" misses both
        "forced": 0,  # no reasoning budget, nothing forced
    }


def test_config_names_model_backend_prompt_and_decoding():
    a = with_backend(RankGPT(RerankerOptions(model="m1", backend="openai")), FakeBackend())
    b = with_backend(RankGPT(RerankerOptions(model="m2")), FakeBackend())
    config = a.config()
    assert config["model"] == "m1" and config["backend"] == "openai"
    assert config["window_size"] == 20 and config["stride"] == 10
    assert config["prompts"]["passage_assistant"] == "Received passage [{rank}]."
    assert config["prompts"]["prefix"].startswith("I will provide you with {num} passages")
    assert a.config_hash() != b.config_hash()
    zephyr = with_backend(RankZephyr(), FakeBackend())
    assert zephyr.config()["model"] == "castorini/rank_zephyr_7b_v1_full"
    assert (
        zephyr.config_hash()
        != with_backend(RankZephyr(RerankerOptions(revision="abc")), FakeBackend()).config_hash()
    )


def test_listwise_baselines_are_registered_by_name():
    assert get_reranker_class("rankgpt") is RankGPT
    assert get_reranker_class("rankzephyr") is RankZephyr
    assert get_reranker_class("reasonrank-7b") is ReasonRank
    assert get_reranker_class("bright-listwise") is BrightListwise


def test_a_model_is_required_where_there_is_no_default():
    with pytest.raises(MissingModelError, match="rankgpt: no model given; pass --model"):
        RankGPT()
