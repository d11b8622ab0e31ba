"""Bad input is one line on stderr and exit status 2, before any work is lost or wasted."""

import os
import subprocess
import sys

import pytest

from bright_eval.cli import main
from bright_eval.rerank import REGISTRY
from tests.conftest import REASONIR_RUN, REPO
from tests.snapshot import build_domain


@pytest.fixture
def pony(shared_bright, tmp_path, monkeypatch):
    build_domain(shared_bright, tmp_path, "pony", ["0", "1"], docs_per_query=3)
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    yield tmp_path
    REGISTRY.pop("test-first-word", None)
    sys.modules.pop("tests.plugins_for_tests", None)


def pipeline(root, *extra):
    return ["--plugin", "tests.plugins_for_tests", "--reranker", "test-first-word",
            "--first-stage", f"file:{root}/{{domain}}.trec", "--domains", "pony",
            "--data-dir", str(root), "--results-dir", str(root / "results"), "--no-progress",
            *extra]  # fmt: skip


def one_line_error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        (["--batch-size", "0"], "--batch-size 0: must be at least 1"),
        (["--max-queries", "0"], "--max-queries 0: must be at least 1"),
        (["--max-queries", "-1"], "--max-queries -1: must be at least 1"),
        (["--top-k", "0"], "--top-k 0: must be at least 1"),
        (["--shard", "3/2"], "--shard '3/2': expected i/n"),
    ],
)
def test_bad_numbers_are_refused(pony, capsys, flag, message):
    assert message in one_line_error(capsys, pipeline(pony, *flag))


def test_a_pipeline_option_without_a_reranker_is_an_error_not_a_refresh(capsys):
    line = one_line_error(capsys, ["--top-k", "5"])
    assert line == "error: --top-k is a pipeline option: add --reranker NAME"


def test_an_unwritable_results_folder_stops_before_any_model_work(pony, capsys):
    blocker = pony / "results"
    blocker.write_text("a file where the results folder should be")
    line = one_line_error(capsys, pipeline(pony))
    assert "cannot write results to" in line and "--results-dir" in line
    assert not (pony / "cache" / "rerank").exists() or not any((pony / "cache").rglob("*.jsonl"))


def test_another_configuration_never_silently_replaces_a_record(pony, capsys):
    assert main(pipeline(pony, "--system-name", "mine")) == 0
    capsys.readouterr()
    # Same name, another reranker configuration (another first stage depth is a different
    # record too, but this one changes the reranker itself).
    from tests.plugins_for_tests import FirstWordLength

    FirstWordLength.scale = 2.0  # a declared setting: another configuration
    try:
        line = one_line_error(capsys, pipeline(pony, "--system-name", "mine"))
    finally:
        del FirstWordLength.scale
    assert "holds another configuration of test-first-word" in line
    assert "--system-name" in line


@pytest.mark.data
def test_no_hub_and_no_local_data_is_one_line(tmp_path):
    env = dict(os.environ, HF_HOME=str(tmp_path / "hf"), HF_DATASETS_OFFLINE="1",
               HF_HUB_OFFLINE="1", BRIGHT_EVAL_CACHE=str(tmp_path / "c"))  # fmt: skip
    env.pop("BRIGHT_DATA_DIR", None)
    done = subprocess.run(
        [sys.executable, "-m", "bright_eval", "evaluate", "--run", REASONIR_RUN,
         "--domains", "pony"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot load xlangai/BRIGHT" in lines[0], done.stderr
    assert "--data-dir" in lines[0]


def test_ctrl_c_is_one_line_saying_what_is_safe_and_how_to_resume(pony, capsys, monkeypatch):
    from tests.plugins_for_tests import FirstWordLength

    real = FirstWordLength.judge
    calls = []

    def interrupted_on_second_batch(self, candidates):
        calls.append(len(candidates))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, candidates)

    monkeypatch.setattr(FirstWordLength, "judge", interrupted_on_second_batch)
    assert main(pipeline(pony, "--batch-size", "2")) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("interrupted: 2 outputs are safe in ")
    assert err[-1].endswith("run the same command again to resume")
    assert not any("Traceback" in line for line in err)
    monkeypatch.setattr(FirstWordLength, "judge", real)
    assert main(pipeline(pony, "--batch-size", "2")) == 0
    assert "pairs 6: cached 2, model calls 4" in capsys.readouterr().err


def test_a_missing_imported_run_stops_before_any_work(pony, capsys):
    argv = pipeline(pony)
    argv[argv.index("--first-stage") + 1] = "file:/nonexistent/{domain}.trec"
    line = one_line_error(capsys, argv)
    assert line == (
        "error: file:/nonexistent/{domain}.trec: run file /nonexistent/pony.trec does not exist "
        "(domain pony); give a path template whose {domain} names an existing run per domain"
    )
    assert not (pony / "cache").exists()  # not even the reranker's cache folder was made
    retrieve = ["retrieve", "--retriever", "file:/nonexistent/{domain}.trec", "--domains",
                "pony", "--data-dir", str(pony)]  # fmt: skip
    assert "run file /nonexistent/pony.trec does not exist" in one_line_error(capsys, retrieve)


@pytest.mark.parametrize(
    ("adapter", "what"),
    [
        ("/nonexistent", "neither a folder nor a Hub id"),
        ("{root}/pony.trec", "a file"),
        ("{root}/examples", "a folder without adapter_config.json"),
    ],
)
def test_an_adapter_that_is_not_one_stops_before_the_first_stage(
    pony, capsys, smollm2_path, adapter, what
):
    adapter = adapter.format(root=pony)
    argv = ["--reranker", "ours-3b", "--model", smollm2_path, "--adapter", adapter,
            "--backend", "transformers", "--first-stage", "bm25", "--domains", "pony",
            "--data-dir", str(pony), "--results-dir", str(pony / "results"),
            "--no-progress"]  # fmt: skip
    line = one_line_error(capsys, argv)
    assert line == (
        f"error: --adapter {adapter!r} is {what}: give a PEFT LoRA adapter's folder (it holds "
        "adapter_config.json) or its Hub id owner/name"
    )
    assert not (pony / "cache").exists()  # BM25 never ran: its cache would be there


def test_adapter_names_a_server_or_the_hub_may_hold_pass_the_check():
    from bright_eval.rerank.backends.base import check_adapter

    check_adapter("meta-llama/some-adapter", "transformers")  # a Hub id: the backend fetches it
    check_adapter("ours", "openai")  # served by `vllm serve --lora-modules ours=PATH`


def test_an_unreachable_server_is_one_line_naming_it_without_its_password(pony, capsys):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    plain, hidden = f"http://127.0.0.1:{port}/v1", f"http://***@127.0.0.1:{port}/v1"
    for url, shown in [(plain, plain), (f"http://me:secret@127.0.0.1:{port}/v1", hidden)]:
        argv = ["--reranker", "ours-3b-zeroshot", "--backend", "openai", "--base-url", url,
                "--backend-option", "max_retries=1", "--backend-option", "backoff_s=0.01",
                "--first-stage", f"file:{pony}/{{domain}}.trec", "--domains", "pony",
                "--data-dir", str(pony), "--results-dir", str(pony / "results"),
                "--no-progress"]  # fmt: skip
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and "secret" not in err
        last = err.strip().splitlines()[-1]
        assert last.startswith(
            f"error: the OpenAI-compatible server at {shown} is unreachable: no answer to "
            "/chat/completions after 2 tries ("
        ), last
        assert last.endswith("); start it, or give its address (--base-url or $OPENAI_BASE_URL)")


def test_an_adapter_the_hub_cannot_give_is_one_line(pony, capsys, smollm2_path):
    # Looks like a Hub id, so it passes the early check; loading it (offline) is then one line.
    argv = ["--reranker", "ours-3b", "--model", smollm2_path, "--adapter", "owner/no-adapter",
            "--backend", "transformers", "--first-stage", f"file:{pony}/{{domain}}.trec",
            "--domains", "pony", "--data-dir", str(pony), "--results-dir", str(pony / "results"),
            "--no-progress"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(
        "error: cannot load the LoRA adapter 'owner/no-adapter': give a local folder or a Hub id "
        "reachable from here ("
    )
