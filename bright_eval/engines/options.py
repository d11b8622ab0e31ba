"""The command line's engine options: `--engine local|ray`, `--ray-address`, `--gpus-per-worker`."""

from __future__ import annotations

import argparse

from bright_eval.engines import ENGINES, Engine, EngineError, get_engine


def add_engine_arguments(group) -> None:
    group.add_argument(
        "--engine", default="local", choices=ENGINES, help="where the model runs (default: local)"
    )
    group.add_argument("--ray-address", help="Ray cluster to join (default: start a local one)")
    group.add_argument(
        "--gpus-per-worker", type=float, default=0.0, help="GPUs per Ray actor (default: 0)"
    )


def engine_from_args(args: argparse.Namespace) -> Engine:
    engine = getattr(args, "engine", "local")
    if engine != "ray" and (args.ray_address or args.gpus_per_worker):
        flag = "--ray-address" if args.ray_address else "--gpus-per-worker"
        raise EngineError(f"{flag} applies to --engine ray only")
    if args.gpus_per_worker < 0:
        raise EngineError(f"--gpus-per-worker {args.gpus_per_worker:g}: must be 0 or more")
    return get_engine(engine, address=args.ray_address, gpus_per_worker=args.gpus_per_worker)
