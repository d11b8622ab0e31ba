"""No secret reaches anything the harness writes: an API key given as a backend option and the
password in a server URL are redacted from records, cache files, outputs and messages."""

import gzip
import shlex
import sys

import pytest

from bright_eval.cli import main
from bright_eval.redact import (
    is_secret_name,
    redact_command,
    redact_mapping,
    redact_text,
    redact_url,
)
from bright_eval.rerank.backends import GenerationParams, get_backend
from bright_eval.rerank.backends.openai_backend import ServerError
from bright_eval.results import load_systems
from tests.snapshot import build_domain

KEY, PASSWORD = "sk-SECRET123", "hunter2"


def test_secret_names_are_whole_words_at_the_end():
    for name in ("api_key", "OPENAI_API_KEY", "--api-key", "x-api-key", "apiKey", "hf_token",
                 "accessToken", "token", "client_secret", "AWS_SECRET_ACCESS_KEY", "password",
                 "db_passwd", "auth", "Authorization", "credentials"):  # fmt: skip
        assert is_secret_name(name), name
    # Counts and hashes that only sound like one keep their values.
    for name in ("max_new_tokens", "verdict_tokens", "token_logprobs", "cache_key", "key_hash",
                 "key", "author", "top_logprobs", "tokenizer"):  # fmt: skip
        assert not is_secret_name(name), name


def test_urls_lose_their_credentials_and_secret_parameters():
    assert redact_url("https://user:pw@api.example.com:8/v1") == "https://***@api.example.com:8/v1"
    assert redact_url("http://token@127.0.0.1/v1") == "http://***@127.0.0.1/v1"
    assert redact_url("https://h/v1?key=AIza1&alt=json") == "https://h/v1?key=***&alt=json"
    assert redact_url("https://h/v1?api-key=a&x=1") == "https://h/v1?api-key=***&x=1"
    # Nothing to hide: the same string, byte for byte.
    assert redact_url("http://127.0.0.1:8000/v1?x=a%20b") == "http://127.0.0.1:8000/v1?x=a%20b"
    line = "server: http://u:p@h/v1/chat: HTTP 500"
    assert redact_text(line) == "server: http://***@h/v1/chat: HTTP 500"


def test_command_lines_keep_every_word_but_the_secrets():
    argv = ["--reranker", "x", "--backend-option", "api_key=sk-1", "--backend-option=token=t",
            "--base-url", "http://u:pw@h:1/v1", "--base-url=https://a:b@h/v1", "--api-key", "k2",
            "--api-key=k3", "HF_TOKEN=hf_4", "--auth", "--no-progress", "--max-new-tokens", "16",
            "--backend-option", 'headers={"Authorization": "Bearer z", "X-Id": 7}',
            "--backend-option", "max_padding=0.2"]  # fmt: skip
    assert redact_command(argv) == [
        "--reranker", "x", "--backend-option", "api_key=***", "--backend-option=token=***",
        "--base-url", "http://***@h:1/v1", "--base-url=https://***@h/v1", "--api-key", "***",
        "--api-key=***", "HF_TOKEN=***", "--auth", "--no-progress", "--max-new-tokens", "16",
        "--backend-option", 'headers={"Authorization": "***", "X-Id": 7}',
        "--backend-option", "max_padding=0.2",
    ]  # fmt: skip


def test_mappings_are_redacted_at_any_depth_and_absent_secrets_stay_absent():
    described = {"backend": "vllm", "engine_args": {"model": "m", "hf_token": "hf_x",
                 "max_model_len": 16384}, "base_url": "http://u:p@h/v1", "api_key": None,
                 "headers": [{"Authorization": "Bearer y"}], "max_new_tokens": 5}  # fmt: skip
    assert redact_mapping(described) == {
        "backend": "vllm", "engine_args": {"model": "m", "hf_token": "***", "max_model_len": 16384},
        "base_url": "http://***@h/v1", "api_key": None, "headers": [{"Authorization": "***"}],
        "max_new_tokens": 5,
    }  # fmt: skip


def test_the_openai_backend_sends_url_credentials_as_basic_auth_and_never_shows_them(server):
    with_password = server.url.replace("http://", f"http://user:{PASSWORD}@")
    backend = get_backend("openai", "m", base_url=with_password)
    assert backend.base_url == server.url  # urllib cannot connect to a host with credentials
    chat = [{"role": "user", "content": "q"}]
    assert backend.generate([chat], GenerationParams())[0].text == "echo q"
    # base64("user:hunter2"), instead of the bearer key.
    assert server.authorizations == ["Basic dXNlcjpodW50ZXIy"]
    shown = with_password.replace(f"user:{PASSWORD}", "***")
    assert backend.hardware() == f"server: {shown}"
    assert backend.describe()["base_url"] == shown
    keyed = get_backend("openai", "m", base_url=server.url, api_key=KEY)
    keyed.generate([chat], GenerationParams())
    assert server.authorizations[-1] == f"Bearer {KEY}"
    # An error names the server without the password.
    gone = get_backend("openai", "m", base_url="http://user:hunter2@127.0.0.1:9/v1",
                       max_retries=0)  # fmt: skip
    with pytest.raises(ServerError) as err:
        gone.generate([chat], GenerationParams())
    assert str(err.value).startswith(
        "the OpenAI-compatible server at http://***@127.0.0.1:9/v1 is unreachable: no answer to "
        "/chat/completions after 1 tries"
    )
    assert PASSWORD not in str(err.value)


def every_file(*folders):
    """(path, bytes) of every file under the folders, gzip files decompressed."""
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            data = path.read_bytes()
            yield path, gzip.decompress(data) if path.suffix == ".gz" else data


def test_a_pipeline_run_writes_no_secret_anywhere(
    server, shared_bright, tmp_path, monkeypatch, capsys
):
    root = tmp_path / "bright"
    root.mkdir()
    build_domain(shared_bright, root, "pony", ["42"], 2)
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    with_password = server.url.replace("http://", f"http://user:{PASSWORD}@")
    argv = ["--reranker", "llm-pointwise", "--model", "m", "--backend", "openai",
            "--base-url", with_password, "--backend-option", f"api_key={KEY}",
            "--first-stage", f"file:{root}/{{domain}}.trec", "--data-dir", str(root),
            "--domains", "pony", "--results-dir", str(tmp_path / "results"),
            "--no-progress"]  # fmt: skip
    monkeypatch.setattr(sys, "argv", ["/venv/bin/bright-eval", *argv])  # the console script
    assert main(argv) == 0
    shown = with_password.replace(f"user:{PASSWORD}", "***")
    written = list(every_file(tmp_path / "results", tmp_path / "cache"))
    names = {p.name for p, _ in written}
    assert {"system.json", "pony.jsonl.gz", "all.jsonl", "config.json",
            "pony.provenance.json"} <= names  # fmt: skip
    for path, data in written:
        assert KEY.encode() not in data and PASSWORD.encode() not in data, path
    out = capsys.readouterr()
    assert KEY not in out.out + out.err and PASSWORD not in out.out + out.err
    # What was redacted is still there to read, as ***.
    [record] = [s for s in load_systems(tmp_path / "results") if s.is_reranked]
    redacted = [*argv[:7], shown, "--backend-option", "api_key=***", *argv[10:]]
    assert record.provenance["command"] == shlex.join(["bright-eval", *redacted])
    assert record.reranker.config["backend"]["base_url"] == shown
    assert record.efficiency.hardware == f"server: {shown}"
    # The server was asked with the URL's credentials all the same.
    assert set(server.authorizations) == {"Basic dXNlcjpodW50ZXIy"}


def test_a_secret_is_not_hashed_into_the_cache_folder_name(server):
    from bright_eval.rerank import RerankerOptions
    from bright_eval_zoo.llm_pointwise import LLMPointwise

    plain = LLMPointwise(RerankerOptions(model="m", backend="openai",
                                         backend_options={"base_url": server.url}))  # fmt: skip
    with_password = server.url.replace("http://", f"http://user:{PASSWORD}@")
    keyed = LLMPointwise(RerankerOptions(model="m", backend="openai", backend_options={
        "base_url": with_password, "api_key": KEY}))  # fmt: skip
    # Which server and which key answer are not part of what the outputs are.
    assert keyed.config_hash() == plain.config_hash()
    assert keyed.cache_config() == plain.cache_config()
