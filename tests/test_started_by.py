"""A record says how its run was really started: the command line the CLI was given, or a call
of `pipeline.run(spec)` with that spec; never this process's argv (from a notebook, the
kernel's `-f .../kernel-1.json`)."""

import json
import shlex
import sys

import pytest

from bright_eval.cli import main
from bright_eval.pipeline import DataSpec, PipelineSpec, run
from bright_eval.rerank import RerankerOptions
from bright_eval.results import load_systems
from tests.snapshot import build_domain, take_as_pinned

NOTEBOOK_ARGV = ["/opt/conda/lib/python3.11/site-packages/ipykernel_launcher.py", "-f",
                 "/root/.local/share/jupyter/runtime/kernel-1.json"]  # fmt: skip


@pytest.fixture
def pony(shared_bright, tmp_path, monkeypatch):
    root = tmp_path / "bright"
    root.mkdir()
    build_domain(shared_bright, root, "pony", ["42"], 2)
    take_as_pinned(monkeypatch, root, "pony")  # so that the first stage gets its own record
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "argv", NOTEBOOK_ARGV)
    return root


def first_stage_provenance(cache):
    [path] = cache.glob("runs/*/pony.provenance.json")
    return json.loads(path.read_text())


def records(results):
    """The reranked record and the first stage's, by kind."""
    systems = load_systems(results)
    return next(s for s in systems if s.is_reranked), next(s for s in systems if not s.is_reranked)


def test_the_cli_records_the_arguments_it_was_given(pony, server, tmp_path):
    results = tmp_path / "results"
    argv = ["--reranker", "llm-pointwise", "--model", "m", "--backend", "openai",
            "--base-url", server.url, "--first-stage", f"file:{pony}/{{domain}}.trec",
            "--data-dir", str(pony), "--domains", "pony", "--results-dir", str(results),
            "--no-progress"]  # fmt: skip
    assert main(argv) == 0  # as a notebook would call it: sys.argv is the kernel's
    reranked, first = records(results)
    command = shlex.join(["python", "-m", "bright_eval", *argv])
    for record in (reranked, first):
        assert record.provenance["started_by"] == "command line"
        assert record.provenance["command"] == command
        assert "spec" not in record.provenance
    # The first-stage cache entry it computed says the same.
    cached = first_stage_provenance(tmp_path / "cache")
    assert (cached["started_by"], cached["command"]) == ("command line", command)


def test_a_python_call_records_its_spec_not_the_kernels_argv(pony, server, tmp_path):
    results = tmp_path / "results"
    with_password = server.url.replace("http://", "http://user:hunter2@")
    given = {"base_url": with_password, "api_key": "sk-1"}
    options = RerankerOptions(model="m", backend="openai", backend_options=given)
    spec = PipelineSpec(reranker="llm-pointwise", options=options, top_k=2,
                        first_stage=f"file:{pony}/{{domain}}.trec", domains="pony",
                        data=DataSpec(data_dir=str(pony)), results_dir=str(results),
                        progress=False)  # fmt: skip
    run(spec)
    reranked, first = records(results)
    shown = with_password.replace("user:hunter2", "***")
    for record in (reranked, first):
        assert record.provenance["started_by"] == "python"
        assert record.provenance["command"] is None
        assert record.provenance["spec"] == {
            "reranker": "llm-pointwise",
            "options": {"model": "m", "adapter": None, "revision": None, "backend": "openai",
                        "max_new_tokens": None,
                        "backend_options": {"base_url": shown, "api_key": "***"}},
            "first_stage": f"file:{pony}/{{domain}}.trec", "top_k": 2, "domains": "pony",
            "long_documents": False, "query_variant": "original", "rerank_query": "original",
            "data": {"source": "hf", "data_dir": str(pony), "revision": None},
            "shard": {"index": 1, "count": 1}, "max_queries": None, "batch_size": 256,
            "cached_only": False, "refresh": False, "score": "score",
            "results_dir": str(results), "system_name": None, "progress": False,
            "engine": {"name": "local", "address": None, "gpus_per_worker": 0.0},
            "command": None,
        }  # fmt: skip
    cached = first_stage_provenance(tmp_path / "cache")
    assert (cached["started_by"], cached["command"]) == ("python", None)
    for path in [*results.rglob("*.json"), *(tmp_path / "cache").rglob("*.json")]:
        assert "kernel-1.json" not in path.read_text(), path
