"""One spelling per option across commands (issue 20): a results folder is `--results-dir` in every
command that takes one, `leaderboard`/`record`'s old `--results` kept as a hidden alias that
says which spelling to use."""

import argparse

from bright_eval.cli import build_parser, main


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {"(pipeline)": parser, **sub.choices}


def visible(parser: argparse.ArgumentParser) -> set[str]:
    return {o for a in parser._actions if a.help != argparse.SUPPRESS for o in a.option_strings}


def test_every_command_with_a_results_folder_spells_it_results_dir():
    options = {name: visible(p) for name, p in commands().items()}
    with_results = sorted(n for n, o in options.items() if "--results-dir" in o)
    assert with_results == [
        "(pipeline)",
        "audit",
        "export",
        "leaderboard",
        "record",
        "refresh",
        "site",
    ]
    assert [n for n, o in options.items() if "--results" in o] == []
    # A local BRIGHT copy is --data-dir wherever one is read (also `distill decontaminate`).
    with_data = sorted(n for n, o in options.items() if "--data-dir" in o)
    assert with_data == [
        "(pipeline)",
        "evaluate",
        "record",
        "refresh",
        "report",
        "retrieve",
        "site",
    ]
    assert not any(o & {"--data", "--data-folder", "--results-folder"} for o in options.values())


def test_the_old_spelling_still_works_and_says_the_new_one(tmp_path, capsys):
    missing = tmp_path / "missing"
    assert main(["leaderboard", "--results", str(missing)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "warning: --results is deprecated; use --results-dir"
    assert str(missing) in err[1] and "does not exist" in err[1] and len(err) == 2
    assert main(["leaderboard", "--results-dir", str(missing)]) == 2
    assert "deprecated" not in capsys.readouterr().err
