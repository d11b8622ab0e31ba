"""`audit`: published run files re-scored by this harness, beside the numbers printed for
them, disagreements beyond rounding flagged (docs/audit.md)."""

from __future__ import annotations

import argparse

from bright_eval.audit import load_audits, render


def register(commands) -> None:
    au = commands.add_parser(
        "audit", help="published runs re-scored here beside the numbers their papers printed"
    )
    au.add_argument("--results", default="results", help="results folder (default: results)")
    au.add_argument("--detail", action="store_true", help="also list every domain's values")
    au.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print(render(load_audits(args.results), detail=args.detail))
    return 0
