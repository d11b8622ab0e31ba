"""Options shared by several commands."""

from __future__ import annotations

import argparse

from bright_eval.data import DATA_DIR_ENV
from bright_eval.evaluation import METRIC_NAMES, EvaluationError
from bright_eval.sources import BrightSource, open_source


def add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help=f"local folder laid out like the Hub dataset (default: ${DATA_DIR_ENV}, else the Hub)",
    )
    parser.add_argument("--revision", help="dataset revision on the Hub (default: pinned)")
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
