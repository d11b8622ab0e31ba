"""The record every stage leaves beside its output: the hashes of its inputs and outputs, its
settings, library versions and the device, so any number or adapter traces to how it was made.

`<output>.record.json` for a file, `<output>/distill-record.json` for a folder (an adapter). A
stage whose output exists with a record of the same inputs and settings is up to date and is
skipped; a changed input or setting runs it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bright_eval.atomic import atomic_write_text
from bright_eval.errors import BrightEvalError
from bright_eval.provenance import PACKAGES, package_versions, sha256_file

DISTILL_PACKAGES = (
    *PACKAGES,
    "trl",
    "peft",
    "accelerate",
    "bitsandbytes",
    "httpx",
    "trafilatura",
    "datasketch",
)
FOLDER_RECORD = "distill-record.json"


class DistillError(BrightEvalError, ValueError):
    """Bad input to a distillation stage (reported in one line, exit status 2)."""


def path_hash(path: str | Path) -> str:
    """sha256 of a file, or of a folder's files (relative names and contents, sorted)."""
    path = Path(path)
    if path.is_file():
        return sha256_file(path)
    if not path.is_dir():
        raise DistillError(f"input {str(path)!r} does not exist")
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and p.name != FOLDER_RECORD):
        if any(part.startswith("checkpoints") for part in file.relative_to(path).parts):
            continue  # trainer checkpoints are resumption state, not the adapter
        digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(sha256_file(file).encode())
    return digest.hexdigest()


def record_path(output: str | Path) -> Path:
    output = Path(output)
    if output.is_dir() or output.suffix == "":
        return output / FOLDER_RECORD
    return output.with_name(output.name + ".record.json")


def device_description() -> dict:
    try:
        import torch
    except ImportError:
        return {"device": "cpu"}
    if torch.cuda.is_available():
        return {
            "device": "cuda",
            "name": torch.cuda.get_device_name(0),
            "count": torch.cuda.device_count(),
        }
    return {"device": "cpu"}


@dataclass
class StageRecord:
    stage: str
    inputs: dict[str, str]  # input path -> sha256
    settings: dict
    outputs: dict[str, str] = field(default_factory=dict)  # output path -> sha256
    counts: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    versions: dict = field(default_factory=lambda: package_versions(DISTILL_PACKAGES))
    device: dict = field(default_factory=device_description)
    command: str | None = None  # the command line that ran the stage, secrets redacted
    finished: str = ""

    def matches(self, other: StageRecord) -> bool:
        """Same stage, inputs and settings: the output it describes is still valid."""
        same = json.dumps([self.stage, self.inputs, self.settings], sort_keys=True, default=str)
        return same == json.dumps(
            [other.stage, other.inputs, other.settings], sort_keys=True, default=str
        )

    def save(self, output: str | Path) -> Path:
        self.outputs = {str(output): path_hash(output)}
        self.finished = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        path = record_path(output)
        atomic_write_text(path, json.dumps(asdict(self), indent=1, sort_keys=True, default=str))
        return path


def load_record(output: str | Path) -> StageRecord | None:
    path = record_path(output)
    if not path.is_file():
        return None
    return StageRecord(**json.loads(path.read_text("utf-8")))


def new_record(stage: str, inputs: dict[str, str | Path], settings: dict) -> StageRecord:
    return StageRecord(
        stage=stage, inputs={str(p): path_hash(p) for p in inputs.values()}, settings=settings
    )


def up_to_date(record: StageRecord, output: str | Path) -> bool:
    """The output exists, is unchanged since its record was written, and was made from the
    same inputs with the same settings."""
    old = load_record(output)
    if old is None or not Path(output).exists() or not old.matches(record):
        return False
    return old.outputs.get(str(output)) == path_hash(output)
