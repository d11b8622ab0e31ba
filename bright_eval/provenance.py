"""What made a number: date, harness and package versions, hardware, data and file hashes."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import platform
import shlex
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import bright_eval

# Packages whose version can change a score or its cost; absent ones are simply not listed.
PACKAGES = (
    "datasets",
    "ir-measures",
    "pytrec-eval-terrier",
    "numpy",
    "pandas",
    "pyarrow",
    "torch",
    "transformers",
    "vllm",
    "sentence-transformers",
    "pyserini",
    "bm25s",
    "openai",
)


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def relative_path(path: str | os.PathLike, root: str | os.PathLike) -> str:
    """`path` relative to `root` (posix separators), so that a record made in one checkout
    resolves in another with the same layout (e.g. `../shared/...`)."""
    return Path(os.path.relpath(Path(path).resolve(), Path(root).resolve())).as_posix()


def package_versions(names=PACKAGES) -> dict[str, str]:
    versions = {"python": platform.python_version(), "bright-eval": bright_eval.__version__}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return dict(sorted(versions.items()))


def git_commit(root: str | os.PathLike) -> str | None:
    """The harness commit, with `-dirty` when uncommitted changes could have mattered."""
    if shutil.which("git") is None:
        return None
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("-dirty" if dirty else "")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _gpus() -> list[str]:
    # nvidia-smi rather than torch: importing torch only to name the card costs seconds.
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


@functools.lru_cache(maxsize=1)
def machine() -> str:
    """Where a model ran, in a few words: its GPUs, else the CPU."""
    gpus = _gpus()
    return ", ".join(gpus) if gpus else f"CPU: {_cpu_model()}"


def hardware() -> dict:
    return {
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "gpus": _gpus(),
        "platform": platform.platform(),
    }


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def examples_sha256(data_dir: str | os.PathLike, config: str = "examples") -> str | None:
    """One sha256 over the query/qrels parquet files of a local snapshot, file by file, so that
    a local folder without a Hub revision still pins exactly which data was used."""
    files = sorted(Path(data_dir, config).glob("*.parquet"))
    if not files:
        return None
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.name}:{sha256_file(f)}\n".encode())
    return digest.hexdigest()


def describe_data(data, root: str | os.PathLike) -> dict:
    """`BrightData.describe()` with a local path made relative to `root` and a fingerprint."""
    described = dict(data.describe())
    if described.get("source") == "local":
        described["path"] = relative_path(described["path"], root)
        described["examples_sha256"] = examples_sha256(data.data_dir)
    return described


def capture(root: str | os.PathLike, data=None, wall_seconds: float | None = None) -> dict:
    """Provenance of an evaluation made now, in this process."""
    out = {
        "date": utc_now(),
        "harness_commit": git_commit(root),
        "command": shlex.join(["python", "-m", "bright_eval", *sys.argv[1:]]),
        "packages": package_versions(),
        "hardware": hardware(),
    }
    if data is not None:
        out["data"] = describe_data(data, root)
    if wall_seconds is not None:
        out["evaluation_wall_seconds"] = round(wall_seconds, 2)
    return out
