"""Options shared by several commands."""

from __future__ import annotations

import argparse
import json
import sys

from bright_eval.data import DATA_DIR_ENV
from bright_eval.evaluation import METRIC_NAMES, EvaluationError
from bright_eval.pipeline.spec import EngineSpec, PipelineError
from bright_eval.sources import BrightSource, open_source


class RenamedOption(argparse.Action):
    """An option's old spelling, kept working (hidden from --help): sets the new option's value
    and says on stderr which spelling to use."""

    def __init__(self, option_strings, dest, new: str = "", **kwargs):
        super().__init__(option_strings, dest, help=argparse.SUPPRESS, **kwargs)
        self.new = new

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"warning: {option_string} is deprecated; use {self.new}", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_results_dir(parser, default: str = "results", help: str | None = None) -> None:
    """`--results-dir`, spelled as every command that takes a results folder spells it
    (`leaderboard` and `record` once said `--results`, still accepted)."""
    parser.add_argument(
        "--results-dir", default=default, help=help or f"results folder (default: {default})"
    )
    parser.add_argument(
        "--results", dest="results_dir", default=default, action=RenamedOption, new="--results-dir"
    )


def add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help=f"local folder laid out like the Hub dataset (default: ${DATA_DIR_ENV}, else the Hub)",
    )
    parser.add_argument(
        "--revision",
        help="dataset revision on the Hub: v1, v1.1 or a commit (default: v1.1, pinned)",
    )
    parser.add_argument(
        "--source",
        choices=["hf", "ir_datasets"],
        default="hf",
        help="load BRIGHT with HF datasets (default) or from ir_datasets' bright/<domain>",
    )
    parser.add_argument("--domains", default="all", help="comma-separated domains (default: all)")
    parser.add_argument(
        "--long", action="store_true", help="long documents: qrels from gold_ids_long"
    )


def data_from_args(args: argparse.Namespace) -> BrightSource:
    return open_source(getattr(args, "source", "hf"), args.data_dir, args.revision)


def parse_metric_list(text: str) -> list[str]:
    metrics = [m.strip() for m in text.split(",") if m.strip()]
    for m in metrics:
        if m not in METRIC_NAMES:
            raise EvaluationError(f"unknown metric {m!r}; valid metrics: {', '.join(METRIC_NAMES)}")
    return metrics


def add_backend_arguments(group) -> None:
    """`--backend`, `--base-url` and `--backend-option`: the generation backend of a model."""
    group.add_argument("--backend", default="auto", help="auto, vllm, transformers or openai")
    group.add_argument("--base-url", help="OpenAI-compatible server for --backend openai")
    group.add_argument(
        "--backend-option", action="append", default=[], metavar="KEY=VALUE",
        help="a generation backend setting, repeatable: e.g. reuse_prefixes=true, max_padding=0.2 "
        "(transformers), tensor_parallel_size=2 (vllm); values are read as JSON, else as text",
    )  # fmt: skip


def backend_options(args: argparse.Namespace) -> dict:
    """`--base-url` and the `--backend-option KEY=VALUE`s as a dict, values parsed as JSON
    where they are JSON."""
    options = {"base_url": args.base_url} if args.base_url else {}
    for pair in args.backend_option:
        key, sep, value = pair.partition("=")
        if not sep or not key.isidentifier():
            raise PipelineError(
                f"--backend-option {pair!r}: expected KEY=VALUE, e.g. reuse_prefixes=true"
            )
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def engine_spec(args: argparse.Namespace) -> EngineSpec:
    """`--engine`, `--ray-address`, `--gpus-per-worker` (see `engines.options`), checked."""
    return EngineSpec(args.engine, args.ray_address, args.gpus_per_worker)
