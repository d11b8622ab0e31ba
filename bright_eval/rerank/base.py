"""The reranker interface. Subclass `PointwiseReranker` or `ListwiseReranker`, give the class
its own `meta` (a `RerankerMeta` record), and it is available to the CLI and the leaderboard.

Rerankers see batches that span queries, so a backend can fill a GPU with pairs from many
queries at once; the caller (the rerank runner) handles caching, tie-breaking and the run.

The cache key is derived, not written by hand: every setting a reranker declares at class
level or sets on itself in `__init__` (a prompt template, a temperature, a window size; any
JSON-able value) is hashed, with its current value, together with the options it accepts. A
new parameter therefore changes the key by being declared, and cannot be forgotten; one the key
cannot hold is an error, never left out in silence.
"""

from __future__ import annotations

import hashlib
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import ClassVar

from bright_eval.rerank.meta import OPTION_FLAGS, RerankerMeta, UnsupportedOptionError
from bright_eval.rerank.permutation import RepairStats
from bright_eval.rerank.registry import register
from bright_eval.rerank.settings import class_settings, settings_of
from bright_eval.rerank.weights import RECORD_ONLY

POINTWISE = "pointwise"
LISTWISE = "listwise"


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
    backend: dict | None = None  # what computed it (`Reranker.backend_info` there and then)

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
    backend: dict | None = None  # what computed it (`Reranker.backend_info` there and then)

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


def record_holder(cls: type) -> type:
    """The nearest parent whose `meta` `cls` inherits."""
    return next(k for k in cls.__mro__[1:] if "meta" in vars(k))


def changed_settings(cls: type) -> dict:
    """The class-level settings (and family) in which `cls` differs from the class whose record
    it inherits, with their values on `cls`."""
    mine, theirs = class_settings(cls), class_settings(record_holder(cls))
    changed = {n: mine.get(n) for n in sorted(mine.keys() | theirs.keys())
               if mine.get(n) != theirs.get(n)}  # fmt: skip
    if cls.family != record_holder(cls).family:
        changed["family"] = cls.family
    return changed


def derived_name(cls: type, changed: dict) -> str:
    """`<parent>.<class>-<hash of what changed>`: distinct, stable across processes, and a valid
    results name."""
    own = re.sub(r"[^a-z0-9]+", "-", cls.__name__.lower()).strip("-")
    digest = hashlib.sha256(json.dumps(changed, sort_keys=True).encode()).hexdigest()[:6]
    return f"{cls.meta.name}.{own}-{digest}"


def derived_meta(cls: type, name: str) -> RerankerMeta:
    """The parent's record under a new name: published numbers and citations are the parent's,
    not this subclass's."""
    parent = record_holder(cls)
    note = f"derived from {parent.meta.name} ({parent.__module__}.{parent.__qualname__})"
    if not parent.meta.name:
        note = ""
    return replace(cls.meta, name=name, published="", citation="", notes=note)


class Reranker(ABC):  # noqa: B024 - abstract through its two families
    meta: ClassVar[RerankerMeta] = RerankerMeta(name="")
    # Mirrors of `meta`, set on subclassing (the record is the one source of truth).
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    model_id: ClassVar[str | None] = None
    alternative_scores: ClassVar[tuple[str, ...]] = ()
    family: ClassVar[str] = ""  # POINTWISE or LISTWISE
    prompt_version: ClassVar[str] = "1"
    # Public attributes that change no output (where the model runs, what a test counts): left
    # out of the cache key. Each class lists its own; a subclass keeps its parents'.
    not_settings: ClassVar[frozenset[str]] = frozenset()
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
        # Only a class that names itself registers (its own `meta`, or just its own `name`). An
        # intermediate base class, or a subclass that changes methods but no setting, inherits
        # its parent's name and does not. A subclass that changes a setting is another
        # reranker: it never runs, or is recorded, under its parent's name.
        own_name = cls.__dict__.get("name")
        derived = False
        if "meta" not in cls.__dict__:
            if own_name:
                cls.meta = derived_meta(cls, own_name)
            elif cls.meta.name and (changed := changed_settings(cls)):
                cls.meta = derived_meta(cls, derived_name(cls, changed))
                derived = True
        if cls.__dict__.get("meta") is not None:
            # Mirrors of the record, for code that reads them off the class.
            cls.description = cls.meta.description
            cls.model_id = cls.meta.model_id
            cls.alternative_scores = cls.meta.alternative_scores
            if derived:  # named for the record, not offered on the command line
                cls.name = cls.meta.name
            elif cls.meta.name:
                register(cls)

    def settings(self) -> dict:
        """Every setting declared at class level or set on this instance, with its value here
        (`bright_eval.rerank.settings`)."""
        return settings_of(self)

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

    def weights(self) -> dict:
        """What the model's (and adapter's) weights are: `<model|adapter>_sha256` for a local
        path, `_commit` for a Hub id (`bright_eval.rerank.weights`); empty for no model. Taken
        once: a folder retrained while this run goes on must not relabel its outputs."""
        if getattr(self, "_weights", None) is None:
            self._weights = self.identify_weights()
        return self._weights

    def identify_weights(self) -> dict:
        """`weights()` as read now; a reranker that loads a model says which."""
        return {}

    def backend_info(self) -> dict:
        """What ran the model (library versions), for the record, not the key."""
        return {}

    def parameter_count(self) -> int | None:
        """The model's size, from its config (no weights loaded); None when unknown."""
        return None

    def cache_config(self) -> dict:
        """What the output cache key covers: `config()`, which names no engine (library
        versions go to `backend_info`), less a Hub model's resolved commit (a machine that only
        merges cached shards may be unable to resolve it); `GenerativeMixin` also leaves out the
        backend where every local backend gives the same outputs, so a GPU shard merges with a
        CPU one."""
        return {k: v for k, v in self.config().items() if k not in RECORD_ONLY}

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
