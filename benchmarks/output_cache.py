"""The reranker output cache's cost per stored output, one output per call (as outputs stream
in from a backend), and the cost of reading the file back.

    python benchmarks/output_cache.py [--outputs 20000] [--raw-chars 2000] [--folder DIR]

Each output carries `--raw-chars` of model text (an explanation; InteRank's run to ~1,000
tokens). Prints microseconds per `put_judgements` call, the fsyncs made, and the read rate.
The folder defaults to a temporary one: point `--folder` at the disk the cache will live on.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bright_eval.rerank import Candidate, Judgement  # noqa: E402
from bright_eval.rerank import cache as cache_module  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=int, default=20_000)
    parser.add_argument("--raw-chars", type=int, default=2_000)
    parser.add_argument("--folder", help="where to write (default: a temporary folder)")
    args = parser.parse_args()
    folder = Path(args.folder or tempfile.mkdtemp(prefix="output-cache-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    raw = ("The document explains why the sky is blue. " * 100)[: args.raw_chars]
    query = "why is the sky blue?"
    cands = [Candidate("q1", query, f"d{i}", f"text {i}", i) for i in range(args.outputs)]
    judgements = [Judgement(score=1.0, label=1, raw=raw, prompt_tokens=900, generated_tokens=400,
                            model_seconds=0.02, hardware="bench") for _ in cands]  # fmt: skip
    fsyncs = 0
    real_fsync = os.fsync

    def counted_fsync(fd: int) -> None:
        nonlocal fsyncs
        fsyncs += 1
        real_fsync(fd)

    cache_module.os.fsync = counted_fsync
    cache = cache_module.OutputCache(folder, writer="bench")
    start = time.perf_counter()
    for c, j in zip(cands, judgements, strict=True):
        cache.put_judgements([c], [j])
    cache.close()
    write_s = time.perf_counter() - start
    size = (folder / "bench.jsonl").stat().st_size
    start = time.perf_counter()
    reread = cache_module.OutputCache(folder, writer="bench")
    read_s = time.perf_counter() - start
    assert len(reread) == args.outputs and not reread.skipped
    print(f"folder {folder}; {args.outputs} outputs of {args.raw_chars} raw chars, "
          f"{size / 1e6:.1f} MB")  # fmt: skip
    print(f"put, one output per call: {write_s / args.outputs * 1e6:.1f} us/output "
          f"({write_s:.2f} s, {fsyncs} fsyncs)")  # fmt: skip
    print(f"read back: {args.outputs / read_s:,.0f} outputs/s ({read_s:.2f} s)")


if __name__ == "__main__":
    main()
