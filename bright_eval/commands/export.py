"""`export`: a recorded system in the field's formats: the official board's submission, an
MTEB result file, or TREC runs (see `bright_eval.exchange`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bright_eval.commands.options import add_results_dir
from bright_eval.results import (
    REPORTED_DIR,
    SYSTEM_FILE,
    ResultsError,
    SystemRecord,
    load_system,
    system_dir,
    system_files,
)

FORMATS = ("official", "mteb", "trec")


def register(commands) -> None:
    ex = commands.add_parser("export", help="write a recorded system as a board submission, an "
                             "MTEB result file or TREC runs")  # fmt: skip
    ex.add_argument("system", help="a system's name in --results-dir, or its system.json")
    ex.add_argument("--format", required=True, choices=FORMATS)
    ex.add_argument("--out", required=True, help="folder to write into")
    add_results_dir(ex)
    ex.add_argument("--link", default="", help="official: the method's paper or code")
    ex.add_argument("--description", default="", help="official: the method, in a sentence "
                    "(default: the record's first stage, reranker and notes)")  # fmt: skip
    ex.set_defaults(func=run)


def find_system(name: str, results_dir: str) -> SystemRecord:
    if Path(name).suffix == ".json" and Path(name).is_file():
        return load_system(name)
    for path in (system_dir(results_dir, name) / SYSTEM_FILE,
                 Path(results_dir) / REPORTED_DIR / f"{name}.json"):  # fmt: skip
        if path.is_file():
            return load_system(path)
    known = [p.parent.name if p.name == SYSTEM_FILE else p.stem for p in system_files(results_dir)]
    raise ResultsError(
        f"no system {name!r} in {results_dir}; recorded systems: {', '.join(known) or 'none'}"
    )


def data_revision(system: SystemRecord) -> str:
    """The dataset revision the record was scored on: the one its provenance names, or the
    pinned one for data verified to be that revision's (a local snapshot)."""
    from bright_eval.data import DEFAULT_REVISION

    data = system.provenance.get("data") or {}
    if data.get("revision"):
        return data["revision"]
    if data and system.data_verified:
        return DEFAULT_REVISION
    raise ResultsError(
        f"system {system.name!r} does not name the dataset revision it was scored on, and an "
        "MTEB result file must; record it again on the Hub or on a verified snapshot"
    )


def run(args: argparse.Namespace) -> int:
    from bright_eval.atomic import atomic_write_text
    from bright_eval.exchange import board, mteb, trec

    system = find_system(args.system, args.results_dir)
    if system.trial and args.format in ("official", "mteb"):
        # A smoke run or one on unverified data is no BRIGHT result to submit or exchange.
        raise ResultsError(
            f"system {system.name!r} is a smoke run or was scored on data not verified as "
            "BRIGHT's; only --format trec exports it"
        )
    out = Path(args.out)
    if args.format == "official":
        sub = board.submission(system, args.link, args.description)
        written = [
            atomic_write_text(out / "official.md", board.to_markdown(sub)),
            atomic_write_text(out / "official.json", json.dumps(sub, indent=2) + "\n"),
        ]
    elif args.format == "mteb":
        data = mteb.to_mteb(system, data_revision(system))
        written = [atomic_write_text(out / mteb.FILE_NAME, json.dumps(data, indent=2) + "\n")]
    else:
        written = trec.export_trec(system, args.results_dir, out)
    for path in written:
        print(f"wrote {path}")
    return 0
