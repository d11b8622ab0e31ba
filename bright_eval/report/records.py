"""A reranked system's record read back for the report: the record itself through
`bright_eval.results` (`system.json`, `per_query.json`), plus the pipeline's extras beside it
(`counts.json`, `outputs/<domain>.jsonl.gz`) and the kept run `run/<domain>.trec.gz`. The first
stage's own row is found beside it in the same results folder.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from bright_eval.domains import DOMAINS
from bright_eval.errors import BrightEvalError
from bright_eval.results import MEASURED, SYSTEM_FILE, SystemRecord, load_system, load_systems
from bright_eval.results.from_runs import repo_root
from bright_eval.results.schema import COUNTS_FILE, OUTPUTS_DIR, OUTPUTS_SUFFIX

POINTWISE = "pointwise"
LISTWISE = "listwise"


class ReportError(BrightEvalError, ValueError):
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
        return repo_root(self.folder.parent)


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
    if family == "setwise":  # its outputs are windows (sets), each with its step
        return LISTWISE
    if family:
        raise ReportError(
            f"the report shows pointwise, listwise and setwise rerankers; {family} outputs "
            "are not shown yet (the record and its metrics are complete)"
        )
    # Older or foreign configs: listwise rows are windows, which have a step.
    for path in sorted(outputs_dir.glob(f"*{OUTPUTS_SUFFIX}")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            first = f.readline()
        if first.strip():
            return LISTWISE if "step" in json.loads(first) else POINTWISE
    return POINTWISE


def load_record(folder: str | Path, domains: list[str] | None = None) -> Record:
    """`results/<system>/` of a system reranked by this harness's pipeline."""
    folder = Path(folder)
    system_file = folder / SYSTEM_FILE
    if not system_file.is_file():
        raise ReportError(
            f"{folder}: no system.json; expected a results/<system>/ folder written by the pipeline"
        )
    system = load_system(system_file)
    if system.reranker is None:
        raise ReportError(f"{folder}: {system.name!r} is a first-stage row; give a reranked system")
    outputs_dir = folder / OUTPUTS_DIR
    if not outputs_dir.is_dir():
        raise ReportError(
            f"{folder}: no outputs/ folder; the report needs a system reranked by this harness's "
            "pipeline (python -m bright_eval --reranker NAME)"
        )
    config = system.reranker.config
    family = family_of(config, outputs_dir)
    found = {p.name.removesuffix(OUTPUTS_SUFFIX) for p in outputs_dir.glob(f"*{OUTPUTS_SUFFIX}")}
    # BRIGHT's own order of domains, as the leaderboards use.
    available = [d for d in DOMAINS if d in found] + sorted(found - set(DOMAINS))
    wanted = available if domains is None else domains
    unknown = [d for d in wanted if d not in available]
    if unknown:
        raise ReportError(
            f"{folder}: no outputs for domain {unknown[0]!r}; this record has: "
            f"{', '.join(available) or 'none'}"
        )
    counts_file = folder / COUNTS_FILE
    long = bool(config.get("long_documents"))
    record = Record(
        folder=folder,
        name=system.name,
        label=system.label,
        reranker=system.reranker.name,
        family=family,
        first_stage_id=system.first_stage.id,
        first_stage_label=system.first_stage.label,
        ranked_by=config.get("ranked_by") or "score",
        rerank_query=config.get("rerank_query") or "original",
        long_documents=long,
        metrics=system.metrics_long if long else system.metrics,
        per_query=system.per_query,
        run_files={},
        data=system.provenance.get("data") or {},
        counts=read_json(counts_file, "counts") if counts_file.is_file() else {},
        notes=system.notes,
    )
    for run in system.runs:
        path = record.repo_root / run.path
        if run.domain in wanted and not run.long_documents and path.is_file():
            record.run_files[run.domain] = path
    for domain in wanted:
        record.outputs[domain] = read_outputs(outputs_dir / f"{domain}{OUTPUTS_SUFFIX}", family)
    return record


def find_first_stage(record: Record) -> SystemRecord | None:
    """The measured row of the candidates this system reranked, when the results folder has
    one (the pipeline writes it when there is none yet)."""
    for system in load_systems(record.folder.parent):
        if system.source == MEASURED and system.reranker is None:
            if system.first_stage.id == record.first_stage_id:
                return system
    return None
