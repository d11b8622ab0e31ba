"""What a pipeline run is asked to do, as one typed value. The CLI only builds one of these;
Python callers build it directly."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, is_dataclass

from bright_eval.engines import Engine, EngineError, get_engine
from bright_eval.errors import BrightEvalError
from bright_eval.rerank import Reranker, RerankerOptions
from bright_eval.retrieval import Retriever, get_retriever

PRIMARY = "score"


class PipelineError(BrightEvalError, ValueError):
    """The spec asks for something that cannot run (one line, names the bad value)."""


@dataclass(frozen=True)
class Shard:
    index: int = 1  # 1-based
    count: int = 1

    @classmethod
    def parse(cls, text: str | None) -> Shard:
        if text is None:
            return cls()
        m = re.fullmatch(r"(\d+)/(\d+)", text.strip())
        if m is None or not 1 <= int(m.group(1)) <= int(m.group(2)):
            raise PipelineError(f"--shard {text!r}: expected i/n with 1 <= i <= n, e.g. 2/8")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def writer(self) -> str:
        return "all" if self.count == 1 else f"shard-{self.index}-of-{self.count}"

    def takes(self, position: int) -> bool:
        return position % self.count == self.index - 1


@dataclass(frozen=True)
class DataSpec:
    """Where BRIGHT comes from: the Hub (data_dir None), a local snapshot, or ir_datasets."""

    source: str = "hf"  # "hf" or "ir_datasets"
    data_dir: str | None = None
    revision: str | None = None


@dataclass(frozen=True)
class EngineSpec:
    """Where the model work runs: in this process, or on a Ray cluster."""

    name: str = "local"  # "local" or "ray"
    address: str | None = None  # a Ray cluster to join; None starts a local one
    gpus_per_worker: float = 0.0

    def __post_init__(self) -> None:
        if self.name != "ray" and (self.address or self.gpus_per_worker):
            flag = "--ray-address" if self.address else "--gpus-per-worker"
            raise EngineError(f"{flag} applies to --engine ray only")
        if self.gpus_per_worker < 0:
            raise EngineError(f"--gpus-per-worker {self.gpus_per_worker:g}: must be 0 or more")

    def start(self) -> Engine:
        return get_engine(self.name, address=self.address, gpus_per_worker=self.gpus_per_worker)


@dataclass(frozen=True)
class PipelineSpec:
    # A registered name, a Reranker subclass, or a reranker already built (its options then
    # are the spec's: give them to one or the other).
    reranker: str | type[Reranker] | Reranker
    options: RerankerOptions = field(default_factory=RerankerOptions)
    # A retriever name, file:<run path with {domain}>, or a Retriever object.
    first_stage: str | Retriever = "bm25"
    top_k: int = 100
    # Comma-separated names, a list of them, or "all"; a list is kept as the comma string, so
    # either spelling names the same run.
    domains: str | Sequence[str] = "all"
    long_documents: bool = False
    query_variant: str = "original"  # what the first stage searched with
    rerank_query: str = "original"  # what the reranker sees
    data: DataSpec = field(default_factory=DataSpec)
    shard: Shard = field(default_factory=Shard)
    max_queries: int | None = None  # first N queries per domain: a smoke run
    batch_size: int = 256
    cached_only: bool = False  # never call the model (merging shards)
    refresh: bool = False  # recompute the first stage even when cached
    score: str = PRIMARY  # which of the reranker's scores ranks the run
    results_dir: str | None = None  # None: write no record (the CLI passes results/)
    system_name: str | None = None
    progress: bool = True
    engine: EngineSpec = field(default_factory=EngineSpec)
    # How the run was started, for its record: the CLI sets its command line (secrets
    # redacted); None is a call from Python, recorded as such with this spec.
    command: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.domains, str):
            object.__setattr__(self, "domains", ",".join(self.domains))
        if isinstance(self.reranker, Reranker):
            if self.options.given() and self.options != self.reranker.options:
                raise PipelineError(
                    f"options given to both {self.reranker.name} and the spec: give them to "
                    "the reranker when passing one already built"
                )
            object.__setattr__(self, "options", self.reranker.options)
        reranker_class = isinstance(self.reranker, type) and issubclass(self.reranker, Reranker)
        if not (isinstance(self.reranker, str | Reranker) or reranker_class):
            raise PipelineError(
                f"reranker={self.reranker!r}: expected a name, a Reranker subclass or object"
            )
        if not isinstance(self.first_stage, str | Retriever):
            raise PipelineError(
                f"first_stage={self.first_stage!r}: expected a name or a Retriever object"
            )
        checks = [
            (self.top_k >= 1, f"--top-k {self.top_k}: must be at least 1"),
            (self.batch_size >= 1, f"--batch-size {self.batch_size}: must be at least 1"),
            (
                self.max_queries is None or self.max_queries >= 1,
                f"--max-queries {self.max_queries}: must be at least 1 (omit it for all queries)",
            ),
            (
                self.options.max_new_tokens is None or self.options.max_new_tokens >= 1,
                f"--max-new-tokens {self.options.max_new_tokens}: must be at least 1",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise PipelineError(message)

    @property
    def reranker_name(self) -> str:
        return self.reranker if isinstance(self.reranker, str) else self.reranker.name

    @property
    def first_stage_name(self) -> str:
        """The first stage as the command line spells it: `bm25`, `dense:<model>`, `file:...`."""
        if isinstance(self.first_stage, str):
            return self.first_stage
        return self.first_stage.config()["retriever"]

    def retriever(self) -> Retriever:
        if isinstance(self.first_stage, str):
            return get_retriever(self.first_stage)
        return self.first_stage

    def as_dict(self) -> dict:
        """The spec as plain data for a record: a reranker or retriever object by its name."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values |= {"reranker": self.reranker_name, "first_stage": self.first_stage_name}
        return {k: asdict(v) if is_dataclass(v) else v for k, v in values.items()}

    @property
    def is_smoke(self) -> bool:
        """A run that is not the published setting: fewer queries or a shortened generation.
        Its record is labelled and kept out of the committed leaderboard."""
        return self.max_queries is not None or self.options.max_new_tokens is not None
