"""Reranking throughput: pairs/s and generated tokens/s for one backend and model.

    python benchmarks/rerank.py --model meta-llama/Llama-3.2-3B-Instruct --adapter PATH \
        --backend vllm --pairs 2000 --data-dir DIR --domain biology

Pairs are real BRIGHT queries (original text) with stand-in documents: the corpus when the data
folder has `documents/`, else the queries' own gold answers (StackExchange answers, realistic
text). The model is loaded and warmed up before timing; the output cache is bypassed, so every
pair is generated. Prints the settings beside the figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.flops import ModelShape, matmul_gflops  # noqa: E402
from bright_eval.data import BrightData  # noqa: E402
from bright_eval.rerank import Candidate, RerankerOptions, get_reranker_class  # noqa: E402


def documents(data: BrightData, domain: str, n: int) -> list[str]:
    try:
        corpus = data.documents(domain)
        return [t for t in corpus.select(range(min(n, len(corpus))))["content"]]
    except Exception:  # no corpus in the folder: answers are realistic stand-ins
        rows = data.load("examples", domain)
        return [t for t in rows["gold_answer"] if t]


def pairs(data: BrightData, domain: str, n: int, per_query: int = 100) -> list[Candidate]:
    """n pairs, each query with a run of `per_query` documents as a reranker sees them (its
    top 100), so prompts share the query's prefix as in a real run."""
    queries = data.queries(domain)
    docs = itertools.cycle(documents(data, domain, n))
    chosen = (queries[i // per_query % len(queries)] for i in range(n))
    return [
        Candidate(q.id, q.text, f"doc{i}", next(docs), i % per_query + 1)
        for i, q in enumerate(chosen)
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reranker", default="ours-3b")
    p.add_argument("--model", help="required unless --synthetic")
    p.add_argument("--adapter")
    p.add_argument("--backend", default="auto")
    p.add_argument("--pairs", type=int, default=512)
    p.add_argument("--batch-size", type=int, default=512, help="pairs per judge() call")
    p.add_argument("--max-new-tokens", type=int, help="default: the reranker's (1,024)")
    p.add_argument("--data-dir")
    p.add_argument("--domain", default="biology")
    p.add_argument("--warmup", type=int, default=8)
    p.add_argument("--docs-per-query", type=int, default=100, help="a reranker's depth")
    p.add_argument(
        "--prefix-reuse", choices=["on", "off", "both"], default="both",
        help="transformers backend: compute each query's shared prompt prefix once (both: "
        "off, then on, on the same pairs)",
    )  # fmt: skip
    p.add_argument(
        "--max-padding", type=float, nargs="+",
        help="transformers backend: one run per value (prefix reuse off), each against the first",
    )  # fmt: skip
    p.add_argument(
        "--synthetic", choices=["llama-3.2-3b"],
        help="GPU throughput of a randomly initialised model of this shape (synthetic_llama.py)",
    )  # fmt: skip
    p.add_argument("--tiny", action="store_true", help="with --synthetic: a tiny CPU smoke run")
    p.add_argument("--doc-tokens", type=int, default=2300, help="with --synthetic")
    p.add_argument("--gen-tokens", type=int, default=150, help="with --synthetic: fixed length")
    p.add_argument("--hf-pairs", type=int, default=256, help="with --synthetic")
    p.add_argument("--vllm-pairs", type=int, default=1000, help="with --synthetic")
    p.add_argument("--hf-batch-tokens", type=int, default=262_144, help="with --synthetic")
    args = p.parse_args()
    if args.synthetic:
        from benchmarks.synthetic_llama import main as synthetic

        return synthetic(args)
    if not args.model:
        p.error("--model is required (or --synthetic)")

    data = BrightData.from_options(args.data_dir)
    options = RerankerOptions(model=args.model, adapter=args.adapter, backend=args.backend,
                              max_new_tokens=args.max_new_tokens)  # fmt: skip
    reranker = get_reranker_class(args.reranker)(options)
    work = pairs(data, args.domain, args.pairs + args.warmup, args.docs_per_query)
    t0 = time.perf_counter()
    reranker.judge(work[: args.warmup])  # loads the model, compiles kernels
    load_s = time.perf_counter() - t0
    work = work[args.warmup :]
    backend = reranker.backend
    settings = {
        "reranker": args.reranker, "backend": backend.describe(),
        "pairs": len(work), "batch_size": args.batch_size, "domain": args.domain,
        "max_new_tokens": reranker.config().get("max_new_tokens"),
        "python": platform.python_version(), "gpu": gpu_name(),
    }  # fmt: skip
    print(json.dumps(settings, indent=1, default=str))
    print(f"load + warm-up: {load_s:.1f} s")
    reusable = hasattr(backend, "reuse_prefixes")
    modes = {"both": [False, True], "on": [True], "off": [False]}[args.prefix_reuse]
    variants = [(f"prefix reuse {'on' if r else 'off'}", {"reuse_prefixes": r}) for r in modes]
    if args.max_padding and reusable:
        variants = [(f"max_padding {v:g}", {"reuse_prefixes": False, "max_padding": v})
                    for v in args.max_padding]  # fmt: skip
    runs = []
    for label, attributes in variants if reusable else [("", {})]:
        if label:
            vars(backend).update(attributes)
            print(f"-- {label}")
        judged, t0 = [], time.perf_counter()
        for i in range(0, len(work), args.batch_size):
            judged += reranker.judge(work[i : i + args.batch_size])
        wall = time.perf_counter() - t0
        report(judged, wall)
        runs.append((label, judged, wall))
    for label, judged, wall in runs[1:]:
        same = sum(a.raw == b.raw for a, b in zip(runs[0][1], judged, strict=True))
        print(f"{label}: {runs[0][2] / wall:.2f}x the speed of {runs[0][0]}; identical outputs: "
              f"{same} of {len(work)}")  # fmt: skip
    if reusable:
        compute_floor(backend.hf_model, runs)


def report(judged, wall: float) -> None:
    generated = sum(j.generated_tokens for j in judged)
    prompt = sum(j.prompt_tokens for j in judged)
    how: dict[str, int] = {}
    for j in judged:
        key = j.details.get("parse", "parsed" if j.parsed else "failed")
        how[key] = how.get(key, 0) + 1
    print(f"pairs/s: {len(judged) / wall:.3f}  ({len(judged)} pairs in {wall:.1f} s)")
    print(
        f"generated tokens/s: {generated / wall:.1f}  (mean {generated / len(judged):.1f} per pair)"
    )
    print(f"prompt tokens/s: {prompt / wall:.1f}  (mean {prompt / len(judged):.1f} per pair)")
    print(f"parses: {how}")
    hours = 138_400 / (len(judged) / wall) / 3600
    print(f"full BRIGHT pass (138,400 pairs) at this rate: {hours:.1f} h")


def compute_floor(model, runs) -> None:
    """The machine's matmul rate, in this run, and the time the pairs' arithmetic needs at it."""
    shape = ModelShape.of(model)
    rate = matmul_gflops(next(model.parameters()).dtype, str(model.device))
    judged = runs[0][1]
    flops = sum(shape.pair_flops(j.prompt_tokens, j.generated_tokens) for j in judged)
    floor = flops / (rate * 1e9)
    print(f"matmul rate (torch, {next(model.parameters()).dtype}, {model.device}, 2048^3): "
          f"{rate:.1f} GFLOP/s")  # fmt: skip
    print(f"FLOP floor (benchmarks/flops.py, no prefix sharing): {flops / len(judged) / 1e9:.1f} "
          f"GFLOP per pair, {floor / len(judged):.2f} s per pair, {len(judged) / floor:.3f} "
          f"pairs/s")  # fmt: skip
    for label, _, wall in runs:
        print(f"measured / floor ({label}): {wall / floor:.2f}x")


def gpu_name() -> str | None:
    try:
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:
        return None


if __name__ == "__main__":
    main()
