"""rank1 and llm-pointwise: exact prompts, verdict parsing, scoring rule, malformed outputs."""

import math
from dataclasses import replace

import pytest

from bright_eval.rerank import Candidate, RerankerOptions, get_reranker_class
from bright_eval.rerank.generative import MissingModelError
from bright_eval_zoo.llm_pointwise import LLMPointwise
from bright_eval_zoo.rank1 import Rank1, Rank1_14B, Rank1_32B
from tests.fakes import FakeBackend, with_backend

PAIR = Candidate("q1", "why is the sky blue", "d1", "Rayleigh scattering.", first_stage_rank=1)
RANK1_PROMPT = (
    "Determine if the following passage is relevant to the query. Answer only with 'true' or "
    "'false'.\nQuery: why is the sky blue\nPassage: Rayleigh scattering.\n<think>"
)


M = RerankerOptions(model="m")


def lp(p_true_unnormalised, p_false_unnormalised):
    return {" true": math.log(p_true_unnormalised), " false": math.log(p_false_unnormalised)}


# --- rank1 --------------------------------------------------------------------------------------


def test_rank1_scores_the_verdict_token_after_the_closed_reasoning():
    # The stop string "</think> true" was cut from the text; p(true) over {true, false} only:
    # 0.6 / (0.6 + 0.2) = 0.75, whatever mass other tokens had.
    backend = FakeBackend(["Scattering explains it.\n"], [lp(0.6, 0.2)])
    [j] = with_backend(Rank1(), backend).judge([PAIR])
    assert backend.prompts == [RANK1_PROMPT]
    assert backend.params[0].stop == ("</think> true", "</think> false")
    assert backend.params[0].temperature == 0.0 and backend.params[0].max_new_tokens == 8192
    assert backend.logprob_prompts == [RANK1_PROMPT + "Scattering explains it.\n</think>"]
    assert backend.logprob_tokens == [[" true", " false"]]
    assert math.isclose(j.score, 0.75)
    assert j.parsed and j.label == 1 and not j.details["forced_verdict"]


def test_rank1_forces_a_verdict_when_reasoning_runs_out_of_tokens():
    # Cut at the last full sentence, then "\n</think>": the authors' fix for unfinished output.
    backend = FakeBackend([("It is about light. But the passage then", "length")], [lp(1, 3)])
    [j] = with_backend(Rank1(), backend).judge([PAIR])
    assert backend.logprob_prompts == [RANK1_PROMPT + "\nIt is about light.\n</think>"]
    assert math.isclose(j.score, 0.25)
    assert not j.parsed and j.details["forced_verdict"] and j.label == 0


def test_rank1_forces_a_verdict_when_the_model_closes_reasoning_without_one():
    backend = FakeBackend(["Not related.</think> maybe"], [lp(1, 1)])
    [j] = with_backend(Rank1(), backend).judge([PAIR])
    assert backend.logprob_prompts == [RANK1_PROMPT + "\nNot related.\n</think>"]
    assert math.isclose(j.score, 0.5) and not j.parsed


def test_rank1_without_either_verdict_token_scores_one_half_and_counts_as_unparsed():
    # A server's top log-probabilities held neither " true" nor " false": both are -inf, and
    # softmax over two -inf is 0/0; the fallback is 0.5 (a finite score the cache can keep).
    backend = FakeBackend(
        ["Scattering explains it.\n"], [{" true": -math.inf, " false": -math.inf}]
    )
    [j] = with_backend(Rank1(), backend).judge([PAIR])
    assert j.score == 0.5 and not j.parsed and j.label is None


def test_rank1_sizes_are_registered_with_their_models():
    assert get_reranker_class("rank1-7b") is Rank1
    assert Rank1_14B.model_id == "jhu-clsp/rank1-14b"
    assert Rank1_32B.model_id == "jhu-clsp/rank1-32b"
    config = with_backend(Rank1_32B(), FakeBackend()).config()
    assert config["model"] == "jhu-clsp/rank1-32b" and config["max_new_tokens"] == 8192


def test_rank1_reasons_for_at_most_max_new_tokens_when_it_is_given():
    backend = FakeBackend([("Short.", "length")], [lp(1, 1)])
    reranker = with_backend(Rank1(RerankerOptions(max_new_tokens=64)), backend)
    reranker.judge([PAIR])
    assert backend.params[0].max_new_tokens == 64
    assert reranker.config()["max_new_tokens"] == 64


def test_rank1_puts_the_query_in_the_authors_bright_template_for_its_domain():
    """Templates typed out here from orionw/rank1 prompts.py (commit fda47c8), not imported."""
    intro = (
        "Determine if the following passage is relevant to the query. Answer only with 'true' or "
        "'false'.\nQuery: "
    )
    tail = "\nPassage: Rayleigh scattering.\n<think>"
    q = "why is the sky blue"
    expected = {
        "biology": "Can you find background information about the concepts used to answer the "
        f"question:\n\n{q}\n\nA passage is relevant if it contains background information about "
        "a **sub-concept** that someone might cite/link to when answering the above question.",
        "pony": f"I will use the programming language pony. Problem: {q}\n\nBut to solve the "
        "problem above, I need to know things about pony. A passage is relevant if it contains "
        "docs that match **any** part (even basic parts) of the code I will have to write for "
        "the above program.",
        "theoremqa_theorems": "Find a passage which uses the same mathematical process as this "
        f"one: {q}",
        "leetcode": "I am looking to find different problems that share similar data structures "
        "(of any kind) or algorithms (e.g. DFS, DP, sorting, traversals, etc.). I am looking for "
        f"problems that share one or both of these similarities to this:\n    \n{q}\n\nDoes this "
        "passage share any similarities? e.g. if there was a textbook on leetcode problems, this "
        "would be in the same book even though it could be in a different chapter. \n\n\n",
        "": q,  # no domain (a candidate built by hand): the bare query
    }
    for domain, query in expected.items():
        backend = FakeBackend(["Done.\n"], [lp(1, 1)])
        with_backend(Rank1(), backend).judge([replace(PAIR, domain=domain)])
        assert backend.prompts == [intro + query + tail], domain

    class BareRank1(Rank1):
        bright_query_templates = False

    backend = FakeBackend(["Done.\n"], [lp(1, 1)])
    bare = with_backend(BareRank1(), backend)
    bare.judge([replace(PAIR, domain="pony")])
    assert backend.prompts == [RANK1_PROMPT]
    assert bare.config() != with_backend(Rank1(), FakeBackend()).config()


# --- llm-pointwise ------------------------------------------------------------------------------


def test_llm_pointwise_prompts_are_the_interank_zero_shot_and_label_only_prompts():
    explain = FakeBackend(["Scattering is the cause.\n\nRelevance Label: 2"])
    with_backend(LLMPointwise(M), explain).judge([PAIR])
    assert explain.prompts == [
        [
            {
                "role": "user",
                "content": "Explain whether the following document is relevant or not to the "
                "given question. Then end your response with a relevance label (0: irrelevant, "
                "1: partially relevant, 2: relevant) and the symbol '##'. Your response should "
                "have this format: '<explanation>\nRelevance Label: <label> ##'. Question: why "
                "is the sky blue\nDocument: Rayleigh scattering.",
            }
        ]
    ]
    assert explain.params[0].stop == (" ##",) and explain.params[0].max_new_tokens == 1024
    label_only = FakeBackend(["Relevance Label: 1"])
    with_backend(LLMPointwise(M, explanation=False), label_only).judge([PAIR])
    assert label_only.prompts[0][0]["content"] == (
        "Rate the relevance of the following document to the given question using these labels "
        "(0: irrelevant, 1: partially relevant, 2: relevant). Your response should have this "
        "format: 'Relevance Label: <label> ##'. Question: why is the sky blue\nDocument: "
        "Rayleigh scattering."
    )


def test_llm_pointwise_keeps_the_first_8000_characters_of_a_document():
    backend = FakeBackend(["Relevance Label: 0"])
    long = Candidate("q", "q?", "d", "x" * 8000 + "TAIL", first_stage_rank=1)
    with_backend(LLMPointwise(M), backend).judge([long])
    assert backend.prompts[0][0]["content"].endswith("Document: " + "x" * 8000)


def test_labels_are_parsed_as_ours_3b_parses_them_in_each_mode():
    # The explained prompt's parser takes the marker in any case; the label-only parser, as
    # the authors', takes "Relevance Label:" exactly and the last word before "##".
    replies = ["relevance label: 2 ##", "Relevance Label: 1 ##", "It is partially relevant."]
    explained = with_backend(LLMPointwise(M), FakeBackend(replies)).judge([PAIR] * 3)
    assert [(j.label, j.how_parsed) for j in explained] == [
        (2, "label"),
        (1, "label"),
        (1, "keyword"),
    ]
    label_only = with_backend(LLMPointwise(M, explanation=False), FakeBackend(replies))
    judged = label_only.judge([PAIR] * 3)
    assert [(j.label, j.parsed) for j in judged] == [(0, False), (1, True), (0, False)]


def test_a_model_is_required():
    with pytest.raises(MissingModelError, match="llm-pointwise: no model given"):
        LLMPointwise()


def test_unparseable_replies_score_zero_and_are_flagged():
    backend = FakeBackend(["Relevance Label: 2", "I refuse.", ("The document", "length")])
    judgements = with_backend(LLMPointwise(M), backend).judge([PAIR, PAIR, PAIR])
    assert [j.score for j in judgements] == [2.0, 0.0, 0.0]
    assert [j.parsed for j in judgements] == [True, False, False]
    assert judgements[2].how_parsed == "no-keyword"
    assert judgements[2].details == {"finish_reason": "length"}


def test_the_explanation_ablation_changes_the_config():
    with_expl = with_backend(LLMPointwise(M), FakeBackend())
    without = with_backend(LLMPointwise(M, explanation=False), FakeBackend())
    assert with_expl.config()["explain"] is True and without.config()["explain"] is False
    assert with_expl.config_hash() != without.config_hash()


def test_the_label_only_arm_has_a_name_of_its_own():
    from bright_eval.rerank import get_reranker_class

    cls = get_reranker_class("llm-pointwise-label-only")
    backend = FakeBackend(["Relevance Label: 2 ##"])
    judged = with_backend(cls(M), backend).judge([PAIR])
    assert backend.prompts[0][0]["content"].startswith("Rate the relevance of the following")
    assert (judged[0].label, judged[0].parsed) == (2, True)
    assert with_backend(cls(M), FakeBackend()).config()["explain"] is False
