"""The harness's own overhead at full BRIGHT scale: 138,400 pairs (all 1,384 queries of the 12
domains, 100 candidates each), judged by an instant stand-in reranker, so what is timed is
cache lookups and writes, batching, engines and run building.

    python benchmarks/overhead.py [--data-dir ../shared/bright] [--engines local,ray]

For each engine: the first pass (empty output cache) and a fully cached rerun, each in a fresh
process so peak RSS is that pass's own. Prints the settings and one line per pass. With Ray,
the wall time includes starting a local Ray (as `--engine ray` does, on first use: a fully
cached rerun never starts it), and RSS is the driver's, the actors' printed beside it.
Targets (issue 13): single process under 20 s and 1 GB per pass; Ray under 2x that.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def one_pass(data_dir: str, engine_name: str, cache_dir: str, num_cpus: int) -> dict:
    from bright_eval.data import BrightData
    from bright_eval.engines import get_engine
    from bright_eval.rerank.cache import OutputCache
    from bright_eval.rerank.runner import RerankStats, rerank
    from tests.stand_ins import Instant, full_size_candidates

    by_domain = full_size_candidates(BrightData.from_options(data_dir))
    figures: dict = {}
    engine = get_engine(engine_name, workers=num_cpus)
    reranker = Instant()
    total = RerankStats()
    began = time.perf_counter()
    cache = OutputCache(Path(cache_dir))
    for candidates in by_domain.values():
        total.add(rerank(reranker, candidates, cache, progress=False, engine=engine).stats)
    figures["wall_s"] = round(time.perf_counter() - began, 1)
    figures["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2)
    if engine_name == "ray" and engine.actors:  # Ray started: something was not cached
        figures["actor_rss_gb"] = round(actor_rss_gb(engine), 2)
        engine.close()
    figures.update(pairs=total.items, computed=total.computed, cached=total.cached)
    return figures


def actor_rss_gb(engine) -> float:
    import ray

    pids = ray.get([a.__ray_call__.remote(lambda _: os.getpid()) for a in engine.actors])
    rss = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                rss += int(line.split()[1]) * 1024
    return rss / 1e9


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", default=str(REPO.parent / "shared" / "bright"))
    p.add_argument("--engines", default="local,ray")
    p.add_argument("--num-cpus", type=int, default=2, help="Ray actors (one CPU each)")
    p.add_argument("--pass-only", nargs=2, metavar=("ENGINE", "CACHE_DIR"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.pass_only:
        print(json.dumps(one_pass(args.data_dir, *args.pass_only, args.num_cpus)))
        return
    from bright_eval.provenance import cpu_model, usable_cores

    print(json.dumps({"python": platform.python_version(), "cpu": cpu_model(),
                      "cores": usable_cores(), "reranker": "tests/stand_ins.py:Instant",
                      "data_dir": args.data_dir, "batch_size": 256}))  # fmt: skip
    for engine in args.engines.split(","):
        with tempfile.TemporaryDirectory() as cache_dir:
            for label in ("first pass", "cached rerun"):
                command = [sys.executable, __file__, "--data-dir", args.data_dir, "--num-cpus",
                           str(args.num_cpus), "--pass-only", engine, cache_dir]  # fmt: skip
                # Ray's workers import the stand-in reranker from this checkout.
                env = {**os.environ, "PYTHONPATH": str(REPO)}
                out = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
                figures = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"{engine:5} {label:12} " + "  ".join(f"{k} {v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
