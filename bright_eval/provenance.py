"""What made a number: date, harness and package versions, hardware, data and file hashes."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import bright_eval
from bright_eval.redact import redact_mapping

# How an output's device is named when it is not a GPU: the CPU, or a server we cannot see.
CPU_PREFIX = "CPU: "
SERVER_PREFIX = "server: "
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


HARNESS = Path(bright_eval.__file__).resolve().parent
# Paths whose uncommitted changes cannot change a number the harness makes: what it writes
# itself (results, leaderboards), tests and documentation.
NOT_CODE = ("results", "leaderboards", "tests", "*.md")


def short_hash(text: str) -> str:
    """Eight hex digits of the text's sha256: enough to keep two names apart."""
    return hashlib.sha256(text.encode()).hexdigest()[:8]


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


def git_commit(root: str | os.PathLike | None = None) -> str | None:
    """The commit of the harness that is running (of `root`'s checkout when given), with
    `-dirty` when uncommitted changes could have mattered: not those to results, leaderboards,
    tests or documentation, and not untracked files (a tool's `.venv` redirect, caches).
    None when the harness does not run from a git checkout (an installed wheel)."""
    if shutil.which("git") is None:
        return None
    where = Path(root) if root is not None else HARNESS

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=where, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        top = Path(git("rev-parse", "--show-toplevel"))
        if root is None and (top / "bright_eval").resolve() != HARNESS:
            return None  # installed into some other project's folder: not the harness's commit
        head = git("rev-parse", "HEAD")
        dirty = git("-C", str(top), "status", "--porcelain", "--untracked-files=no", "--", ".",
                    *(f":(exclude){p}" for p in NOT_CODE))  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("-dirty" if dirty else "")


@functools.cache
def cpu_model() -> str:
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


def compute_device() -> str:
    """The GPU torch computes on where one is in use, else the CPU with its core count.

    torch is asked only when something already imported it: importing it just to learn that a
    stand-in reranker runs on the CPU would cost seconds per worker."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        count = torch.cuda.device_count()
        name = torch.cuda.get_device_name(0)
        return name if count == 1 else f"{count}x {name}"
    return f"{CPU_PREFIX}{cpu_model()} ({usable_cores()} cores)"


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process may run on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def ran_on_gpu(device: str) -> bool:
    """Whether an output's recorded device (`compute_device`, or a backend's own, e.g. an
    OpenAI-compatible server whose hardware is not known) is a GPU."""
    return not device.startswith((CPU_PREFIX, SERVER_PREFIX))


def hardware() -> dict:
    return {
        "cpu": cpu_model(),
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


def started_by(command: str | None = None, spec: dict | None = None) -> dict:
    """How the work was started: the command line the CLI was given (`command`, its secrets
    already redacted), or else a call from Python, with the spec it was given when there is
    one (secrets redacted here). Never this process's own argv: from a notebook that is the
    kernel's (`-f .../kernel-1.json`), which says nothing about the run."""
    if command is not None:
        return {"started_by": "command line", "command": command}
    out: dict = {"started_by": "python", "command": None}
    if spec is not None:
        out["spec"] = redact_mapping(spec)
    return out


def capture(
    root: str | os.PathLike,
    data=None,
    wall_seconds: float | None = None,
    command: str | None = None,
    spec: dict | None = None,
) -> dict:
    """Provenance of an evaluation made now, in this process, started by `command` (the CLI's,
    see `cli.command_line`) or, when None, from Python (with its `spec`, see `started_by`)."""
    out = {
        "date": utc_now(),
        "harness_commit": git_commit(),
        **started_by(command, spec),
        "packages": package_versions(),
        "hardware": hardware(),
    }
    if data is not None:
        out["data"] = describe_data(data, root)
    if wall_seconds is not None:
        out["evaluation_wall_seconds"] = round(wall_seconds, 2)
    return out
