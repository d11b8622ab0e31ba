"""Portable output-cache keys: the same model, prompt and greedy decoding give one key on
transformers and vLLM, so shards made on a GPU merge on a CPU with `--cached-only`, and a fully
cached run loads no weights. The backend is recorded, and keyed only where outputs depend on it."""

import hashlib
import importlib.util
import json
import sys
from contextlib import contextmanager

import pytest

import bright_eval.rerank.backends as backends
from bright_eval.rerank import Candidate, Judgement, RerankerOptions
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.runner import rerank
from bright_eval_zoo.listwise import BrightListwise, RankGPT
from bright_eval_zoo.llm_pointwise import LLMPointwise
from tests.helpers import fake_vllm

# SmolLM2-135M-Instruct's template around the probe message, with its default system prompt
# (printed by `tokenizer.apply_chat_template(..., add_generation_prompt=True)` and checked
# against the template text in the model's tokenizer_config.json).
SMOLLM2_PROBE = (
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
    "<|im_end|>\n<|im_start|>user\n{probe}<|im_end|>\n<|im_start|>assistant\n"
)


@contextmanager
def gpu_machine(monkeypatch, calls):
    """vLLM importable (a stand-in that records engine construction) and a GPU present."""
    with monkeypatch.context() as m:
        for name, module in fake_vllm(calls).items():
            m.setitem(sys.modules, name, module)
        real = importlib.util.find_spec
        m.setattr(
            importlib.util, "find_spec", lambda n, *a: object() if n == "vllm" else real(n, *a)
        )
        m.setattr(backends, "cuda_available", lambda: True)
        yield


def pointwise(model, backend):
    return LLMPointwise(RerankerOptions(model=model, backend=backend))


def test_greedy_rerankers_have_one_key_on_every_local_backend(smollm2_path, monkeypatch, tmp_path):
    cpu_auto = pointwise(smollm2_path, "auto")
    with gpu_machine(monkeypatch, {}):
        gpu_auto = pointwise(smollm2_path, "auto")
        gpu_config, gpu_hash = gpu_auto.config(), gpu_auto.config_hash()
        assert gpu_auto.backend_name == "vllm"
    assert cpu_auto.backend_name == "transformers"
    by_name = {b: pointwise(smollm2_path, b) for b in ("transformers", "vllm")}
    hashes = {gpu_hash, *(r.config_hash() for r in [cpu_auto, *by_name.values()])}
    assert len(hashes) == 1
    # The backend is recorded in the configuration, not in what the key covers.
    assert (gpu_config["backend"], cpu_auto.config()["backend"]) == ("vllm", "transformers")
    key = cpu_auto.cache_config()
    assert "backend" not in key
    assert key["chat_template_sha"] == hashlib.sha256(SMOLLM2_PROBE.encode()).hexdigest()[:16]
    # config.json holds exactly what the key hash was made from.
    cache = OutputCache.for_reranker(by_name["vllm"], root=tmp_path)
    assert json.loads((cache.folder / "config.json").read_text()) == key
    assert cache.name == f"rerank/llm-pointwise-{hashes.pop()}"
    # What changes the outputs still changes the key.
    other = LLMPointwise(RerankerOptions(model=smollm2_path, backend="vllm", max_new_tokens=8))
    assert other.config_hash() != cpu_auto.config_hash()
    listwise = {b: RankGPT(RerankerOptions(model=smollm2_path, backend=b)) for b in by_name}
    assert listwise["vllm"].config_hash() == listwise["transformers"].config_hash()


def test_the_backend_stays_in_the_key_where_outputs_depend_on_it(smollm2_path):
    local = pointwise(smollm2_path, "transformers")
    # A server applies its own template and tokenization, which the harness cannot see.
    served = pointwise(smollm2_path, "openai")
    assert served.cache_config()["backend"] == "openai"
    assert served.config_hash() != local.config_hash()
    # bright-listwise samples (temperature 0.8, as BRIGHT's rerank.py): a draw from each
    # engine's own random stream.
    sampled = {b: BrightListwise(RerankerOptions(model=smollm2_path, backend=b))
               for b in ("transformers", "vllm")}  # fmt: skip
    assert sampled["vllm"].cache_config()["backend"] == "vllm"
    assert sampled["vllm"].config_hash() != sampled["transformers"].config_hash()


def candidates():
    return {"q1": [Candidate("q1", "sky?", f"d{i}", f"text {i}", i) for i in (1, 2, 3)]}


def store(cache, labels):
    cands = candidates()["q1"]
    judged = [Judgement(score=float(label), label=label, raw=f"Relevance Label: {label}",
                        hardware="stored") for label in labels]  # fmt: skip
    with cache:
        cache.put_judgements(cands, judged)


def test_a_gpu_shard_merges_on_a_cpu_with_cached_only_and_no_weights(
    smollm2_path, monkeypatch, tmp_path
):
    calls = {}
    with gpu_machine(monkeypatch, calls):
        gpu = pointwise(smollm2_path, "auto")
        store(OutputCache.for_reranker(gpu, root=tmp_path, writer="shard-1-of-1"), [0, 2, 1])
    cpu = pointwise(smollm2_path, "auto")
    cache = OutputCache.for_reranker(cpu, root=tmp_path)
    result = rerank(cpu, candidates(), cache, progress=False, cached_only=True)
    assert (result.stats.cached, result.stats.computed) == (3, 0)
    # Labels 0, 2, 1 for d1, d2, d3: d2 first, then d3, then d1; scores n..1.
    assert result.runs["score"]["q1"] == {"d2": 3.0, "d3": 2.0, "d1": 1.0}
    assert cpu.backend.name == "transformers" and cpu.backend._model is None
    assert "engine" not in calls


def test_a_cpu_shard_merges_on_a_gpu_without_building_the_engine(
    smollm2_path, monkeypatch, tmp_path
):
    cpu = pointwise(smollm2_path, "transformers")
    store(OutputCache.for_reranker(cpu, root=tmp_path, writer="shard-1-of-1"), [1, 1, 2])
    calls = {}
    with gpu_machine(monkeypatch, calls):
        gpu = pointwise(smollm2_path, "auto")
        cache = OutputCache.for_reranker(gpu, root=tmp_path)
        result = rerank(gpu, candidates(), cache, progress=False, cached_only=True)
        assert gpu.backend.name == "vllm" and gpu.backend._llm is None
    assert result.stats.cached == 3 and "engine" not in calls
    assert result.runs["score"]["q1"] == {"d3": 3.0, "d1": 2.0, "d2": 1.0}


@pytest.mark.parametrize("backend", ["transformers", "vllm"])
def test_a_missing_output_is_still_named_not_computed(smollm2_path, tmp_path, backend):
    from bright_eval.rerank.runner import MissingOutputsError

    reranker = pointwise(smollm2_path, backend)
    with pytest.raises(MissingOutputsError, match="3 of 3 pairs are not in the cache"):
        rerank(reranker, candidates(), OutputCache.for_reranker(reranker, root=tmp_path),
               progress=False, cached_only=True)  # fmt: skip
