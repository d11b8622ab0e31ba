"""Local weights are keyed by their content, not their path: retraining into the same folder
never reuses the old adapter's outputs or its results name. A Hub id records the commit it
resolved to."""

import hashlib
import json
import os

import pytest

from bright_eval.data import DEFAULT_REVISION
from bright_eval.domains import parse_domains
from bright_eval.pipeline.identity import system_name
from bright_eval.pipeline.spec import PipelineSpec
from bright_eval.rerank import Candidate, RerankerOptions
from bright_eval.rerank import weights as weights_module
from bright_eval.rerank.cache import OutputCache
from bright_eval.rerank.runner import rerank
from bright_eval.rerank.weights import MEMO_FILE, content_hash, hub_commit, identity
from bright_eval_zoo.cross_encoder import CrossEncoderReranker
from bright_eval_zoo.interank import InteRank
from tests.fakes import FakeBackend, with_backend


@pytest.fixture(autouse=True)
def fresh(tmp_path, monkeypatch):
    """Each test a new process: its own cache root, nothing remembered in memory."""
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    forget()


def forget():
    weights_module._memo.clear()
    weights_module._memo_read.clear()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(folder, files: dict):
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


ADAPTER = {"adapter_config.json": b'{"r": 4}', "adapter_model.safetensors": b"\x01" * 64}


def test_a_folder_is_hashed_by_the_files_that_decide_its_outputs(tmp_path):
    folder = tmp_path / "adapter"
    write(folder, {**ADAPTER, "1_Pooling/config.json": b"{}"})
    # Relative paths in sorted order, each with its file's sha256; the first 16 hex digits.
    listing = (
        f"1_Pooling/config.json\t{sha(b'{}')}\n"
        f"adapter_config.json\t{sha(ADAPTER['adapter_config.json'])}\n"
        f"adapter_model.safetensors\t{sha(ADAPTER['adapter_model.safetensors'])}\n"
    )
    expected = sha(listing.encode())[:16]
    assert content_hash(str(folder)) == expected
    # A model card, a trainer's checkpoints and hidden folders are not the model.
    write(folder, {"README.md": b"card", "checkpoints-1a2b/adapter_model.safetensors": b"old",
                   "checkpoint-200/x.bin": b"old", ".git/config.json": b"{}"})  # fmt: skip
    assert content_hash(str(folder)) == expected
    # A single file (a GGUF checkpoint) is hashed under its own name.
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"gguf")
    assert content_hash(str(gguf)) == sha(f"model.gguf\t{sha(b'gguf')}\n".encode())[:16]
    # A Hub id or a served model's name is not a local path.
    assert content_hash("meta-llama/Llama-3.2-3B-Instruct") is None
    assert content_hash(str(tmp_path / "missing")) is None


def test_an_unchanged_file_is_not_read_again_and_a_changed_one_is(tmp_path):
    folder = tmp_path / "adapter"
    write(folder, ADAPTER)
    weights = folder / "adapter_model.safetensors"
    before = content_hash(str(folder))
    stat = weights.stat()
    memo = json.loads((tmp_path / "cache" / MEMO_FILE).read_text())
    assert memo[str(weights.resolve())] == [64, stat.st_mtime_ns, sha(b"\x01" * 64)]
    # A new process, and the same size and modification time: the memo is trusted, the
    # file not read (which is what saves hashing a multi-GB checkpoint on every run).
    forget()
    weights.write_bytes(b"\x02" * 64)
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert content_hash(str(folder)) == before
    # A new modification time: read again, and the hash follows the content.
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = content_hash(str(folder))
    write(tmp_path / "copy", {**ADAPTER, "adapter_model.safetensors": b"\x02" * 64})
    assert after != before and after == content_hash(str(tmp_path / "copy"))


def test_a_hub_id_records_the_commit_it_resolves_to_when_it_can(tmp_path, monkeypatch):
    from huggingface_hub import constants

    commit = "0123456789abcdef0123456789abcdef01234567"
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    hub_commit.cache_clear()
    refs = tmp_path / "hub" / "models--owner--model" / "refs"
    refs.mkdir(parents=True)
    (refs / "main").write_text(commit)
    assert identity("owner/model") == {"model_sha256": None, "model_commit": commit}
    assert identity("owner/model", "v2")["model_commit"] is None  # no refs/v2 here: unknown
    pinned = "fedcba9876543210fedcba9876543210fedcba98"
    assert identity("owner/model", pinned)["model_commit"] == pinned
    assert identity(None, prefix="adapter") == {"adapter_sha256": None, "adapter_commit": None}
    hub_commit.cache_clear()


CANDIDATES = {"q1": [Candidate("q1", "why?", f"d{i}", f"text {i}", i) for i in (1, 2, 3)]}


def run_ours(adapter, outputs, cache_root):
    reranker = with_backend(InteRank(RerankerOptions(adapter=str(adapter))), FakeBackend(outputs))
    with OutputCache.for_reranker(reranker, root=cache_root) as cache:
        result = rerank(reranker, CANDIDATES, cache, progress=False)
    return reranker, cache, result.stats


class Hub:
    def describe(self):
        return {"source": "hub", "revision": DEFAULT_REVISION}


def test_retraining_into_the_same_folder_never_reuses_the_old_outputs(tmp_path):
    adapter = tmp_path / "interank-lora"
    write(adapter, ADAPTER)
    cache_root = tmp_path / "outputs"
    first, first_cache, stats = run_ours(adapter, ["Relevance Label: 2"] * 3, cache_root)
    assert (stats.cached, stats.computed) == (0, 3)
    assert first.config()["adapter_sha256"] == content_hash(str(adapter))
    _, again_cache, stats = run_ours(adapter, [], cache_root)
    assert (stats.cached, stats.computed) == (3, 0) and again_cache.folder == first_cache.folder

    # Retrained in place: same folder, same file names and sizes, other weights.
    weights = adapter / "adapter_model.safetensors"
    weights.write_bytes(b"\x02" * 64)
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    retrained, cache, stats = run_ours(adapter, ["Relevance Label: 0"] * 3, cache_root)
    assert (stats.cached, stats.computed) == (0, 3)
    assert cache.folder != first_cache.folder
    new_hash = content_hash(str(adapter))
    # A reranker keeps the weights it started with: the first run's record still names them.
    assert retrained.config()["adapter_sha256"] == new_hash != first.config()["adapter_sha256"]
    # The results name follows the weights too, so the old record is not overwritten.
    spec = PipelineSpec(reranker="ours-3b", options=retrained.options)
    domains = parse_domains("all")
    names = [system_name(spec, r, Hub(), domains) for r in (first, retrained)]
    assert names[1] == f"ours-3b__bm25-top100__adapter-interank-lora-{new_hash[:4]}"
    assert names[0] != names[1]


def test_a_local_model_reranker_is_keyed_by_its_weights(tmp_path):
    folder = tmp_path / "ce"
    write(folder, {"config.json": b"{}", "model.safetensors": b"\x01" * 8})
    reranker = CrossEncoderReranker(RerankerOptions(model=str(folder)))
    assert reranker.config()["model_sha256"] == content_hash(str(folder))
    before = reranker.config_hash()
    write(folder, {"model.safetensors": b"\x02" * 9})  # retrained: another size
    assert CrossEncoderReranker(RerankerOptions(model=str(folder))).config_hash() != before
