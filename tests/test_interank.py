"""ours-3b's prompts and the authors' label parsing, checked against hand-written values."""

import math

import pytest

from bright_eval.rerank import Candidate, RerankerOptions, get_reranker_class
from bright_eval.rerank.backends.base import Generation, GenerationBackend
from bright_eval.rerank.generative import MissingModelError
from bright_eval_zoo.interank import (
    INVALID,
    KEYWORD,
    LABEL,
    NO_KEYWORD,
    InteRank,
    InteRankLabelOnly,
    InteRankZeroShot,
    Parse,
    parse_explained,
    parse_label_only,
)


def test_the_variants_are_registered_under_their_names():
    assert get_reranker_class("ours-3b") is InteRank
    assert get_reranker_class("ours-3b-label-only") is InteRankLabelOnly
    assert get_reranker_class("ours-3b-zeroshot") is InteRankZeroShot
    assert "ZERO-SHOT" in InteRankZeroShot.description


@pytest.mark.parametrize("name", ["ours-3b-label-only", "llm-pointwise-label-only"])
def test_label_only_variants_keep_the_expected_label_score(name):
    # judge() computes expected_label without an explanation too, so `--score expected_label`
    # must be accepted for the label-only arms as well.
    assert get_reranker_class(name).meta.alternative_scores == ("expected_label",)


SAME = None  # the explanation is the whole response, stripped


@pytest.mark.parametrize(
    "response, label, how, explanation",
    [
        ("The document explains X.\n\nRelevance Label: 2", 2, LABEL, "The document explains X."),
        ("Partly.\nrelevance label: 1 because", 1, LABEL, "Partly."),
        ("No.\nRELEVANCE  LABEL:\n0", 0, LABEL, "No."),  # any case, any spacing
        ("model\nAbout X.\nRelevance Label: 2", 2, LABEL, "About X."),
        ("Relevance Label: -1", 1, LABEL, ""),  # the authors take the first digits
        # Failures: a label outside 0-2, or no number after the marker.
        ("Great.\nRelevance Label: 3", 0, INVALID, "Great."),
        ("Great.\nRelevance Label: 10", 0, INVALID, "Great."),
        ("Great.\nRelevance Label: high", 0, INVALID, "Great."),
        # No marker: keywords in the first 30 words.
        ("This document is partially relevant to it", 1, KEYWORD, SAME),
        ("The document is relevant: it answers", 2, KEYWORD, SAME),
        ("The document is not relevant at all", 0, KEYWORD, SAME),
        ("An irrelevant but relevant-sounding page", 0, KEYWORD, SAME),
        ("Bananas are yellow.", 0, NO_KEYWORD, SAME),
        ("w " * 30 + "relevant", 0, NO_KEYWORD, SAME),
        # Two markers are not one label: the fallback decides ("relevance" is not "relevant").
        ("Relevance Label: 2\nRelevance label: 1", 0, NO_KEYWORD, SAME),
    ],
)
def test_explained_outputs_parse_as_the_authors_parse_them(response, label, how, explanation):
    expected = Parse(label, how, response.strip() if explanation is SAME else explanation)
    assert parse_explained(response) == expected


@pytest.mark.parametrize(
    "response, label, how",
    [
        ("Relevance Label: 2", 2, LABEL),
        ("  Relevance Label: 1 ##", 1, LABEL),
        ("Relevance Label: 0 2", 2, LABEL),  # the last word before ##
        ("relevance label: 2", 0, INVALID),  # label-only matching is case-sensitive
        ("Relevance Label: two", 0, INVALID),
        ("Relevance Label: 5", 0, INVALID),
        ("2", 0, INVALID),
    ],
)
def test_label_only_outputs_parse_as_the_authors_parse_them(response, label, how):
    parsed = parse_label_only(response)
    assert (parsed.label, parsed.how) == (label, how)


class Canned(GenerationBackend):
    name = "canned"

    def __init__(self, generations):
        super().__init__("canned")
        self.generations, self.prompts = generations, []

    def generate(self, prompts, params):
        self.prompts.extend(prompts)
        self.params = params
        return self.generations[: len(prompts)]

    def next_token_logprobs(self, prompts, tokens):
        raise NotImplementedError


def test_missing_weights_stop_with_instructions_but_zero_shot_needs_none():
    with pytest.raises(
        MissingModelError, match="not public: pass your LoRA adapter with --adapter"
    ):
        InteRank(RerankerOptions())
    assert InteRankZeroShot(RerankerOptions()).model_name() == "meta-llama/Llama-3.2-3B-Instruct"
    assert InteRank(RerankerOptions(adapter="a")).model_name() == "meta-llama/Llama-3.2-3B-Instruct"
    assert InteRank(RerankerOptions(model="/m")).model_name() == "/m"


def test_prompts_decoding_truncation_and_the_expected_label():
    tokens = ["Fine", ".", "\n\n", "Relevance", " Label", ":", " 2"]
    top = [{t: 0.0} for t in tokens]
    top[6] = {" 2": math.log(0.6), " 1": math.log(0.3), " 0": math.log(0.1)}
    canned = [
        Generation("Fine.\n\nRelevance Label: 2", 120, 7, "stop", top, tokens),
        Generation("Bananas.", 100, 3, "length", [{"B": 0.0}] * 3, ["Ban", "anas", "."]),
    ]
    for cls in (InteRank, InteRankZeroShot, InteRankLabelOnly):
        reranker = cls(RerankerOptions(model="/m"))
        reranker.backend = Canned(canned)
        long_doc = "x" * 7_999 + "yz"
        cands = [
            Candidate("7", "Why?", "a.txt", long_doc, 1),
            Candidate("7", "Why?", "b.txt", "B", 2),
        ]
        judged = reranker.judge(cands)
        params = reranker.backend.params
        assert (params.max_new_tokens, params.temperature, params.stop) == (1024, 0.0, (" ##",))
        (message,) = reranker.backend.prompts[0]
        assert message["role"] == "user"
        assert message["content"].endswith("Question: Why?\nDocument: " + "x" * 7_999 + "y")
        if cls is InteRank:
            assert message["content"] == (
                "Explain whether the following document is relevant or not to the given question. "
                "Then end your response with a relevance label (0: irrelevant, 1: partially "
                "relevant, 2: relevant) and the symbol '##'. Question: Why?\nDocument: "
                + "x" * 7_999
                + "y"
            )
        if cls is InteRankZeroShot:
            assert message["content"].startswith(
                "Explain whether the following document is relevant or not to the given question. "
                "Then end your response with a relevance label (0: irrelevant, 1: partially "
                "relevant, 2: relevant) and the symbol '##'. Your response should have this "
                "format: '<explanation>\nRelevance Label: <label> ##'. Question: Why?\nDocument: x"
            )
        if cls is InteRankLabelOnly:
            assert message["content"].startswith(
                "Rate the relevance of the following document to the given question using these "
                "labels (0: irrelevant, 1: partially relevant, 2: relevant). Your response should "
                "have this format: 'Relevance Label: <label> ##'. Question: Why?\nDocument: x"
            )
    # The last reranker (label-only) parsed "Fine.\n\nRelevance Label: 2" as 2 as well.
    assert judged[0].label == 2 and judged[0].parsed
    # 2 x 0.6 + 1 x 0.3 + 0 x 0.1 = 1.5
    assert judged[0].scores["expected_label"] == pytest.approx(1.5)
    assert judged[1].label == 0 and not judged[1].parsed and judged[1].scores == {}
    assert (judged[0].raw, judged[0].prompt_tokens, judged[0].generated_tokens) == (
        canned[0].text,
        120,
        7,
    )


def test_the_configuration_changes_with_prompt_model_truncation_and_length():
    a = InteRank(RerankerOptions(model="/m", backend="openai"))
    same = InteRank(RerankerOptions(model="/m", backend="openai"))
    assert a.config_hash() == same.config_hash()
    others = [
        InteRankZeroShot(RerankerOptions(model="/m", backend="openai")),
        InteRank(RerankerOptions(model="/n", backend="openai")),
        InteRank(RerankerOptions(model="/m", adapter="/a", backend="openai")),
        InteRank(RerankerOptions(model="/m", backend="openai", max_new_tokens=16)),
    ]
    assert len({a.config_hash(), *(o.config_hash() for o in others)}) == 5
    assert a.config()["max_document_chars"] == 8000 and a.config()["max_new_tokens"] == 1024
    assert others[-1].config()["max_new_tokens_overridden"] is True


def test_the_label_token_is_found_in_a_real_tokenization(smollm2_path):
    from transformers import AutoTokenizer

    from bright_eval_zoo.interank import label_token_index

    tokenizer = AutoTokenizer.from_pretrained(smollm2_path)
    ids = tokenizer("It is about 3 moths.\n\nRelevance Label: 2", add_special_tokens=False)[
        "input_ids"
    ]
    tokens = [tokenizer.decode([i]) for i in ids]
    index = label_token_index(tokens)
    # The digit after the marker, not the "3" of the explanation.
    assert tokens[index].strip() == "2" and index == len(tokens) - 1
    assert label_token_index(tokens[:-1]) is None
