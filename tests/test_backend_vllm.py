"""The vLLM adapter's translation, against a stand-in `vllm` module (vLLM needs CUDA)."""

import sys

import pytest

from bright_eval.rerank.backends import GenerationParams, get_backend, resolve_backend_name
from tests.helpers import fake_vllm


def test_parameters_prompts_and_outputs_are_translated(smollm2_path, monkeypatch):
    calls = {}
    for name, module in fake_vllm(calls).items():
        monkeypatch.setitem(sys.modules, name, module)
    backend = get_backend("vllm", smollm2_path, adapter="/adapters/a1")
    user = [{"role": "user", "content": "Hi"}]
    params = GenerationParams(max_new_tokens=1024, stop=(" ##",), top_logprobs=5)
    (g,) = backend.generate([user], params)
    assert calls["engine"] == {
        "model": smollm2_path, "revision": None, "enable_prefix_caching": True,
        "enable_lora": True, "max_lora_rank": 64, "gpu_memory_utilization": 0.9,
        "tensor_parallel_size": 1, "max_model_len": 16384,
    }  # fmt: skip
    prompts, sampling, lora = calls["generate"]
    assert sampling == {
        "temperature": 0.0,
        "top_p": 1.0,
        "max_tokens": 1024,
        "stop": [" ##"],
        "logprobs": 5,
        "seed": 0,
    }
    assert lora.args == ("adapter", 1, "/adapters/a1")
    # Token ids of the rendered template, with its own BOS only: SmolLM2's template starts
    # with <|im_start|> (id 1), which must appear once.
    ids = prompts[0]["prompt_token_ids"]
    assert ids == backend.tokenizer(backend.render(user), add_special_tokens=False)["input_ids"]
    assert ids[0] == 1 and ids[1] != 1
    assert g.text == "Fine.\n\nRelevance Label: 2"
    assert (g.prompt_tokens, g.generated_tokens, g.finish_reason) == (len(ids), 2, "stop")
    assert g.token_logprobs == [{"Fine": -0.1, "Good": -2.5}, {".": -0.2}]
    backend.generate([user], GenerationParams(temperature=0.8, top_p=0.8))
    assert (calls["generate"][1]["temperature"], calls["generate"][1]["top_p"]) == (0.8, 0.8)


def test_auto_picks_vllm_only_with_both_vllm_and_cuda(monkeypatch):
    import importlib.util

    import bright_eval.rerank.backends as backends

    real = importlib.util.find_spec
    for has_vllm, cuda, expected in [(True, True, "vllm"), (True, False, "transformers"),
                                     (False, True, "transformers")]:  # fmt: skip
        monkeypatch.setattr(
            importlib.util,
            "find_spec",
            lambda n, *a, h=has_vllm: object() if n == "vllm" and h else real(n, *a),
        )
        monkeypatch.setattr(backends, "cuda_available", lambda c=cuda: c)
        assert resolve_backend_name("auto") == expected
    with pytest.raises(ValueError, match="unknown backend 'vlm'; valid backends: auto, vllm"):
        resolve_backend_name("vlm")
