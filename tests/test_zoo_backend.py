"""The zoo gets its generation backend from the options, as every reranker does: `--backend`,
`--model`, `--base-url` on the command line reach the backend the reranker builds."""

import pytest

from bright_eval.cli import build_parser
from bright_eval.commands.rerank import spec_from_args
from bright_eval.pipeline import build_reranker
from bright_eval.rerank import (
    REGISTRY,
    Candidate,
    RerankerOptions,
    UnsupportedOptionError,
    load_plugins,
)
from bright_eval.rerank.backends import UnknownBackendError
from bright_eval.rerank.backends.openai_backend import OpenAIBackend
from bright_eval.rerank.generative import GenerativeMixin
from bright_eval_zoo.cross_encoder import CrossEncoderReranker
from bright_eval_zoo.listwise import BrightListwise, RankGPT
from bright_eval_zoo.monot5 import MonoT5


def test_the_pipeline_builds_bright_listwise_on_an_openai_compatible_server(server):
    args = build_parser().parse_args(
        ["--reranker", "bright-listwise", "--model", "gpt-4", "--backend", "openai",
         "--base-url", server.url, "--max-new-tokens", "64"]
    )  # fmt: skip
    reranker = build_reranker(spec_from_args(args))
    assert isinstance(reranker, BrightListwise)
    assert isinstance(reranker.backend, OpenAIBackend) and reranker.backend.base_url == server.url
    window = [
        Candidate("q1", "sky?", "d1", "Light scatters.", 1),
        Candidate("q1", "sky?", "d2", "Blue.", 2),
    ]
    [perm] = reranker.permute([window])
    [(path, body)] = server.requests
    assert path == "/v1/chat/completions"
    # The reference's sampling settings and the override reach the server as sent.
    assert (body["model"], body["temperature"], body["top_p"]) == ("gpt-4", 0.8, 0.8)
    assert body["max_tokens"] == 64 and body["messages"] == reranker.prompt(window)
    # The server echoes the prompt: no JSON list, so the window keeps its order, counted.
    assert perm.order == [0, 1] and perm.repair.no_answer == 1
    config = reranker.config()
    assert (config["backend"], config["model"], config["top_p"]) == ("openai", "gpt-4", 0.8)
    assert config["max_new_tokens"] == 64 and config["max_new_tokens_overridden"] is True


def test_an_unknown_backend_name_lists_the_valid_ones():
    reranker = RankGPT(RerankerOptions(model="m", backend="nope"))
    expected = "unknown backend 'nope'; valid backends: auto, vllm, transformers, openai"
    with pytest.raises(UnknownBackendError, match=expected):
        reranker.config()


def test_rerankers_that_load_their_own_weights_refuse_generation_options():
    accepted = r"\(it accepts: --model, --model-revision\)"
    with pytest.raises(
        UnsupportedOptionError, match="cross-encoder does not take --adapter " + accepted
    ):
        CrossEncoderReranker(RerankerOptions(adapter="lora"))
    with pytest.raises(UnsupportedOptionError, match="monot5-3b does not take --backend"):
        MonoT5(RerankerOptions(backend="vllm"))
    with pytest.raises(UnsupportedOptionError, match="does not take --max-new-tokens"):
        MonoT5(RerankerOptions(max_new_tokens=8))
    monot5 = MonoT5(RerankerOptions(model="/models/t5", revision="abc"))
    assert (monot5.model, monot5.revision) == ("/models/t5", "abc")


def test_every_registered_reranker_is_built_from_options_alone():
    options = RerankerOptions(model="org/model", revision="r1")
    load_plugins()
    assert {"rank1-7b", "rankgpt", "cross-encoder", "monot5-3b"} <= set(REGISTRY)
    zoo = {n: c for n, c in REGISTRY.items() if c.__module__.startswith("bright_eval_zoo.")}
    for name, cls in zoo.items():
        reranker = cls(options)
        assert reranker.options is options, name
        if isinstance(reranker, GenerativeMixin):
            model = reranker.model_name()
        else:
            model, revision = reranker.model, reranker.revision
            assert revision == "r1", name
        assert model == "org/model", name


def test_backend_options_from_the_command_line_reach_the_backend_and_its_record(smollm2_path):
    args = build_parser().parse_args(
        ["--reranker", "llm-pointwise", "--model", str(smollm2_path), "--backend", "transformers",
         "--backend-option", "reuse_prefixes=true", "--backend-option", "max_padding=0.25",
         "--backend-option", "max_batch_size=8"]
    )  # fmt: skip
    spec = spec_from_args(args)
    assert spec.options.backend_options == {
        "reuse_prefixes": True, "max_padding": 0.25, "max_batch_size": 8,
    }  # fmt: skip
    reranker = build_reranker(spec)
    backend = reranker.backend
    assert (backend.reuse_prefixes, backend.max_padding, backend.max_batch_size) == (True, 0.25, 8)
    assert backend.describe()["batching"] == {
        "max_batch_tokens": 32_768, "max_batch_size": 8, "max_padding": 0.25,
        "reuse_prefixes": True,
    }  # fmt: skip


def test_a_bad_backend_option_is_a_one_line_error():
    from bright_eval.pipeline.spec import PipelineError

    bad = build_parser().parse_args(["--reranker", "llm-pointwise", "--backend-option", "fast"])
    with pytest.raises(PipelineError, match=r"--backend-option 'fast': expected KEY=VALUE"):
        spec_from_args(bad)
    # Checked against the backend's parameters before anything loads (no such model here).
    options = RerankerOptions(model="m", backend="transformers", backend_options={"max_paddin": 1})
    expected = (
        "the transformers backend has no option 'max_paddin'; its options: "
        "max_batch_tokens, max_batch_size, device, reuse_prefixes, max_padding"
    )
    with pytest.raises(UnknownBackendError, match=expected):
        _ = RankGPT(options).backend
    # What the run sets itself cannot be given again as a backend option, vLLM's included
    # (which otherwise passes any option on to its engine).
    for backend, key, setter in [("vllm", "chat_template_kwargs", "the reranker's"),
                                 ("transformers", "revision", "--model-revision")]:  # fmt: skip
        options = RerankerOptions(model="m", backend=backend, backend_options={key: "x"})
        with pytest.raises(UnknownBackendError, match=f"'{key}' is not a backend option: it is "
                           f"set by {setter}"):  # fmt: skip
            _ = RankGPT(options).backend
