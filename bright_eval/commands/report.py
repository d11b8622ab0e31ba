"""`report`: a static HTML report of a reranked system (bright_eval.report)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bright_eval.domains import parse_domains

DEFAULT_DOC_CHARS = 8000


def register(commands) -> None:
    p = commands.add_parser(
        "report", help="write a browsable HTML report of what a reranker decided, and why"
    )
    p.add_argument("system", help="the system's folder, e.g. results/ours-3b__bm25-top100")
    p.add_argument("--out", help="output folder (default: reports/<system>)")
    p.add_argument(
        "--compare", help="a second system over the same first stage, shown side by side"
    )
    p.add_argument(
        "--data-dir",
        help="local BRIGHT folder (default: $BRIGHT_DATA_DIR, else the data the record names)",
    )
    p.add_argument("--domains", help="comma-separated domains (default: all the record has)")
    p.add_argument(
        "--doc-chars",
        type=int,
        default=DEFAULT_DOC_CHARS,
        help=f"characters of each document shown (default: {DEFAULT_DOC_CHARS:,})",
    )
    p.add_argument(
        "--no-documents", action="store_true", help="do not load document texts (faster)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bright_eval.report import ReportError, build_report

    if args.doc_chars < 0:
        raise ReportError(f"--doc-chars {args.doc_chars}: must be 0 or more")
    every = args.domains is None or args.domains.strip() == "all"
    domains = None if every else [d.name for d in parse_domains(args.domains)]
    out = Path(args.out) if args.out else Path("reports") / Path(args.system).resolve().name
    index = build_report(
        args.system,
        out,
        compare=args.compare,
        data_dir=args.data_dir,
        domains=domains,
        doc_chars=args.doc_chars,
        with_documents=not args.no_documents,
    )
    print(f"report written: open {index}", file=sys.stderr)
    return 0
