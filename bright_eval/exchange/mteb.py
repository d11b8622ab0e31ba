"""MTEB result files for BRIGHT (`BrightRetrieval.json`), written and read.

The layout is the one MTEB's maintainers used to convert BRIGHT's own results.json files
(embeddings-benchmark/results): `task_name` "BrightRetrieval", `dataset_revision`,
`mteb_version`, and `scores` per split ("standard"; "long" for long documents), one entry per
domain (`hf_subset`) with `main_score` (nDCG@10) and BRIGHT's metrics renamed as MTEB names
them (NDCG@10 -> ndcg_at_10, MAP@k -> map_at_k, Recall@k -> recall_at_k, P@k -> precision_at_k,
MRR -> mrr). Values are fractions, as MTEB stores them. Such a file holds scores, never
rankings: read back, it is a record without runs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from bright_eval.domains import DOMAIN_NAMES, get_domain
from bright_eval.evaluation import METRIC_NAMES
from bright_eval.results import HEADLINE, ResultsError, SystemRecord

TASK_NAME = "BrightRetrieval"
FILE_NAME = f"{TASK_NAME}.json"
SHORT_SPLIT, LONG_SPLIT = "standard", "long"
ORDER = {d: i for i, d in enumerate(DOMAIN_NAMES)}  # entries in BRIGHT's domain order
_PREFIXES = {"NDCG": "ndcg", "MAP": "map", "Recall": "recall", "P": "precision"}


def mteb_key(metric: str) -> str:
    """BRIGHT's result key as MTEB names it: NDCG@10 -> ndcg_at_10, MRR -> mrr."""
    name, _, cutoff = metric.partition("@")
    return f"{_PREFIXES[name]}_at_{cutoff}" if cutoff else name.lower()


# MTEB's keys that mean what BRIGHT's do; others (mrr_at_10, nauc_*) are not BRIGHT metrics.
BRIGHT_KEY = {mteb_key(m): m for m in METRIC_NAMES}


def is_mteb_result(path: str | os.PathLike) -> bool:
    """A JSON object with `task_name` and `scores`: an MTEB result file, not a run."""
    path = Path(path)
    if path.suffix != ".json" or not path.is_file():
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and "task_name" in data and "scores" in data


def to_mteb(system: SystemRecord, revision: str) -> dict:
    def entries(table: dict[str, dict[str, float]]) -> list[dict]:
        return [
            {
                "hf_subset": domain,
                "languages": ["eng-Latn"],
                "main_score": values[HEADLINE],
                **{mteb_key(m): v for m, v in values.items()},
            }
            for domain, values in sorted(table.items(), key=lambda item: ORDER[item[0]])
            if HEADLINE in values
        ]

    scores = {SHORT_SPLIT: entries(system.metrics)}
    if system.metrics_long:
        scores[LONG_SPLIT] = entries(system.metrics_long)
    # mteb_version names the MTEB package that computed the scores: none did.
    return {
        "dataset_revision": revision,
        "task_name": TASK_NAME,
        "mteb_version": None,
        "scores": scores,
        "evaluation_time": None,
    }


@dataclass
class MtebResult:
    task_name: str
    dataset_revision: str | None
    mteb_version: str | None
    metrics: dict[str, dict[str, float]]
    metrics_long: dict[str, dict[str, float]]


def read_mteb(path: str | os.PathLike) -> MtebResult:
    """The BRIGHT metrics an MTEB result file holds, per domain and setting."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        task = data["task_name"]
        splits = data["scores"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as err:
        raise ResultsError(
            f"{path}: not an MTEB result file ({type(err).__name__}: {err})"
        ) from None
    if task not in (TASK_NAME, "BrightLongRetrieval"):
        raise ResultsError(
            f"{path}: MTEB task {task!r} is not BRIGHT's; expected {TASK_NAME} or "
            "BrightLongRetrieval"
        )
    if not isinstance(splits, dict):
        raise ResultsError(f"{path}: 'scores' is not a mapping of split to entries")
    unknown = sorted(set(splits) - {SHORT_SPLIT, LONG_SPLIT})
    if unknown:
        raise ResultsError(
            f"{path}: unknown split(s) {', '.join(unknown)}; BRIGHT's: standard, long"
        )
    tables: dict[str, dict[str, dict[str, float]]] = {SHORT_SPLIT: {}, LONG_SPLIT: {}}
    for split, entries in splits.items():
        for i, entry in enumerate(entries):
            try:
                domain = get_domain(entry["hf_subset"]).name
                tables[split][domain] = {
                    BRIGHT_KEY[k]: float(v) for k, v in entry.items() if k in BRIGHT_KEY
                }
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                raise ResultsError(
                    f"{path}: scores.{split}[{i}] is not an MTEB score entry with an hf_subset "
                    f"and numeric metrics ({type(err).__name__}: {err})"
                ) from None
    return MtebResult(
        task,
        data.get("dataset_revision"),
        data.get("mteb_version"),
        tables[SHORT_SPLIT],
        tables[LONG_SPLIT],
    )
