"""Command line: `python -m bright_eval <command>`. Each command is a thin call into the package."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bright_eval.data import DATA_DIR_ENV, BrightData, DataError
from bright_eval.domains import UnknownDomainError, parse_domains
from bright_eval.evaluation import (
    METRIC_NAMES,
    DomainResults,
    EvaluationError,
    evaluate,
)
from bright_eval.runs import RunFormatError, domain_path, read_run
from bright_eval.tables import format_metrics_table

USER_ERRORS = (DataError, UnknownDomainError, EvaluationError, RunFormatError)
DEFAULT_METRICS = "NDCG@10,Recall@10,Recall@100,MRR"
DEFAULT_METRICS_LONG = "Recall@1,NDCG@10,Recall@100,MRR"


def add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help=f"local folder laid out like the Hub dataset (default: ${DATA_DIR_ENV}, else the Hub)",
    )
    parser.add_argument("--revision", help="dataset revision on the Hub (default: pinned)")
    parser.add_argument(
        "--domains", default="all", help="comma-separated domains (default: all 12)"
    )
    parser.add_argument(
        "--long", action="store_true", help="long documents: qrels from gold_ids_long"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bright_eval", description="Evaluate retrieval and reranking on BRIGHT."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ev = commands.add_parser("evaluate", help="score run files exactly as BRIGHT's reference")
    ev.add_argument(
        "--run",
        required=True,
        help="run path with {domain}, e.g. 'runs/{domain}.trec.gz' (TREC or score.json)",
    )
    add_data_options(ev)
    ev.add_argument("--metrics", help=f"metrics to print (default: {DEFAULT_METRICS})")
    ev.add_argument("--out", help="write {'domains': ..., 'average': ...} JSON here")
    ev.set_defaults(func=cmd_evaluate)
    return parser


def parse_metric_list(text: str) -> list[str]:
    metrics = [m.strip() for m in text.split(",") if m.strip()]
    for m in metrics:
        if m not in METRIC_NAMES:
            raise EvaluationError(f"unknown metric {m!r}; valid metrics: {', '.join(METRIC_NAMES)}")
    return metrics


def cmd_evaluate(args: argparse.Namespace) -> int:
    data = BrightData.from_options(args.data_dir, args.revision)
    domains = parse_domains(args.domains, long_documents=args.long)
    metrics = parse_metric_list(
        args.metrics or (DEFAULT_METRICS_LONG if args.long else DEFAULT_METRICS)
    )
    evaluations = {}
    for d in domains:
        run = read_run(domain_path(args.run, d.name))
        ev = evaluate(run, data.qrels(d.name, args.long), data.excluded_ids(d.name), domain=d.name)
        if ev.missing_queries:
            print(
                f"warning: {d.name}: {len(ev.missing_queries)} of {ev.n_queries} queries have no "
                f"ranking in the run and score 0 (e.g. {ev.missing_queries[0]})",
                file=sys.stderr,
            )
        evaluations[d.name] = ev
    results = DomainResults(evaluations)
    print(format_metrics_table(results.per_domain, results.average, metrics))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results.to_json(), indent=2) + "\n")
    return 0


def quiet_libraries() -> None:
    try:
        import datasets

        datasets.disable_progress_bars()
        datasets.logging.set_verbosity_error()
    except ImportError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    quiet_libraries()
    try:
        return args.func(args)
    except USER_ERRORS as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
