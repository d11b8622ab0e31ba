"""The record of an evaluated system, as plain dataclasses and their JSON form. Where records
live on disk is `store`'s business.

Measured:  results/<name>/system.json     metrics, first stage, reranker, efficiency, provenance
           results/<name>/per_query.json  per-query nDCG@10 {domain: {qid: value}}
           results/<name>/run/<domain>.trec.gz  the evaluated run, when small enough to keep
Reported:  results/reported/<name>.json   the same schema, `source: "reported"` and a citation

Metrics are fractions (BRIGHT's results.json scale), never x100. JSON is written with sorted
keys so that re-saving an unchanged record leaves the file byte for byte the same.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields

from bright_eval.domains import DOMAIN_NAMES, LONG_DOMAIN_NAMES, get_domain
from bright_eval.errors import BrightEvalError
from bright_eval.evaluation import METRIC_NAMES, average

SCHEMA_VERSION = 1
MEASURED = "measured"
REPORTED = "reported"
SOURCES = (MEASURED, REPORTED)
REPORTED_DIR = "reported"
SYSTEM_FILE = "system.json"
PER_QUERY_FILE = "per_query.json"
RUN_DIR = "run"
# Beside a pipeline's record: every score's metrics, counts over its outputs, and the model's
# raw outputs (explanations), one OUTPUTS_SUFFIX file per domain.
BY_SCORE_FILE = "by_score.json"
COUNTS_FILE = "counts.json"
OUTPUTS_DIR = "outputs"
OUTPUTS_SUFFIX = ".jsonl.gz"
# Reranked runs are kept beside their metrics when compressed they stay under this size.
MAX_KEPT_RUN_BYTES = 5 * 1024 * 1024
HEADLINE = "NDCG@10"
LONG_HEADLINE = "Recall@1"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class ResultsError(BrightEvalError, ValueError):
    pass


@dataclass
class RunFile:
    """One run file that was evaluated: where it came from and exactly which bytes."""

    domain: str
    path: str  # relative to the repository root when inside or beside it, posix separators
    sha256: str
    long_documents: bool = False


@dataclass
class FirstStage:
    """The candidates a reranker reorders. `id` is the grouping key of the leaderboard: rows
    with the same id were reranked from the same candidates and may be compared."""

    id: str
    label: str
    settings: dict = field(default_factory=dict)  # retriever, query variant, depth, origin ...


@dataclass
class RerankerRecord:
    """The reranker of a record: its name and the configuration it ran with."""

    name: str
    config: dict = field(default_factory=dict)  # everything that changes its scores


@dataclass
class Efficiency:
    """Totals over all evaluated queries; None where unknown (e.g. an imported run)."""

    parameters: int | None = None
    model_calls: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    gpu_seconds: float | None = None
    wall_seconds: float | None = None
    n_queries: int | None = None
    hardware: str | None = None  # where the model ran (not where the run was evaluated)


@dataclass
class Citation:
    reference: str  # the publication, e.g. "Liu et al. 2025, ReasonRank (arXiv 2508.07050)"
    where: str = ""  # table or page within it
    url: str = ""
    via: str = ""  # where this project read the number, e.g. "../shared/spec/zoo.md"


@dataclass
class SystemRecord:
    name: str
    label: str
    source: str
    first_stage: FirstStage
    reranker: RerankerRecord | None = None
    # {domain: {metric: fraction}}; a reported row holds only what was published.
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    metrics_long: dict[str, dict[str, float]] = field(default_factory=dict)
    # Published averages (reported rows) override the computed mean, which they may not equal.
    reported_average: dict[str, float] = field(default_factory=dict)
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)  # nDCG@10, measured
    runs: list[RunFile] = field(default_factory=list)
    efficiency: Efficiency = field(default_factory=Efficiency)
    provenance: dict = field(default_factory=dict)
    citation: Citation | None = None
    notes: str = ""
    # A smoke run (fewer queries, a shortened generation, a stand-in model): labelled, and
    # left out of the committed leaderboard unless asked for.
    smoke: bool = False
    # False for a measured run on data not verified to be the pinned BRIGHT revision (e.g. a
    # test snapshot; `bright_eval.pinned`): kept out of the committed leaderboard like a smoke run.
    data_verified: bool = True
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        validate_name(self.name)
        if self.source not in SOURCES:
            raise ResultsError(
                f"system {self.name!r}: unknown source {self.source!r}; valid: {', '.join(SOURCES)}"
            )
        if self.source == REPORTED and self.citation is None:
            raise ResultsError(f"reported system {self.name!r} has no citation")
        for table in (self.metrics, self.metrics_long, self.per_query):
            for domain in table:
                get_domain(domain)
        metric_names_ok({**self.metrics, "average": self.reported_average})
        metric_names_ok(self.metrics_long)

    @property
    def is_reranked(self) -> bool:
        return self.reranker is not None

    @property
    def trial(self) -> bool:
        """A smoke run, or a run on unverified data: not a number to compare with BRIGHT's."""
        return self.smoke or not self.data_verified

    def average(self, metric: str = HEADLINE, long_documents: bool = False) -> float | None:
        """The published average when there is one, else the plain mean over all domains of
        the setting (12, or the 8 with long documents); None when a domain is missing."""
        if metric in self.reported_average:
            return self.reported_average[metric]
        table = self.metrics_long if long_documents else self.metrics
        wanted = LONG_DOMAIN_NAMES if long_documents else DOMAIN_NAMES
        if not all(metric in table.get(d, {}) for d in wanted):
            return None
        return average({d: {metric: table[d][metric]} for d in wanted})[metric]


def slug(text: str) -> str:
    """`text` as a valid system name."""
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.") or "system"


def validate_name(name: str) -> None:
    if not _NAME.match(name or ""):
        raise ResultsError(
            f"invalid system name {name!r}; use lower-case letters, digits, '.', '_' and '-', "
            "starting with a letter or digit"
        )


def to_json(result: SystemRecord) -> dict:
    data = asdict(result)
    data.pop("per_query")
    if not data["smoke"]:  # written only when set, so records from before the field read alike
        data.pop("smoke")
    if data["data_verified"]:  # likewise written only when False
        data.pop("data_verified")
    return data


def from_json(data: dict, per_query: dict | None = None) -> SystemRecord:
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ResultsError(
            f"system {data.get('name')!r} has schema version {version!r}; this harness reads "
            f"version {SCHEMA_VERSION}"
        )
    known = {f.name for f in fields(SystemRecord)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ResultsError(
            f"system {data.get('name')!r}: unknown field(s) {', '.join(unknown)}; valid fields: "
            f"{', '.join(sorted(known))}"
        )
    data = dict(data)
    data["first_stage"] = FirstStage(**data["first_stage"])
    data["reranker"] = RerankerRecord(**data["reranker"]) if data.get("reranker") else None
    data["runs"] = [RunFile(**r) for r in data.get("runs", [])]
    data["efficiency"] = Efficiency(**data.get("efficiency", {}))
    data["citation"] = Citation(**data["citation"]) if data.get("citation") else None
    return SystemRecord(**data, per_query=per_query or {})


def metric_names_ok(metrics: dict[str, dict[str, float]]) -> None:
    for domain, values in metrics.items():
        bad = sorted(set(values) - set(METRIC_NAMES))
        if bad:
            raise ResultsError(
                f"{domain}: unknown metric(s) {', '.join(bad)}; valid: {', '.join(METRIC_NAMES)}"
            )
