"""TFRank: the exact completion prompt, reading p(yes) and the 0-4 label from the generated
tokens' log-probabilities, the authors' Merge score, and the counted fallback."""

import math

import pytest

from bright_eval.rerank import Candidate, RerankerOptions, get_reranker_class
from bright_eval.rerank.backends.base import Generation
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.runner import rerank
from bright_eval_zoo.tfrank import TFRank
from tests.fakes import FakeBackend, with_backend


class Scripted(FakeBackend):
    """Answers with whole `Generation`s (tokens and their top log-probabilities)."""

    def generate(self, prompts, params):
        self.prompts.extend(prompts)
        self.params.append(params)
        return [self.outputs.pop(0) for _ in prompts]


def tokens(*pairs):
    """A generation from (token, {alternative: logprob}) pairs."""
    return Generation(
        text="".join(t for t, _ in pairs),
        tokens=[t for t, _ in pairs],
        token_logprobs=[top for _, top in pairs],
        finish_reason="stop",
    )


def test_tfrank_prompt_is_the_authors_completion_prompt():
    backend = Scripted([tokens(("no", {"no": 0.0}), ("(", {"(": 0.0}), ("0", {"0": 0.0}))])
    reranker = with_backend(TFRank(RerankerOptions()), backend)
    reranker.judge([Candidate("q1", "what is {x}?", "d1", "A doc.", 1)])
    assert backend.prompts[0] == (
        "<|im_start|>system\nBased on the relevance of the Documents to the Query and the "
        "Instruct provided to complete the task.\n<|im_end|>\n<|im_start|>user\n<Instruct>: "
        "Please judge the relevance strength between the query and the document, and directly "
        "output the relevance judgment (yes or no), followed by the relevance score in "
        "parentheses, e.g., yes(score) or no(score).\n\n\n- Relevance scores are represented "
        "by numbers from 0 to 4, with the following meanings:\n0 means completely irrelevant,\n"
        "1 means weakly relevant,\n2 means moderately relevant,\n3 means strongly relevant,\n"
        "4 means completely relevant.\n\n- For binary relevance judgment (yes or no), the rule "
        'is:\nScores 0 and 1 are considered irrelevant and represented as "no",\nScores 2, 3, '
        'and 4 are considered relevant and represented as "yes".\n\n\n<Query>: what is {x}?\n'
        "\n\n<Document>: A doc.\nPlease directly output the relevance judgment (yes or no), "
        "followed by the relevance score in parentheses, e.g., yes(score) or no(score). /no "
        "think\n<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
    )
    params = backend.params[0]
    assert (params.max_new_tokens, params.temperature, params.top_logprobs) == (128, 0.0, 20)


def test_tfrank_reads_yes_and_the_label_and_merges_them_as_the_authors_do(tmp_path):
    ln = math.log
    answer = tokens(
        ("yes", {"yes": ln(0.6), "Yes": ln(0.3), "no": ln(0.1)}),  # p(yes) = .6 / .7
        ("(", {"(": 0.0}),
        # "4" absent: it takes the lowest log-probability here minus 10, about 0.
        ("3", {"3": ln(0.5), "2": ln(0.25), "1": ln(0.125), "0": ln(0.125)}),
        (")", {")": 0.0}),
    )
    backend = Scripted([answer])
    reranker = with_backend(TFRank(RerankerOptions()), backend)
    cands = {"q1": [Candidate("q1", "q", "d1", "doc", 1)]}
    result = rerank(reranker, cands, OutputCache(tmp_path), progress=False)
    [out] = result.outputs
    # Label expectation: 0 x .125 + 1 x .125 + 2 x .25 + 3 x .5 (+ 4 x ~3e-5) = 2.125.
    assert out["scores"]["label"] == pytest.approx(2.125, abs=1e-3)
    assert out["scores"]["yesno"] == pytest.approx(6 / 7)
    assert out["score"] == pytest.approx((2.125 / 4 + 6 / 7) / 2, abs=1e-3)
    assert out["label"] == 3 and out["parsed"]
    assert set(result.runs) == {"score", "label", "yesno"}


def test_an_answer_without_a_label_gets_the_authors_error_values_and_is_counted(tmp_path):
    backend = Scripted([tokens(("maybe", {"maybe": 0.0}), ("?", {"?": 0.0}))])
    reranker = with_backend(TFRank(RerankerOptions()), backend)
    cands = {"q1": [Candidate("q1", "q", "d1", "doc", 1)]}
    result = rerank(reranker, cands, OutputCache(tmp_path), progress=False)
    [out] = result.outputs
    assert out["score"] == (0.5 / 4 + 0.5) / 2 and not out["parsed"] and out["label"] is None
    assert result.stats.parse_failures == 1 and result.stats.how_parsed == {"no-label": 1}


def test_tfrank_is_registered_with_its_model_and_published_number():
    cls = get_reranker_class("tfrank-8b")
    assert cls is TFRank and cls.family == "pointwise"
    assert cls.meta.model_id == "Johnnyfans/TFRank-SFT-GRPO-Qwen3-8B"
    assert cls.meta.published.startswith("31.2")
    assert "18765965443e1a57c5444fad5b55026a8a9d14bf" in cls.meta.citation


def test_softmax_over_alternatives_that_are_all_minus_infinity_is_uniform():
    from bright_eval_zoo.tfrank import softmax

    # exp(-inf - -inf) is NaN; a server's top log-probs may hold only -inf for these tokens.
    assert softmax([float("-inf")] * 4) == [0.25] * 4
    assert softmax([0.0, float("-inf")]) == [1.0, 0.0]
