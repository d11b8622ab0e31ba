"""The command line's engine options: `--engine local|ray`, `--ray-address`, `--gpus-per-worker`
(checked where they land, in `bright_eval.pipeline.spec.EngineSpec`)."""

from __future__ import annotations

from bright_eval.engines.base import ENGINES


def add_engine_arguments(group) -> None:
    group.add_argument(
        "--engine", default="local", choices=ENGINES, help="where the model runs (default: local)"
    )
    group.add_argument("--ray-address", help="Ray cluster to join (default: start a local one)")
    group.add_argument(
        "--gpus-per-worker", type=float, default=0.0, help="GPUs per Ray actor (default: 0)"
    )
