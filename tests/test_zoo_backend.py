"""Generative baselines take a backend object or a backend name (`--backend openai`)."""

import pytest

from baselines.backend import UnknownBackendError, backend_classes, make_backend
from baselines.listwise import RankGPT
from baselines.llm_pointwise import LLMPointwise
from bright_eval.rerank.backends.base import GenerationBackend


class RecordingAPI(GenerationBackend):
    """Stands in for an OpenAI-compatible backend: found by its name like any other backend."""

    name = "test-api"

    def __init__(self, model, adapter=None, revision=None, base_url=None):
        super().__init__(model, adapter=adapter, revision=revision)
        self.base_url = base_url

    def generate(self, prompts, params):
        raise AssertionError("not called here")

    def next_token_logprobs(self, prompts, tokens):
        raise AssertionError("not called here")


def test_a_backend_name_builds_that_backend_for_the_model():
    assert backend_classes()["test-api"] is RecordingAPI
    reranker = RankGPT(backend="test-api", model="gpt-4o", base_url="http://localhost:8000/v1")
    assert isinstance(reranker.backend, RecordingAPI)
    assert reranker.backend.model == "gpt-4o"
    assert reranker.backend.base_url == "http://localhost:8000/v1"
    assert reranker.config()["backend"] == {
        "backend": "test-api",
        "model": "gpt-4o",
        "adapter": None,
        "revision": None,
    }
    pointwise = LLMPointwise(backend="test-api", model="gpt-4o-mini", revision="2024-07-18")
    assert pointwise.backend.model == "gpt-4o-mini" and pointwise.backend.revision == "2024-07-18"


def test_a_backend_object_is_used_as_given():
    backend = RecordingAPI("m")
    assert make_backend(backend, "other-model") is backend


def test_an_unknown_backend_name_lists_the_valid_ones():
    with pytest.raises(UnknownBackendError, match="unknown generation backend 'nope'.*test-api"):
        RankGPT(backend="nope", model="m")
