"""Where records live: `results/<name>/` for measured systems, `results/reported/<name>.json`
for published numbers. JSON is written with sorted keys and unchanged files are not rewritten,
so re-saving a record leaves its bytes (and mtimes) alone."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bright_eval.atomic import atomic_write_text
from bright_eval.results.schema import (
    PER_QUERY_FILE,
    REPORTED,
    REPORTED_DIR,
    SYSTEM_FILE,
    ResultsError,
    SystemRecord,
    from_json,
    to_json,
    validate_name,
)


def _dump(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def _write(path: Path, text: str) -> None:
    # Unchanged records are not rewritten, so re-saving leaves files (and mtimes) alone.
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    atomic_write_text(path, text)


def system_dir(results_dir: str | os.PathLike, name: str) -> Path:
    validate_name(name)
    return Path(results_dir) / name


def save_system(result: SystemRecord, results_dir: str | os.PathLike = "results") -> Path:
    """Write a system's record; returns the file written. Unchanged files are not touched."""
    root = Path(results_dir)
    if result.source == REPORTED:
        path = root / REPORTED_DIR / f"{result.name}.json"
        _write(path, _dump(to_json(result)))
        return path
    if result.name == REPORTED_DIR:
        raise ResultsError(f"system name {REPORTED_DIR!r} is reserved for published numbers")
    folder = system_dir(root, result.name)
    _write(folder / SYSTEM_FILE, _dump(to_json(result)))
    _write(folder / PER_QUERY_FILE, _dump(result.per_query))
    return folder / SYSTEM_FILE


def load_system(path: str | os.PathLike) -> SystemRecord:
    """A record from `results/<name>/system.json` or `results/reported/<name>.json`."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ResultsError(f"{path}: cannot read a system record ({err})") from err
    per_query_path = path.with_name(PER_QUERY_FILE)
    per_query = None
    if path.name == SYSTEM_FILE and per_query_path.is_file():
        per_query = json.loads(per_query_path.read_text(encoding="utf-8"))
    try:
        return from_json(data, per_query)
    except (TypeError, KeyError) as err:
        raise ResultsError(f"{path}: malformed system record ({err})") from err


def system_files(results_dir: str | os.PathLike) -> list[Path]:
    root = Path(results_dir)
    measured = sorted(p for p in root.glob(f"*/{SYSTEM_FILE}") if p.parent.name != REPORTED_DIR)
    reported = sorted((root / REPORTED_DIR).glob("*.json"))
    return measured + reported


def load_systems(results_dir: str | os.PathLike = "results") -> list[SystemRecord]:
    root = Path(results_dir)
    if not root.is_dir():
        raise ResultsError(f"results folder {str(root)!r} does not exist")
    systems = [load_system(p) for p in system_files(root)]
    seen: dict[str, str] = {}
    for s in systems:
        if s.name in seen:
            raise ResultsError(f"system name {s.name!r} is used twice in {root}")
        seen[s.name] = s.source
    return systems
