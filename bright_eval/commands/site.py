"""`site`: the leaderboards as one static, self-contained HTML folder (bright_eval.site)."""

from __future__ import annotations

import argparse
import sys

from bright_eval.commands.leaderboard import DEFAULT_RESULTS, shown_systems
from bright_eval.commands.options import add_results_dir

DEFAULT_OUT = "build/site"


def register(commands) -> None:
    p = commands.add_parser(
        "site",
        help="write the leaderboards as a static site: sortable, filterable boards, the "
        "reproduction matrix and the reports of measured rerankers",
    )
    add_results_dir(p, DEFAULT_RESULTS)
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    p.add_argument(
        "--data-dir",
        help="local BRIGHT folder for the reports (default: $BRIGHT_DATA_DIR, else as recorded)",
    )
    p.add_argument(
        "--include-smoke",
        action="store_true",
        help="also show smoke runs and runs on unverified data, marked (as `leaderboard` does)",
    )
    p.add_argument(
        "--no-reports", action="store_true", help="do not build the measured rerankers' reports"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bright_eval.leaderboard import load_official
    from bright_eval.leaderboard.trial import marked
    from bright_eval.site import build_site

    index = build_site(
        marked(shown_systems(args)),
        load_official(args.results_dir),
        args.results_dir,
        args.out,
        data_dir=args.data_dir,
        with_reports=not args.no_reports,
    )
    print(f"site written: open {index}", file=sys.stderr)
    return 0
