"""The vLLM adapter's translation, against a stand-in `vllm` module (vLLM needs CUDA)."""

import sys
import types
from dataclasses import dataclass

import pytest

from bright_eval.rerank.backends import GenerationParams, get_backend, resolve_backend_name


@dataclass
class Logprob:
    logprob: float
    decoded_token: str


def fake_vllm(calls):
    class SamplingParams:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    class LoRARequest:
        def __init__(self, name, id_, path):
            self.args = (name, id_, path)

    class LLMEngine:
        """Finishes one request per step, the last added first; each step advances `clock`
        by step_seconds."""

        step_seconds = 0.01

        def __init__(self, llm):
            self.llm, self.queue, self.steps, self.aborted, self.clock = llm, [], 0, [], 0.0
            self.pause = 0.0  # real seconds per step, for tests that need time to pass

        def add_request(self, request_id, prompt, sampling, lora_request=None):
            self.queue.append((request_id, prompt))

        def step(self):
            import time

            self.steps += 1
            self.clock += self.step_seconds
            time.sleep(self.pause)
            request_id, prompt = self.queue.pop()
            (out,) = self.llm.generate([prompt], None)
            out.request_id, out.finished = request_id, True
            return [out]

        def abort_request(self, request_ids):
            self.aborted.extend(request_ids)
            self.queue = [q for q in self.queue if q[0] not in request_ids]

    class LLM:
        def __init__(self, **kwargs):
            calls["engine"] = kwargs
            self.llm_engine = LLMEngine(self)

        def generate(self, prompts, sampling, lora_request=None, use_tqdm=True):
            if sampling is not None:
                calls["generate"] = (prompts, sampling.kwargs, lora_request)
            out = types.SimpleNamespace(
                text="Fine.\n\nRelevance Label: 2",
                token_ids=[7, 8],
                finish_reason="stop",
                logprobs=[
                    {7: Logprob(-0.1, "Fine"), 9: Logprob(-2.5, "Good")},
                    {8: Logprob(-0.2, ".")},
                ],
            )
            return [
                types.SimpleNamespace(prompt_token_ids=p["prompt_token_ids"], outputs=[out])
                for p in prompts
            ]

    vllm = types.ModuleType("vllm")
    vllm.LLM, vllm.SamplingParams = LLM, SamplingParams
    lora = types.ModuleType("vllm.lora")
    request = types.ModuleType("vllm.lora.request")
    request.LoRARequest = LoRARequest
    return {"vllm": vllm, "vllm.lora": lora, "vllm.lora.request": request}


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
