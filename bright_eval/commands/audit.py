"""`audit`: published run files re-scored by this harness, beside the numbers printed for
them, disagreements beyond rounding flagged (docs/audit.md)."""

from __future__ import annotations

import argparse

from bright_eval.audit import load_audits, render
from bright_eval.commands.options import add_results_dir


def register(commands) -> None:
    au = commands.add_parser(
        "audit", help="published runs re-scored here beside the numbers their papers printed"
    )
    add_results_dir(au)
    au.add_argument("--detail", action="store_true", help="also list every domain's values")
    au.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print(render(load_audits(args.results_dir), detail=args.detail))
    return 0
