"""Which weights a model or adapter name stands for. A local folder (or file) is named by the
content of its weight, config and tokenizer files, so retraining into the same folder gives
another cache key and another results name; a Hub id by the commit its revision resolves to,
kept in the record.

Hashing a multi-GB checkpoint on every run would cost more than the run, so each file's hash is
kept in `<cache root>/weights-hashes.json` under its path, size and modification time: an
unchanged file is not read again, a file whose size or modification time changed is.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path

from bright_eval.atomic import atomic_write_text
from bright_eval.cache_dir import cache_root

# What in a model or adapter folder decides its outputs: weights, configs, tokenizer files,
# chat templates, remote code. Not model cards, training logs or checkpoint folders.
SUFFIXES = frozenset(
    {".safetensors", ".bin", ".gguf", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx",
     ".json", ".jinja", ".model", ".txt", ".tiktoken", ".py"}
)  # fmt: skip
MEMO_FILE = "weights-hashes.json"
# Recorded beside the content hashes but left out of the cache key: a machine that only merges
# cached shards may have no copy of the Hub model to resolve its commit from.
RECORD_ONLY = frozenset({"model_commit", "adapter_commit"})
COMMIT = re.compile(r"[0-9a-f]{40}")

# path -> [size, mtime_ns, sha256], as read from (and written to) the memo file.
_memo: dict[str, list] = {}
_memo_read: set[Path] = set()


def is_local(name: str | None) -> bool:
    return bool(name) and Path(name).exists()


def weight_files(root: Path) -> list[Path]:
    """The files that decide a model's outputs, in sorted relative-path order."""
    if root.is_file():
        return [root]
    found = []
    for folder, dirs, names in os.walk(root):
        # Trainer checkpoints and hidden folders (.git, .cache) are not the model.
        dirs[:] = [d for d in dirs if not d.startswith((".", "checkpoint"))]
        found += [Path(folder) / n for n in names if Path(n).suffix in SUFFIXES]
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _load_memo(file: Path) -> None:
    if file in _memo_read:
        return
    _memo_read.add(file)
    try:
        stored = json.loads(file.read_text())
    except (OSError, ValueError):  # none yet, or damaged: hashes are recomputed
        return
    if isinstance(stored, dict):
        _memo.update({k: v for k, v in stored.items() if isinstance(v, list) and len(v) == 3})


def _save_memo(file: Path) -> None:
    live = {k: v for k, v in _memo.items() if os.path.exists(k)}
    try:
        atomic_write_text(file, json.dumps(live, indent=0, sort_keys=True))
    except OSError:  # a read-only cache only costs the next run a re-read
        pass


def file_hash(path: Path) -> tuple[str, bool]:
    """The file's sha256, and whether it had to be read (its memo was missing or stale)."""
    stat = path.stat()
    key = str(path.resolve())
    known = _memo.get(key)
    if known and known[:2] == [stat.st_size, stat.st_mtime_ns]:
        return known[2], False
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    _memo[key] = [stat.st_size, stat.st_mtime_ns, digest.hexdigest()]
    return digest.hexdigest(), True


def content_hash(name: str | None) -> str | None:
    """A hash of a local model or adapter's files (their relative paths and contents); None
    when `name` is not a path on this machine (a Hub id, a served model's name)."""
    if not is_local(name):
        return None
    root = Path(name)
    memo = cache_root() / MEMO_FILE
    _load_memo(memo)
    total, read_any = hashlib.sha256(), False
    for file in weight_files(root):
        digest, was_read = file_hash(file)
        read_any |= was_read
        relative = file.name if root.is_file() else file.relative_to(root).as_posix()
        total.update(f"{relative}\t{digest}\n".encode())
    if read_any:
        _save_memo(memo)
    return total.hexdigest()[:16]


@lru_cache(maxsize=64)
def hub_commit(repo_id: str, revision: str | None = None) -> str | None:
    """The commit a Hub id's revision resolves to: asked of the Hub when online, else read from
    the local Hugging Face cache; None when neither can say (this never fails a run)."""
    if revision and COMMIT.fullmatch(revision):
        return revision
    try:
        from huggingface_hub import constants

        if not constants.HF_HUB_OFFLINE:
            from huggingface_hub import HfApi

            return HfApi().model_info(repo_id, revision=revision, timeout=10).sha
    except Exception:  # noqa: BLE001 - unknown, private, offline or unreachable: look locally
        pass
    try:
        from huggingface_hub import constants

        folder = Path(constants.HF_HUB_CACHE) / f"models--{repo_id.replace('/', '--')}"
        commit = (folder / "refs" / (revision or "main")).read_text().strip()
    except (ImportError, OSError):
        return None
    return commit if COMMIT.fullmatch(commit) else None


def identity(name: str | None, revision: str | None = None, prefix: str = "model") -> dict:
    """`<prefix>_sha256` (a local path's content hash, in the cache key) and `<prefix>_commit`
    (a Hub id's resolved commit, in the record only)."""
    digest = content_hash(name)
    commit = hub_commit(name, revision) if name and digest is None else None
    return {f"{prefix}_sha256": digest, f"{prefix}_commit": commit}
