"""Command line: `python -m bright_eval <command>`. Each command lives in `bright_eval.commands`."""

from __future__ import annotations

import argparse
import sys

from bright_eval.commands import evaluate, retrieve
from bright_eval.data import DataError
from bright_eval.domains import UnknownDomainError
from bright_eval.evaluation import EvaluationError
from bright_eval.retrieval import UnknownRetrieverError
from bright_eval.retrieval.analyzer import AnalyzerUnavailableError
from bright_eval.retrieval.base import MissingDependencyError
from bright_eval.runs import RunFormatError

COMMANDS = [evaluate, retrieve]
# Errors caused by what the user asked for: reported in one line, exit status 2.
USER_ERRORS = (
    DataError,
    UnknownDomainError,
    EvaluationError,
    RunFormatError,
    UnknownRetrieverError,
    AnalyzerUnavailableError,
    MissingDependencyError,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bright_eval", description="Evaluate retrieval and reranking on BRIGHT."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


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
