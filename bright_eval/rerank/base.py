"""The reranker interface. Subclass `PointwiseReranker` or `ListwiseReranker`, give it a `name`,
and it is available to the CLI and the leaderboard with no other edit.

Rerankers see batches that span queries, so a backend can fill a GPU with pairs from many
queries at once; the caller (the rerank runner) handles caching, tie-breaking and the run.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

REGISTRY: dict[str, type[Reranker]] = {}
POINTWISE = "pointwise"
LISTWISE = "listwise"


class UnknownRerankerError(ValueError):
    pass


class UnsupportedOptionError(ValueError):
    """An option this reranker cannot honour (dropping it would mislabel the results)."""


@dataclass(frozen=True)
class Candidate:
    """One (query, document) pair handed to a reranker."""

    query_id: str
    query: str  # the text the reranker sees (the original query by default)
    doc_id: str
    document: str
    first_stage_rank: int  # 1 = best
    first_stage_score: float = 0.0


@dataclass
class Judgement:
    """A pointwise reranker's verdict on one candidate."""

    score: float
    parsed: bool = True  # False: output unparseable, score is the documented fallback
    label: int | None = None  # a discrete label where the model emits one (0/1/2, true/false)
    raw: str | None = None  # the model's text (explanation and label), kept for inspection
    details: dict = field(default_factory=dict)  # e.g. {"expected_label": 1.37}
    prompt_tokens: int = 0
    generated_tokens: int = 0
    model_seconds: float = 0.0  # its share of the model's wall time: costs sum over outputs
    hardware: str | None = None  # what produced it, e.g. "NVIDIA H100 80GB HBM3" or "CPU: ..."


@dataclass
class Permutation:
    """A listwise reranker's answer for one window: positions into the window, best first."""

    order: list[int]
    repaired: bool = False  # True when the model's permutation had to be repaired
    raw: str | None = None
    prompt_tokens: int = 0
    generated_tokens: int = 0
    model_seconds: float = 0.0
    hardware: str | None = None


@dataclass(frozen=True)
class RerankerOptions:
    """What the command line may set on any reranker; each uses what applies to it."""

    model: str | None = None  # None: the reranker's default model
    adapter: str | None = None  # a LoRA adapter (path or Hub id)
    revision: str | None = None
    backend: str = "auto"  # auto, vllm, transformers, openai
    max_new_tokens: int | None = None  # None: the reranker's own (published) setting
    backend_options: dict = field(default_factory=dict)  # e.g. {"base_url": ...} for openai


class Reranker(ABC):  # noqa: B024 - abstract through its two families
    name: ClassVar[str] = ""
    family: ClassVar[str] = ""  # POINTWISE or LISTWISE
    description: ClassVar[str] = ""
    model_id: ClassVar[str | None] = None  # the default model, a Hugging Face id
    prompt_version: ClassVar[str] = "1"
    # Finer scores a reranker reports beside its main one (in Judgement.details["scores"]);
    # the runner makes a run for each and `--score NAME` picks the one the system ranks by.
    alternative_scores: ClassVar[tuple[str, ...]] = ()

    def __init__(self, options: RerankerOptions | None = None):
        self.options = options or RerankerOptions()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name:
            if cls.name in REGISTRY and REGISTRY[cls.name] is not cls:
                raise ValueError(f"two rerankers are named {cls.name!r}")
            REGISTRY[cls.name] = cls

    def config(self) -> dict:
        """Everything that changes this reranker's outputs: model id and revision, adapter,
        prompt (or its hash), truncation, decoding settings, backend. Subclasses extend it."""
        return {"reranker": self.name, "family": self.family, "prompt_version": self.prompt_version}

    def config_hash(self) -> str:
        text = json.dumps(self.config(), sort_keys=True, default=str)
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


def get_reranker_class(name: str) -> type[Reranker]:
    load_plugins()
    if name not in REGISTRY:
        raise UnknownRerankerError(
            f"unknown reranker {name!r}; valid rerankers: {', '.join(sorted(REGISTRY))}"
        )
    return REGISTRY[name]


_plugins_loaded = False


def load_plugins() -> None:
    """Import the zoo and any package that registers rerankers under the
    `bright_eval.rerankers` entry-point group."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    from importlib.metadata import entry_points

    import baselines  # noqa: F401 - importing registers the zoo

    for ep in entry_points(group="bright_eval.rerankers"):
        ep.load()
