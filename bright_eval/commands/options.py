"""Options shared by several commands."""

from __future__ import annotations

import argparse

from bright_eval.data import DATA_DIR_ENV, BrightData
from bright_eval.evaluation import METRIC_NAMES, EvaluationError


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


def data_from_args(args: argparse.Namespace):
    """A `BrightData`, or its ir_datasets twin, from the command's options."""
    if getattr(args, "source", "hf") == "ir_datasets":
        from bright_eval.irds import IrDatasetsBright

        return IrDatasetsBright()
    return BrightData.from_options(args.data_dir, args.revision)


def parse_metric_list(text: str) -> list[str]:
    metrics = [m.strip() for m in text.split(",") if m.strip()]
    for m in metrics:
        if m not in METRIC_NAMES:
            raise EvaluationError(f"unknown metric {m!r}; valid metrics: {', '.join(METRIC_NAMES)}")
    return metrics
