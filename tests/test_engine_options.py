"""`--engine`, `--ray-address`, `--gpus-per-worker`: bad combinations and a missing Ray are
one-line errors (exit 2) before any work."""

import importlib.util

from bright_eval.cli import main

PIPELINE = ["--reranker", "ours-3b-zeroshot", "--first-stage", "bm25", "--domains", "pony"]


def run(shared_bright, *extra):
    return main([*PIPELINE, "--data-dir", str(shared_bright), *extra])


def test_engine_options_are_checked(shared_bright, capsys, monkeypatch):
    cases = [
        (["--engine", "local", "--ray-address", "ray://h:10001"],
         "--ray-address applies to --engine ray only"),
        (["--gpus-per-worker", "1"], "--gpus-per-worker applies to --engine ray only"),
        (["--engine", "ray", "--gpus-per-worker", "-1"], "--gpus-per-worker -1: must be 0 or more"),
    ]  # fmt: skip
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: object() if n == "ray" else real(n, *a)
    )
    for extra, message in cases:
        assert run(shared_bright, *extra) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


def test_engine_ray_without_ray_names_the_install(shared_bright, capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "ray" else real(n, *a)
    )
    assert run(shared_bright, "--engine", "ray") == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == (
        "error: --engine ray needs Ray, which is not installed: pip install 'bright-eval[ray]'"
    )
