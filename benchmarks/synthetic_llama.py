"""GPU throughput of a Llama-3.2-3B-shaped reranker: the published shape, random weights.

    python benchmarks/rerank.py --synthetic llama-3.2-3b [--hf-pairs 256] [--vllm-pairs 1000]
    python benchmarks/rerank.py --synthetic llama-3.2-3b --tiny      # CPU smoke run

Throughput depends on the shapes, not the weights, so no download is needed: the model is
built from meta-llama/Llama-3.2-3B's published config (below) with random bf16 weights and
saved with a word-level tokenizer whose token "t<i>" is id i, so that the repository's own
`transformers` and `vllm` backends run it unchanged. A pair's prompt is one query's shared
prefix (chat wrapper and instruction, 81 tokens, plus the query, 227: docs/ours-3b.md) and a
document of `--doc-tokens` (default 2,300, the 8,000-character cap), random ids. Generation has
a fixed length: the end-of-turn tokens' embedding rows are zero, so their logit is exactly 0
and never the greedy choice among 128,256 random logits; the script checks every pair
generated `--gen-tokens`.
"""

from __future__ import annotations

import gc
import json
import tempfile
import time
from pathlib import Path

import numpy as np

# meta-llama/Llama-3.2-3B(-Instruct) config.json, as published.
LLAMA_3_2_3B = dict(
    hidden_size=3072,
    intermediate_size=8192,
    num_hidden_layers=28,
    num_attention_heads=24,
    num_key_value_heads=8,
    head_dim=128,
    vocab_size=128256,
    max_position_embeddings=131072,
    rms_norm_eps=1e-5,
    rope_theta=500000.0,
    rope_scaling={
        "factor": 32.0,
        "high_freq_factor": 4.0,
        "low_freq_factor": 1.0,
        "original_max_position_embeddings": 8192,
        "rope_type": "llama3",
    },
    tie_word_embeddings=True,
    hidden_act="silu",
    attention_bias=False,
    mlp_bias=False,
    bos_token_id=128000,
    eos_token_id=[128001, 128008, 128009],
)
TINY = LLAMA_3_2_3B | dict(
    hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
    num_key_value_heads=2, head_dim=16,
)  # fmt: skip
PREFIX_TOKENS = 81 + 227  # chat wrapper + instruction, mean query (docs/ours-3b.md)
FULL_PASS = 138_400


def build(folder: Path, config: dict, device: str) -> None:
    """Random weights of the given shape, saved with a word-level tokenizer, in `folder`."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    torch.manual_seed(0)
    with torch.device(device):
        model = LlamaForCausalLM(LlamaConfig(**config)).to(torch.bfloat16)
    with torch.no_grad():
        model.get_input_embeddings().weight[config["eos_token_id"]] = 0  # never chosen
    model.save_pretrained(folder)
    vocab = {f"t{i}": i for i in range(config["vocab_size"])}
    words = Tokenizer(models.WordLevel(vocab, unk_token="t0"))
    words.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=words, eos_token="t128009",
                                        pad_token="t128004", bos_token="t128000")  # fmt: skip
    tokenizer.save_pretrained(folder)
    del model
    gc.collect()


def prompts(n_pairs: int, doc_tokens: int, prefix_tokens: int, seed: int = 0) -> list[str]:
    """Queries of 100 documents each (the reranking depth), every pair prefix + document."""
    rng = np.random.default_rng(seed)
    out, prefix = [], None
    for i in range(n_pairs):
        if i % 100 == 0:
            prefix = rng.integers(1000, 128000, prefix_tokens).tolist()
        doc = rng.integers(1000, 128000, doc_tokens).tolist()
        out.append(" ".join(f"t{t}" for t in prefix + doc))
    return out


def measure(name: str, backend, work: list[str], gen: int) -> dict:
    from bright_eval.rerank.backends import GenerationParams

    params = GenerationParams(max_new_tokens=gen)
    backend.generate(work[:2], params)  # load, compile, warm up
    t0 = time.perf_counter()
    outs = backend.generate(work, params)
    wall = time.perf_counter() - t0
    lengths = {o.generated_tokens for o in outs}
    assert lengths == {gen}, f"{name}: generated lengths {sorted(lengths)}, expected only {gen}"
    prompt_tokens = sum(o.prompt_tokens for o in outs)
    result = {
        "backend": name, "pairs": len(work), "seconds": round(wall, 2),
        "pairs_per_s": round(len(work) / wall, 3),
        "generated_tokens_per_s": round(len(work) * gen / wall, 1),
        "prompt_tokens_per_s": round(prompt_tokens / wall, 1),
        "full_pass_hours": round(FULL_PASS / (len(work) / wall) / 3600, 2),
    }  # fmt: skip
    print(json.dumps(result), flush=True)
    return result


def main(args) -> None:
    import torch

    gpu = torch.cuda.is_available()
    if not gpu and not args.tiny:
        raise SystemExit("--synthetic needs a GPU (or --tiny for a CPU smoke run)")
    config = TINY if args.tiny else LLAMA_3_2_3B
    doc_tokens = 200 if args.tiny else args.doc_tokens
    gen = 8 if args.tiny else args.gen_tokens
    hf_pairs, vllm_pairs = (6, 6) if args.tiny else (args.hf_pairs, args.vllm_pairs)
    label = " (TINY: smoke run, not a measurement)" if args.tiny else ""
    settings = {
        "model": "random Llama-3.2-3B shape" + label,
        "gpu": torch.cuda.get_device_name(0) if gpu else None,
        "prompt_tokens": PREFIX_TOKENS + doc_tokens,
        "shared_prefix_tokens": PREFIX_TOKENS,
        "generated_tokens": gen,
        "torch": torch.__version__,
    }
    print(json.dumps(settings), flush=True)
    from bright_eval.rerank.backends import get_backend

    with tempfile.TemporaryDirectory(prefix="synthetic_llama_") as folder:
        t0 = time.perf_counter()
        build(Path(folder), config, "cuda" if gpu else "cpu")
        print(f"built and saved in {time.perf_counter() - t0:.0f} s", flush=True)
        work = prompts(max(hf_pairs, vllm_pairs), doc_tokens, PREFIX_TOKENS)
        for reuse in (False, True):
            hf = get_backend("transformers", folder, max_batch_tokens=args.hf_batch_tokens,
                             max_batch_size=64, reuse_prefixes=reuse)  # fmt: skip
            measure(f"transformers (prefix reuse {'on' if reuse else 'off'})", hf,
                    work[:hf_pairs], gen)  # fmt: skip
            del hf
            gc.collect()
            torch.cuda.empty_cache() if gpu else None
        try:
            import vllm  # noqa: F401
        except ImportError:
            print("vllm: not installed, skipped")
            return
        if not gpu:
            print("vllm: no GPU, skipped")
            return
        llm = get_backend("vllm", folder, max_model_len=4096, gpu_memory_utilization=0.85)
        measure("vllm", llm, work[:vllm_pairs], gen)
