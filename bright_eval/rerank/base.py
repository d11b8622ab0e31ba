"""The reranker interface. Subclass `PointwiseReranker` or `ListwiseReranker`, give the class
its own `meta` (a `RerankerMeta` record), and it is available to the CLI and the leaderboard.

Rerankers see batches that span queries, so a backend can fill a GPU with pairs from many
queries at once; the caller (the rerank runner) handles caching, tie-breaking and the run.

The cache key is derived, not written by hand: every setting a reranker class declares at
class level (a prompt template, a temperature, a window size; any JSON-able value) is hashed,
with its current value, together with the options it accepts. A new parameter therefore
changes the key by being declared, and cannot be forgotten.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import ClassVar

from bright_eval.rerank.meta import OPTION_FLAGS, RerankerMeta, UnsupportedOptionError
from bright_eval.rerank.permutation import RepairStats
from bright_eval.rerank.registry import register

POINTWISE = "pointwise"
LISTWISE = "listwise"
# Class attributes that describe a reranker rather than change its outputs.
NOT_SETTINGS = frozenset(
    {"meta", "name", "family", "description", "model_id", "alternative_scores", "options",
     "valid_labels"}
)  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """One (query, document) pair handed to a reranker."""

    query_id: str
    query: str  # the text the reranker sees (the original query by default)
    doc_id: str
    document: str
    first_stage_rank: int  # 1 = best
    first_stage_score: float = 0.0
    domain: str = ""  # the BRIGHT domain, for rerankers whose prompt depends on it


@dataclass
class Judgement:
    """A pointwise reranker's verdict on one candidate."""

    score: float
    parsed: bool = True  # False: output unparseable, score is the documented fallback
    label: int | None = None  # a discrete label where the model emits one (0/1/2, true/false)
    raw: str | None = None  # the model's text (explanation and label), kept for inspection
    how_parsed: str | None = None  # e.g. "label", "keyword", "no-keyword" (counted per kind)
    scores: dict[str, float] = field(default_factory=dict)  # alternative scores, by name
    details: dict = field(default_factory=dict)  # free-form, for inspection only
    prompt_tokens: int = 0
    generated_tokens: int = 0
    model_seconds: float = 0.0  # this output's share of the model's time
    hardware: str | None = None  # where it was computed

    @property
    def parse_kind(self) -> str:
        return self.how_parsed or ("parsed" if self.parsed else "failed")


@dataclass
class Permutation:
    """A listwise reranker's answer for one window: positions into the window, best first."""

    order: list[int]
    repair: RepairStats = field(default_factory=RepairStats)  # what this window's answer needed
    raw: str | None = None
    prompt_tokens: int = 0
    generated_tokens: int = 0
    model_seconds: float = 0.0  # this output's share of the model's time
    hardware: str | None = None  # where it was computed

    @property
    def repaired(self) -> bool:
        return bool(self.repair.repaired)


@dataclass(frozen=True)
class RerankerOptions:
    """What the command line may set on a reranker; each accepts only what applies to it."""

    model: str | None = None  # None: the reranker's default model
    adapter: str | None = None  # a LoRA adapter (path or Hub id)
    revision: str | None = None
    backend: str = "auto"  # auto, vllm, transformers, openai
    max_new_tokens: int | None = None  # None: the reranker's own (published) setting
    backend_options: dict = field(default_factory=dict)  # e.g. {"base_url": ...} for openai

    def given(self) -> list[str]:
        """Names of the options set to something other than their default."""
        return [f.name for f in fields(self) if getattr(self, f.name) != _DEFAULTS[f.name]]


_DEFAULTS = {f.name: getattr(RerankerOptions(), f.name) for f in fields(RerankerOptions)}


def _json_value(value) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(_json_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_value(v) for k, v in value.items())
    return False


class Reranker(ABC):  # noqa: B024 - abstract through its two families
    meta: ClassVar[RerankerMeta] = RerankerMeta(name="")
    # Mirrors of `meta`, set on subclassing (the record is the one source of truth).
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    model_id: ClassVar[str | None] = None
    alternative_scores: ClassVar[tuple[str, ...]] = ()
    family: ClassVar[str] = ""  # POINTWISE or LISTWISE
    prompt_version: ClassVar[str] = "1"
    # The labels its judgements may carry (InteRank's 0/1/2); None: any, or none at all. A
    # cached output with another label is damage, recomputed (`rerank.cache_lines`).
    valid_labels: ClassVar[tuple[int, ...] | None] = None

    def __init__(self, options: RerankerOptions | None = None):
        self.options = options or RerankerOptions()
        refused = [o for o in self.options.given() if o not in self.meta.accepts]
        if refused:
            accepted = ", ".join(OPTION_FLAGS[o] for o in sorted(self.meta.accepts)) or "none"
            raise UnsupportedOptionError(
                f"{self.name} does not take {OPTION_FLAGS[refused[0]]} (it accepts: {accepted})"
            )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Only a class that names itself registers (its own `meta`, or just its own `name`): an
        # intermediate base class, or a subclass that changes behaviour but not the name,
        # inherits its parent's name and does not.
        own_name = cls.__dict__.get("name")
        if own_name and "meta" not in cls.__dict__:
            cls.meta = replace(cls.meta, name=own_name)
        if cls.__dict__.get("meta") is not None:
            # Mirrors of the record, for code that reads them off the class.
            cls.description = cls.meta.description
            cls.model_id = cls.meta.model_id
            cls.alternative_scores = cls.meta.alternative_scores
            if cls.meta.name:
                register(cls)

    def settings(self) -> dict:
        """Every JSON-able setting declared at class level, with its value on this instance."""
        names: set[str] = set()
        for klass in type(self).__mro__:
            names.update(
                n
                for n, v in vars(klass).items()
                if not n.startswith("_") and n not in NOT_SETTINGS and _json_value(v)
            )
        # In their JSON form (tuples as lists), so a config equals what config.json reads back.
        return {n: json.loads(json.dumps(getattr(self, n))) for n in sorted(names)}

    def config(self) -> dict:
        """Everything that changes this reranker's outputs: its declared settings and the
        options it accepted. Subclasses add what only a loaded model can say."""
        # Which engine runs the model is not an option of the outputs: generative rerankers
        # record the resolved backend themselves, and the key leaves it out where it can.
        accepted = {
            o: getattr(self.options, o)
            for o in sorted(self.meta.accepts - {"backend", "backend_options"})
        }
        return {
            "reranker": self.name,
            "family": self.family,
            "default_model": self.meta.model_id,
            **self.settings(),
            "options": accepted,
        }

    def backend_info(self) -> dict:
        """What ran the model (library versions), for the record, not the key."""
        return {}

    def parameter_count(self) -> int | None:
        """The model's size, from its config (no weights loaded); None when unknown."""
        return None

    def cache_config(self) -> dict:
        """What the output cache key covers. Here all of `config()`, which names no engine
        (library versions go to `backend_info`); `GenerativeMixin` leaves out the backend
        where every local backend gives the same outputs, so a GPU shard merges with a CPU
        one."""
        return self.config()

    def config_hash(self) -> str:
        text = json.dumps(self.cache_config(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class PointwiseReranker(Reranker):
    family = POINTWISE

    @abstractmethod
    def judge(self, candidates: Sequence[Candidate]) -> list[Judgement]:
        """One judgement per candidate, in order. Candidates may come from many queries."""


class ListwiseReranker(Reranker):
    family = LISTWISE
    window_size: int = 20
    stride: int = 10

    @abstractmethod
    def permute(self, windows: Sequence[Sequence[Candidate]]) -> list[Permutation]:
        """One permutation per window. Windows may come from many queries."""

    def window_starts(self, n: int) -> list[int]:
        """Start offsets of the sliding windows over n candidates, bottom window first
        (RankGPT: window 20, stride 10, from the end of the list to its top)."""
        if n <= self.window_size:
            return [0]
        starts = []
        end = n
        while True:
            start = max(0, end - self.window_size)
            starts.append(start)
            if start == 0:
                return starts
            end -= self.stride
