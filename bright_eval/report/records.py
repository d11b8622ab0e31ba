"""A reranked system's record read back from disk into plain dataclasses.

Only the on-disk format is relied on (README, "Record schema" and the pipeline's extras):
`system.json`, `per_query.json`, `counts.json`, `outputs/<domain>.jsonl.gz` and the kept run
`run/<domain>.trec.gz`. The first stage's own row is found beside it in the same results folder.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from bright_eval.domains import DOMAINS

SCHEMA_VERSION = 1
POINTWISE = "pointwise"
LISTWISE = "listwise"


class ReportError(ValueError):
    pass


@dataclass(frozen=True)
class Judged:
    """One pointwise judgement as the pipeline stored it."""

    query_id: str
    doc_id: str
    first_stage_rank: int
    score: float
    label: int | None
    parsed: bool
    how: str | None  # how the output was parsed, e.g. "label", "keyword", "no-keyword"
    scores: dict[str, float]  # finer scores beside the main one, e.g. expected_label
    raw: str | None  # the model's text: explanation and label


@dataclass(frozen=True)
class Window:
    """One listwise window: what went in, the (repaired) order that came out, the raw answer."""

    query_id: str
    step: int
    start: int  # position of the window's first document in the list at that step
    doc_ids: list[str]  # input order
    order: list[int]  # positions into doc_ids, best first, after repair
    repaired: bool
    raw: str | None
    repairs: dict  # what the reranker reported repairing, e.g. {"duplicates": 1}; {} if nothing


@dataclass
class FirstStageRow:
    """The first stage's own record (same first-stage id, no reranker)."""

    name: str
    label: str
    metrics: dict[str, dict[str, float]]
    per_query: dict[str, dict[str, float]]


@dataclass
class Record:
    folder: Path
    name: str
    label: str
    reranker: str
    family: str  # POINTWISE or LISTWISE
    first_stage_id: str
    first_stage_label: str
    ranked_by: str  # which score the run ranks by
    rerank_query: str  # the query variant the reranker saw
    long_documents: bool
    metrics: dict[str, dict[str, float]]
    per_query: dict[str, dict[str, float]]
    run_files: dict[str, Path]  # kept reranked runs that are present
    data: dict  # where BRIGHT came from, as recorded
    counts: dict
    notes: str
    outputs: dict[str, list[Judged] | list[Window]] = field(default_factory=dict)

    @property
    def domains(self) -> list[str]:
        return list(self.outputs)

    @property
    def repo_root(self) -> Path:
        """Paths in records are relative to the folder that holds `results/`."""
        return self.folder.resolve().parent.parent


def read_json(path: Path, what: str) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ReportError(f"{path}: cannot read {what} ({err})") from err


def judged_from(row: dict) -> Judged:
    # Outputs written before judgements were typed kept these two under `details`.
    details = row.get("details") or {}
    return Judged(
        query_id=str(row["query_id"]),
        doc_id=row["doc_id"],
        first_stage_rank=int(row["first_stage_rank"]),
        score=float(row["score"]),
        label=row.get("label"),
        parsed=bool(row.get("parsed", True)),
        how=row.get("how_parsed") or details.get("parse"),
        scores=dict(row.get("scores") or details.get("scores") or {}),
        raw=row.get("raw"),
    )


def window_from(row: dict) -> Window:
    return Window(
        query_id=str(row["query_id"]),
        step=int(row["step"]),
        start=int(row["start"]),
        doc_ids=list(row["doc_ids"]),
        order=[int(i) for i in row["order"]],
        repaired=bool(row["repaired"]),
        raw=row.get("raw"),
        repairs={
            k: v
            for k, v in (row.get("repair") or row.get("details") or {}).items()
            if k not in ("windows", "repaired")
        },  # fmt: skip
    )


def read_outputs(path: Path, family: str) -> list[Judged] | list[Window]:
    make = window_from if family == LISTWISE else judged_from
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return [make(json.loads(line)) for line in f if line.strip()]
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise ReportError(f"{path}: cannot read the reranker's outputs ({err})") from err


def family_of(config: dict, outputs_dir: Path) -> str:
    family = (config.get("reranker") or {}).get("family")
    if family in (POINTWISE, LISTWISE):
        return family
    # Older or foreign configs: listwise rows are windows, which have a step.
    for path in sorted(outputs_dir.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            first = f.readline()
        if first.strip():
            return LISTWISE if "step" in json.loads(first) else POINTWISE
    return POINTWISE


def load_record(folder: str | Path, domains: list[str] | None = None) -> Record:
    """`results/<system>/` of a system reranked by this harness's pipeline."""
    folder = Path(folder)
    system_file = folder / "system.json"
    if not system_file.is_file():
        raise ReportError(
            f"{folder}: no system.json; expected a results/<system>/ folder written by the pipeline"
        )
    system = read_json(system_file, "a system record")
    if system.get("schema_version") != SCHEMA_VERSION:
        raise ReportError(
            f"{system_file}: schema version {system.get('schema_version')!r}; the report reads "
            f"version {SCHEMA_VERSION}"
        )
    if not system.get("reranker"):
        raise ReportError(
            f"{folder}: {system.get('name')!r} is a first-stage row; give a reranked system"
        )
    outputs_dir = folder / "outputs"
    if not outputs_dir.is_dir():
        raise ReportError(
            f"{folder}: no outputs/ folder; the report needs a system reranked by this harness's "
            "pipeline (python -m bright_eval --reranker NAME)"
        )
    config = system["reranker"].get("config") or {}
    family = family_of(config, outputs_dir)
    found = {p.name.removesuffix(".jsonl.gz") for p in outputs_dir.glob("*.jsonl.gz")}
    # BRIGHT's own order of domains, as the leaderboards use.
    available = [d for d in DOMAINS if d in found] + sorted(found - set(DOMAINS))
    wanted = available if domains is None else domains
    unknown = [d for d in wanted if d not in available]
    if unknown:
        raise ReportError(
            f"{folder}: no outputs for domain {unknown[0]!r}; this record has: "
            f"{', '.join(available) or 'none'}"
        )
    per_query_file = folder / "per_query.json"
    per_query = read_json(per_query_file, "per-query nDCG@10") if per_query_file.is_file() else {}
    counts_file = folder / "counts.json"
    record = Record(
        folder=folder,
        name=system["name"],
        label=system.get("label", system["name"]),
        reranker=system["reranker"]["name"],
        family=family,
        first_stage_id=system["first_stage"]["id"],
        first_stage_label=system["first_stage"].get("label", ""),
        ranked_by=config.get("ranked_by") or "score",
        rerank_query=config.get("rerank_query") or "original",
        long_documents=bool(config.get("long_documents")),
        metrics=system.get("metrics_long") if config.get("long_documents") else system["metrics"],
        per_query=per_query,
        run_files={},
        data=(system.get("provenance") or {}).get("data") or config.get("data") or {},
        counts=read_json(counts_file, "counts") if counts_file.is_file() else {},
        notes=system.get("notes", ""),
    )
    for run in system.get("runs", []):
        path = record.repo_root / run["path"]
        if run["domain"] in wanted and not run.get("long_documents") and path.is_file():
            record.run_files[run["domain"]] = path
    for domain in wanted:
        record.outputs[domain] = read_outputs(outputs_dir / f"{domain}.jsonl.gz", family)
    return record


def find_first_stage(record: Record) -> FirstStageRow | None:
    """The measured row of the candidates this system reranked, when the results folder has
    one (the pipeline writes it when there is none yet)."""
    for system_file in sorted(record.folder.parent.glob("*/system.json")):
        try:
            system = json.loads(system_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if system.get("reranker") or system.get("first_stage", {}).get("id") != (
            record.first_stage_id
        ):
            continue
        per_query_file = system_file.with_name("per_query.json")
        per_query = (
            read_json(per_query_file, "per-query nDCG@10") if per_query_file.is_file() else {}
        )
        return FirstStageRow(
            name=system["name"],
            label=system.get("label", system["name"]),
            metrics=system.get("metrics") or {},
            per_query=per_query,
        )
    return None
