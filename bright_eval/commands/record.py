"""`record`: evaluate run files and save them as a system in results/ (metrics, per-query
nDCG@10, the files' origin and sha256, provenance). The run files are not copied."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bright_eval import provenance
from bright_eval.commands.options import add_results_dir, data_from_args
from bright_eval.data import DEFAULT_REVISION
from bright_eval.domains import parse_domains
from bright_eval.exchange.mteb import is_mteb_result, read_mteb
from bright_eval.results import (
    REPORTED,
    Citation,
    FirstStage,
    RerankerRecord,
    ResultsError,
    SystemRecord,
    save_system,
)
from bright_eval.results.from_runs import record_runs, repo_root
from bright_eval.revisions import resolve_revision


def register(commands) -> None:
    rec = commands.add_parser("record", help="evaluate run files into a results/ entry")
    rec.add_argument("--name", required=True, help="folder name under results/, e.g. bm25-gpt4")
    rec.add_argument("--label", required=True, help="row label in the leaderboard")
    rec.add_argument(
        "--run",
        help="short-document run path with {domain}, or an MTEB result file (recorded as "
        "reported scores, without runs)",
    )
    rec.add_argument("--long-run", help="long-document run path with {domain}")
    rec.add_argument("--domains", default="all", help="comma-separated domains (default: all)")
    rec.add_argument(
        "--first-stage", required=True, help="first-stage id: rows sharing it are compared"
    )
    rec.add_argument("--first-stage-label", help="first-stage title (default: the id)")
    rec.add_argument(
        "--first-stage-settings", help="JSON object: retriever, query variant, depth, origin"
    )
    rec.add_argument("--reranker", help="reranker name; omit for a first-stage row")
    rec.add_argument("--reranker-config", help="JSON object with the reranker's full config")
    rec.add_argument("--notes", default="", help="free text kept in the record")
    add_results_dir(rec)
    rec.add_argument("--data-dir", help="local BRIGHT folder (default: $BRIGHT_DATA_DIR)")
    rec.add_argument(
        "--revision", help="dataset revision on the Hub: v1, v1.1 or a commit (default: v1.1)"
    )
    rec.set_defaults(func=run)


def json_object(text: str | None, option: str) -> dict:
    if not text:
        return {}
    source = Path(text).read_text() if Path(text).is_file() else text
    try:
        value = json.loads(source)
    except json.JSONDecodeError as err:
        raise ResultsError(f"{option}: not a JSON object or a file holding one ({err})") from err
    if not isinstance(value, dict):
        raise ResultsError(f"{option}: expected a JSON object, got {type(value).__name__}")
    return value


def from_mteb(args, first_stage: FirstStage, reranker: RerankerRecord | None) -> SystemRecord:
    """An MTEB result file as a reported record: its scores, where it came from, no runs."""
    path = Path(args.run)
    result = read_mteb(path)
    where = provenance.relative_path(path, repo_root(args.results_dir))
    return SystemRecord(
        name=args.name,
        label=args.label,
        source=REPORTED,
        first_stage=first_stage,
        reranker=reranker,
        metrics=result.metrics,
        metrics_long=result.metrics_long,
        provenance={
            **provenance.started_by(args.command_line),
            "data": {"source": "mteb", "revision": result.dataset_revision},
            "mteb_file": {"path": where, "sha256": provenance.sha256_file(path)},
            "mteb_version": result.mteb_version,
        },
        citation=Citation(f"MTEB result file ({result.task_name})", via=where),
        notes=args.notes,
        # MTEB's BrightRetrieval pins v1: only scores of the pinned revision sit on its board.
        data_verified=resolve_revision(result.dataset_revision) == DEFAULT_REVISION,
    )


def run(args: argparse.Namespace) -> int:
    if not args.run and not args.long_run:
        raise ResultsError("give --run (short documents) and/or --long-run (long documents)")
    first_stage = FirstStage(
        args.first_stage,
        args.first_stage_label or args.first_stage,
        json_object(args.first_stage_settings, "--first-stage-settings"),
    )
    reranker = None
    if args.reranker:
        reranker = RerankerRecord(
            args.reranker, json_object(args.reranker_config, "--reranker-config")
        )
    if args.run and "{domain}" not in args.run and is_mteb_result(args.run):
        result = from_mteb(args, first_stage, reranker)
        path = save_system(result, args.results_dir)
        print(f"wrote {path} (reported scores from an MTEB result file; no runs)")
        return 0
    result = record_runs(
        args.name,
        args.label,
        first_stage,
        data_from_args(args),
        args.results_dir,
        args.run,
        parse_domains(args.domains) if args.run else [],
        args.long_run,
        parse_domains(args.domains, long_documents=True) if args.long_run else [],
        reranker=reranker,
        notes=args.notes,
        command=args.command_line,
    )
    path = save_system(result, args.results_dir)
    avg = result.average()
    shown = f"; nDCG@10 average {avg * 100:.2f}" if avg is not None else ""
    print(f"wrote {path}{shown}")
    return 0
