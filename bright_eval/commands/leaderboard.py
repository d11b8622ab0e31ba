"""`leaderboard`: write (or `--check`) leaderboards/*.md from results/.

`refresh` (also what `python -m bright_eval` does with no command): re-evaluate the measured
systems in results/ from their recorded run files where those and the BRIGHT data are here,
then write the leaderboards. Offline: the data come from a local folder, never the Hub.
"""

from __future__ import annotations

import argparse
import sys

from bright_eval.commands.options import add_results_dir
from bright_eval.results import MEASURED, ResultsError, load_systems, save_system
from bright_eval.results.check import reevaluate

DEFAULT_RESULTS = "results"
DEFAULT_OUT = "leaderboards"
DEFAULT_README = "README.md"


def add_paths(parser: argparse.ArgumentParser) -> None:
    add_results_dir(parser, DEFAULT_RESULTS)
    parser.add_argument(
        "--out", default=DEFAULT_OUT, help="leaderboard folder (default: leaderboards)"
    )
    parser.add_argument(
        "--include-smoke",
        action="store_true",
        help="also show smoke runs (fewer queries, shortened generation) and runs on data not "
        "verified as the pinned BRIGHT revision, marked; left out by default",
    )
    parser.add_argument(
        "--readme",
        default=DEFAULT_README,
        help="README whose main-table block is kept in sync ('' for none; default: README.md)",
    )


def register(commands) -> None:
    lb = commands.add_parser("leaderboard", help="write leaderboards/*.md from results/")
    add_paths(lb)
    lb.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming each file that differs from what results/ produces",
    )
    lb.set_defaults(func=run)
    rf = commands.add_parser(
        "refresh",
        help="re-evaluate results/ from recorded runs, then write the leaderboards (the default)",
    )
    add_paths(rf)
    rf.add_argument(
        "--data-dir", help="local BRIGHT folder (default: $BRIGHT_DATA_DIR, else as recorded)"
    )
    rf.set_defaults(func=refresh)


def readme_of(args: argparse.Namespace) -> str | None:
    return args.readme or None


def shown_systems(args: argparse.Namespace) -> list:
    systems = load_systems(args.results_dir)
    trials = [s.name for s in systems if s.trial]
    if trials and not args.include_smoke:
        print(f"left out {len(trials)} smoke run(s) or run(s) on unverified data "
              f"(--include-smoke shows them): {', '.join(trials)}", file=sys.stderr)  # fmt: skip
        return [s for s in systems if not s.trial]
    return systems


def require_chart_library() -> None:
    """matplotlib is the `leaderboard` extra, not the core: say so before any work."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ResultsError(
            "the leaderboards' chart needs matplotlib: pip install 'bright-eval[leaderboard]'"
        ) from None


def run(args: argparse.Namespace) -> int:
    require_chart_library()
    from bright_eval import leaderboard  # pandas and charts: not for `--help` or other commands

    board = leaderboard.build(shown_systems(args), leaderboard.load_official(args.results_dir))
    if args.check:
        problems = leaderboard.stale(board, args.out, readme_of(args))
        for p in problems:
            print(f"stale: {p}", file=sys.stderr)
        if problems:
            print("run `python -m bright_eval leaderboard` and commit the result", file=sys.stderr)
            return 1
        print(f"leaderboards up to date with {args.results_dir}/")
        return 0
    written = leaderboard.write(board, args.out, readme_of(args))
    for path in written:
        print(f"wrote {path}")
    if not written:
        print(f"leaderboards already up to date with {args.results_dir}/")
    return 0


def refresh(args: argparse.Namespace) -> int:
    require_chart_library()
    systems = load_systems(args.results_dir)
    for system in systems:
        if system.source != MEASURED:
            continue
        check = reevaluate(system, args.results_dir, args.data_dir, args.command_line)
        avg = check.result.average()
        shown = f"nDCG@10 average {avg * 100:.2f}" if avg is not None else "no 12-domain average"
        print(f"{check.name}: {check.status} ({check.detail}; {shown})")
        if check.status == "updated":
            save_system(check.result, args.results_dir)
    args.check = False
    return run(args)
