"""`evaluate`: score run files exactly as BRIGHT's reference code does."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bright_eval.commands.options import add_data_options, data_from_args, parse_metric_list
from bright_eval.data import BrightData
from bright_eval.data_compare import compare, data_label, format_changes
from bright_eval.domains import parse_domains
from bright_eval.evaluation import DomainResults, average, evaluate
from bright_eval.exchange.mteb import is_mteb_result, read_mteb
from bright_eval.results import ResultsError
from bright_eval.revisions import resolve_revision
from bright_eval.runs import domain_path, read_run
from bright_eval.tables import format_metrics_table

DEFAULT_METRICS = "NDCG@10,Recall@10,Recall@100,MRR"
DEFAULT_METRICS_LONG = "Recall@1,NDCG@10,Recall@100,MRR"


def register(commands) -> None:
    ev = commands.add_parser("evaluate", help="score run files exactly as BRIGHT's reference")
    ev.add_argument(
        "--run",
        required=True,
        help="run path with {domain}, e.g. 'runs/{domain}.trec.gz' (TREC, score.json, ranx JSON "
        "or ir_datasets TSV), or an MTEB result file (its scores are shown, not evaluated)",
    )
    add_data_options(ev)
    ev.add_argument("--metrics", help=f"metrics to print (default: {DEFAULT_METRICS})")
    ev.add_argument("--out", help="write {'domains': ..., 'average': ...} JSON here")
    ev.add_argument(
        "--against-revision",
        help="also score the run on this dataset revision on the Hub (v1, v1.1 or a commit) and "
        "print the per-domain difference",
    )
    ev.add_argument(
        "--against-data-dir",
        help="also score the run on this local snapshot (e.g. another revision) and print the "
        "per-domain difference",
    )
    ev.set_defaults(func=run)


def show_mteb(path: str, domains, metrics: list[str], long_documents: bool) -> int:
    """An MTEB result file's scores, as reported: it holds no rankings to evaluate."""
    result = read_mteb(path)
    table = result.metrics_long if long_documents else result.metrics
    per_domain = {d.name: table[d.name] for d in domains if d.name in table}
    shown = [m for m in metrics if per_domain and all(m in v for v in per_domain.values())]
    if not shown:
        raise ResultsError(
            f"{path}: no {', '.join(metrics)} for the domains asked for in this MTEB result file"
        )
    per_domain = {d: {m: v[m] for m in shown} for d, v in per_domain.items()}
    print(
        f"{path}: scores as reported in an MTEB result file (dataset revision "
        f"{result.dataset_revision}); it holds no rankings, so nothing was evaluated"
    )
    print(format_metrics_table(per_domain, average(per_domain), shown))
    return 0


def run(args: argparse.Namespace) -> int:
    domains = parse_domains(args.domains, long_documents=args.long)
    metrics = parse_metric_list(
        args.metrics or (DEFAULT_METRICS_LONG if args.long else DEFAULT_METRICS)
    )
    if "{domain}" not in args.run and is_mteb_result(args.run):
        return show_mteb(args.run, domains, metrics, args.long)
    data = data_from_args(args)
    # The second data source first: a bad --against-* option fails before any scoring.
    against = None
    if args.against_data_dir:
        against = BrightData.from_options(args.against_data_dir)
    elif args.against_revision:
        # The Hub at that revision, even where $BRIGHT_DATA_DIR names a local folder.
        against = BrightData(revision=resolve_revision(args.against_revision))
    evaluations, runs = {}, {}
    for d in domains:
        runs[d.name] = read_run(domain_path(args.run, d.name))
        ev = evaluate(
            runs[d.name], data.qrels(d.name, args.long), data.excluded_ids(d.name), domain=d.name
        )
        ev.warn_missing(d.name)
        evaluations[d.name] = ev
    results = DomainResults(evaluations)
    print(format_metrics_table(results.per_domain, results.average, metrics))
    out = results.to_json()
    if against is not None:
        metric = metrics[0]
        labels = (data_label(data), data_label(against))
        changes = compare(runs, domains, data, against, metric, args.long)
        print()
        print(format_changes(changes, metric, labels))
        out["against"] = {
            "data": against.describe(),
            "metric": metric,
            "domains": {c.domain: c.to_json() for c in changes},
        }
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    return 0
