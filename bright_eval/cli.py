"""Command line: `python -m bright_eval <command>`. Each command lives in `bright_eval.commands`."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from bright_eval.bridges import BridgeError
from bright_eval.commands import distill, evaluate, leaderboard, record, report, rerank, retrieve
from bright_eval.commands import list as list_command
from bright_eval.data import DataError
from bright_eval.distill.records import DistillError
from bright_eval.domains import UnknownDomainError
from bright_eval.engines import EngineError
from bright_eval.evaluation import EvaluationError
from bright_eval.pipeline import Interrupted, PipelineError
from bright_eval.redact import redact_command
from bright_eval.report.records import ReportError
from bright_eval.rerank import SettingError, UnknownRerankerError, UnsupportedOptionError
from bright_eval.rerank.backends import UnknownBackendError
from bright_eval.rerank.backends.base import ModelLoadError
from bright_eval.rerank.backends.openai_backend import ServerError
from bright_eval.rerank.cache_lines import InvalidOutputError
from bright_eval.rerank.generative import MissingModelError
from bright_eval.rerank.runner import MissingOutputsError
from bright_eval.results import ResultsError
from bright_eval.retrieval import UnknownRetrieverError
from bright_eval.retrieval.analyzer import AnalyzerUnavailableError
from bright_eval.retrieval.base import MissingDependencyError
from bright_eval.runs import RunFormatError
from bright_eval.significance import PairingError
from bright_eval.sources import UnknownSourceError

COMMANDS = [evaluate, retrieve, record, leaderboard, list_command, report, distill]
# `python -m bright_eval` alone: the offline main job.
DEFAULT_COMMAND = ["refresh"]
# Errors caused by what the user asked for: reported in one line, exit status 2.
USER_ERRORS = (
    DataError,
    UnknownDomainError,
    EvaluationError,
    RunFormatError,
    UnknownRetrieverError,
    ResultsError,
    PairingError,
    AnalyzerUnavailableError,
    UnknownRerankerError,
    UnsupportedOptionError,
    SettingError,
    UnknownBackendError,
    MissingModelError,
    ModelLoadError,
    ServerError,
    PipelineError,
    MissingOutputsError,
    MissingDependencyError,
    UnknownSourceError,
    ReportError,
    DistillError,
    EngineError,
    InvalidOutputError,
    BridgeError,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bright_eval", description="Evaluate retrieval and reranking on BRIGHT."
    )
    rerank.add_arguments(parser)  # the pipeline is the top-level command
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


def command_line(argv: list[str]) -> str:
    """The command as given, for records, secrets redacted: `bright-eval ...` when the console
    script started it, else `python -m bright_eval ...` (also for `main([...])` called from
    Python, which takes exactly the arguments that command line would)."""
    script = Path(sys.argv[0]).name == "bright-eval" if sys.argv else False
    program = ["bright-eval"] if script else ["python", "-m", "bright_eval"]
    return shlex.join([*program, *redact_command(argv)])


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
    # Passed down to whatever records the work: how it was started, never read from sys.argv.
    args.command_line = command_line(argv)
    if args.command is None:
        args.func = rerank.run_command
    try:
        return args.func(args)
    except USER_ERRORS as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except Interrupted as err:
        print(err, file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted; nothing already written was lost", file=sys.stderr)
        return 130
