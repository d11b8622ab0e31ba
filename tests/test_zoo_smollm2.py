"""The causal baselines end to end on real small weights (SmolLM2-135M-Instruct), through the
project's transformers backend built from the reranker's options. SmolLM2 is no reranker: these
tests check the plumbing with a real tokenizer, chat template and model (the text the model
sees, the verdict log-probabilities, that whatever it answers becomes a valid permutation or a
flagged label), not ranking quality."""

import math

import pytest
import torch

from bright_eval.rerank import Candidate, RerankerOptions
from bright_eval.rerank.backends.hf import TransformersBackend
from bright_eval_zoo.interank import parse_label_only
from bright_eval_zoo.listwise import RankGPT
from bright_eval_zoo.llm_pointwise import LLMPointwise
from bright_eval_zoo.rank1 import Rank1, forced_continuation
from tests.snapshot import Recorder


@pytest.fixture
def smol(smollm2_path):
    def options(max_new_tokens):
        return RerankerOptions(
            model=smollm2_path, backend="transformers", max_new_tokens=max_new_tokens
        )

    return options


def pairs():
    return [
        Candidate("q1", "why is the sky blue", "d1", "Rayleigh scattering of sunlight.", 1),
        Candidate("q1", "why is the sky blue", "d2", "Pony is an actor language.", 2),
        Candidate("q1", "why is the sky blue", "d3", "Sunsets look red for the same reason.", 3),
    ]


def test_rank1_on_smollm2_scores_p_true_after_the_forced_verdict(smol):
    # 6 new tokens never reach "</think>", so every verdict is forced (and flagged); the forced
    # text itself is checked by hand in test_zoo_pointwise_generative.
    reranker = Rank1(smol(6))
    judgements = reranker.judge(pairs()[:2])
    assert isinstance(reranker.backend, TransformersBackend)
    tokenizer, net = reranker.backend.tokenizer, reranker.backend.hf_model
    for candidate, j in zip(pairs()[:2], judgements, strict=True):
        assert not j.parsed and j.details["forced_verdict"]
        verdict_prompt = reranker.prompt(candidate) + forced_continuation(j.raw)
        ids = tokenizer(verdict_prompt, return_tensors="pt", add_special_tokens=False)
        with torch.no_grad():
            logits = net(**ids).logits[0, -1].float()
        true_id, false_id = 2629, 7065  # " true", " false" in SmolLM2's vocabulary
        expected = torch.softmax(logits[[true_id, false_id]], dim=0)[0].item()
        assert math.isclose(j.score, expected, rel_tol=1e-4)
        assert j.generated_tokens == 6


def test_rankgpt_on_smollm2_renders_the_conversation_and_returns_a_permutation(smol, monkeypatch):
    recorder = Recorder(monkeypatch)
    reranker = RankGPT(smol(24))
    [perm] = reranker.permute([pairs()])
    [model_input] = recorder.inputs
    assert (
        "<|im_start|>user\nI will provide you with 3 passages, each indicated by number "
        "identifier []. \nRank the passages based on their relevance to query: why is the sky "
        "blue.<|im_end|>\n<|im_start|>assistant\nOkay, please provide the passages.<|im_end|>\n"
        "<|im_start|>user\n[1] Rayleigh scattering of sunlight.<|im_end|>\n"
    ) in model_input
    assert model_input.endswith(
        "do not say any word or explain.<|im_end|>\n<|im_start|>assistant\n"
    )
    assert sorted(perm.order) == [0, 1, 2]
    assert perm.repair.windows == 1  # what the answer needed travels with it


def test_llm_pointwise_on_smollm2_labels_or_flags_every_pair(smol, monkeypatch):
    recorder = Recorder(monkeypatch)
    reranker = LLMPointwise(smol(12), explanation=False)
    judgements = reranker.judge(pairs())
    for j in judgements:
        expected = parse_label_only(j.raw)
        assert (j.score, j.parsed) == (float(expected.label), expected.how == "label")
        assert j.score in (0.0, 1.0, 2.0) and j.generated_tokens <= 12
    assert recorder.outputs == [j.raw for j in judgements]
    assert recorder.inputs[-1].startswith("<|im_start|>system\n")
    assert "<|im_start|>user\nRate the relevance of the following document" in recorder.inputs[-1]
