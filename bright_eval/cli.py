"""Command line: `python -m bright_eval <command>`. Each command lives in `bright_eval.commands`."""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from pathlib import Path

from bright_eval.commands import (
    audit,
    distill,
    evaluate,
    export,
    leaderboard,
    record,
    report,
    rerank,
    retrieve,
    site,
)
from bright_eval.commands import list as list_command
from bright_eval.errors import BrightEvalError
from bright_eval.pipeline import Interrupted
from bright_eval.redact import redact_command

COMMANDS = [evaluate, retrieve, record, export, leaderboard, list_command, report, site,
            distill, audit]  # fmt: skip
# `python -m bright_eval` alone: the offline main job.
DEFAULT_COMMAND = ["refresh"]


def program() -> list[str]:
    """How this process was started: `bright-eval` (the console script) or `python -m
    bright_eval` (also for `main([...])` called from Python)."""
    script = Path(sys.argv[0]).name == "bright-eval" if sys.argv else False
    return ["bright-eval"] if script else ["python", "-m", "bright_eval"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=" ".join(program()), description="Evaluate retrieval and reranking on BRIGHT."
    )
    rerank.add_arguments(parser)  # the pipeline is the top-level command
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


class StderrLines(logging.Handler):
    """The library's log records as the lines the command line shows: `warning: ...` for a
    warning, the bare message otherwise, on whatever `sys.stderr` is at the time."""

    PREFIX = {logging.WARNING: "warning: ", logging.ERROR: "error: "}

    def emit(self, record: logging.LogRecord) -> None:
        print(self.PREFIX.get(record.levelno, "") + record.getMessage(), file=sys.stderr)


def show_logs() -> None:
    """Show the library's reports (it logs, never prints) on stderr, once however often called."""
    logger = logging.getLogger("bright_eval")
    logger.setLevel(logging.INFO)
    if not any(isinstance(h, StderrLines) for h in logger.handlers):
        logger.addHandler(StderrLines())


def quiet_libraries() -> None:
    try:
        import datasets

        datasets.disable_progress_bars()
        datasets.logging.set_verbosity_error()
    except ImportError:
        pass


def command_line(argv: list[str]) -> str:
    """The command as given, for records, secrets redacted: `bright-eval ...` when the console
    script started it, else `python -m bright_eval ...` (also for `main([...])` called from
    Python, which takes exactly the arguments that command line would)."""
    return shlex.join([*program(), *redact_command(argv)])


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if args.command is None and args.reranker is None:
        stray = rerank.pipeline_flags_given(parser, args)
        if stray:
            print(f"error: {stray[0]} is a pipeline option: add --reranker NAME", file=sys.stderr)
            return 2
        args = parser.parse_args(DEFAULT_COMMAND)
    quiet_libraries()
    show_logs()
    # Passed down to whatever records the work: how it was started, never read from sys.argv.
    args.command_line = command_line(argv)
    if args.command is None:
        args.func = rerank.run_command
    try:
        return args.func(args)
    except BrightEvalError as err:  # caused by what was asked: one line, exit 2
        print(f"error: {err}", file=sys.stderr)
        return 2
    except Interrupted as err:
        print(err, file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted; nothing already written was lost", file=sys.stderr)
        return 130
