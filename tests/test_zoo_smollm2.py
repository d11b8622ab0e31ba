"""The causal baselines end to end on real small weights (SmolLM2-135M-Instruct), through a
minimal transformers backend. SmolLM2 is no reranker: these tests check the plumbing with a real
tokenizer, chat template and model (the text the model sees, the verdict log-probabilities, that
whatever it answers becomes a valid permutation or a flagged label), not ranking quality."""

import math

import pytest
import torch

from baselines.listwise import RankGPT
from baselines.llm_pointwise import LLMPointwise, parse_label
from baselines.rank1 import Rank1, forced_continuation
from bright_eval.rerank import Candidate


@pytest.fixture(scope="module")
def smol(smollm2_path):
    from tests.hf_backend import TinyTransformersBackend

    return TinyTransformersBackend(smollm2_path)


def pairs():
    return [
        Candidate("q1", "why is the sky blue", "d1", "Rayleigh scattering of sunlight.", 1),
        Candidate("q1", "why is the sky blue", "d2", "Pony is an actor language.", 2),
        Candidate("q1", "why is the sky blue", "d3", "Sunsets look red for the same reason.", 3),
    ]


def test_rank1_on_smollm2_scores_p_true_after_the_forced_verdict(smol):
    # 6 new tokens never reach "</think>", so every verdict is forced (and flagged); the forced
    # text itself is checked by hand in test_zoo_pointwise_generative.
    reranker = Rank1(backend=smol, max_new_tokens=6)
    judgements = reranker.judge(pairs()[:2])
    for candidate, j in zip(pairs()[:2], judgements, strict=True):
        assert not j.parsed and j.details["forced_verdict"]
        verdict_prompt = reranker.prompt(candidate) + forced_continuation(j.raw)
        ids = smol.tokenizer(verdict_prompt, return_tensors="pt", add_special_tokens=False)
        with torch.no_grad():
            logits = smol.net(**ids).logits[0, -1]
        true_id, false_id = 2629, 7065  # " true", " false" in SmolLM2's vocabulary
        expected = torch.softmax(logits[[true_id, false_id]], dim=0)[0].item()
        assert math.isclose(j.score, expected, rel_tol=1e-5)
        assert j.generated_tokens == 6


def test_rankgpt_on_smollm2_renders_the_conversation_and_returns_a_permutation(smol):
    reranker = RankGPT(backend=smol, model="smollm2")
    reranker.max_new_tokens = 24
    [perm] = reranker.permute([pairs()])
    rendered = smol.rendered[-1]
    assert (
        "<|im_start|>user\nI will provide you with 3 passages, each indicated by number "
        "identifier []. \nRank the passages based on their relevance to query: why is the sky "
        "blue.<|im_end|>\n<|im_start|>assistant\nOkay, please provide the passages.<|im_end|>\n"
        "<|im_start|>user\n[1] Rayleigh scattering of sunlight.<|im_end|>\n"
    ) in rendered
    assert rendered.endswith("do not say any word or explain.<|im_end|>\n<|im_start|>assistant\n")
    assert sorted(perm.order) == [0, 1, 2]
    assert reranker.stats.windows == 1


def test_llm_pointwise_on_smollm2_labels_or_flags_every_pair(smol):
    reranker = LLMPointwise(backend=smol, model="smollm2", explanation=False)
    reranker.max_new_tokens = 12
    judgements = reranker.judge(pairs())
    for j in judgements:
        expected = parse_label(j.raw)
        assert (j.score, j.parsed) == (float(expected.label), expected.parsed)
        assert j.score in (0.0, 1.0, 2.0)
    assert smol.rendered[-1].startswith("<|im_start|>system\n")
    assert "<|im_start|>user\nRate the relevance of the following document" in smol.rendered[-1]
