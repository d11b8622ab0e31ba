"""The first-stage interface: a retriever turns queries into a run over one domain's corpus.

A subclass with a `name` registers itself; `get_retriever` finds it by name (the CLI's
`--retriever` / `--first-stage`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from bright_eval.data import BrightData, Query
from bright_eval.errors import BrightEvalError
from bright_eval.runs import Run

REGISTRY: dict[str, type[Retriever]] = {}
# Modules whose retrievers register on import (each imports its heavy dependencies lazily).
BUILTIN_MODULES = (
    "bright_eval.retrieval.lexical",
    "bright_eval.retrieval.lucene_bm25",
    "bright_eval.retrieval.fast_bm25",
    "bright_eval.retrieval.dense",
    "bright_eval.retrieval.fusion",
    "bright_eval.retrieval.imported",
)


class UnknownRetrieverError(BrightEvalError, ValueError):
    pass


class MissingDependencyError(BrightEvalError, RuntimeError):
    """An optional dependency of a retriever is not installed; the message says how."""


def require(module: str, install: str):
    """Import an optional dependency, or stop with a one-line install hint."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingDependencyError(f"{err.name or module} is not installed: {install}") from None


class Retriever(ABC):
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    family: ClassVar[str] = ""
    model_id: ClassVar[str | None] = None
    # A fusion of other first stages names them here; the first-stage cache then computes (or
    # reuses) each part and hands their runs to `fuse`.
    parts: tuple[Retriever, ...] = ()
    # What the index held when `retrieve` built it (documents, terms, ...), for provenance.
    index_stats: dict | None = None
    # Where a retriever that encodes its corpus does so (bright_eval.engines); None: in this
    # process. Retrievers with nothing to distribute ignore it.
    engine = None

    @classmethod
    def from_argument(cls, argument: str) -> Retriever:
        """The retriever for `name:<argument>` (e.g. `dense:<model>`, `file:<template>`)."""
        raise UnknownRetrieverError(f"{cls.name} takes no argument (got {cls.name}:{argument})")

    def fuse(self, runs: Sequence[Run], depth: int) -> Run:
        raise NotImplementedError(f"{self.name} has no parts to fuse")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name:
            REGISTRY[cls.name] = cls

    def config(self) -> dict:
        """Everything that changes this retriever's run (its cache key and provenance)."""
        return {"retriever": self.name}

    def fingerprint(self, domain: str) -> dict | str | None:
        """What the config cannot name but the run depends on (e.g. an input file's hash)."""
        return None

    def check(self, domains: Sequence[str]) -> None:
        """Refuse, before any work, what cannot run for these domains (e.g. a missing input
        file); a fusion checks its parts."""
        for part in self.parts:
            part.check(domains)

    @abstractmethod
    def retrieve(
        self,
        data: BrightData,
        domain: str,
        queries: Sequence[Query],
        long_documents: bool = False,
        depth: int = 1000,
    ) -> Run:
        """Top `depth` documents per query, each query's excluded ids already removed."""


def get_retriever(spec: str) -> Retriever:
    """A retriever from its CLI spec: a registered name, or `name:<argument>` such as
    `dense:<model id>`, `rrf:bm25+bge` or `file:<path template>`."""
    load_builtin_retrievers()
    name, _, argument = spec.partition(":")
    if argument and name in REGISTRY:
        return REGISTRY[name].from_argument(argument)
    if spec not in REGISTRY:
        raise UnknownRetrieverError(
            f"unknown retriever {spec!r}; valid retrievers: {', '.join(sorted(REGISTRY))}, "
            "dense:<model id or path>, rrf:<spec>+<spec>, or file:<run path with {domain}>"
        )
    return REGISTRY[spec]()


def load_builtin_retrievers() -> dict[str, type[Retriever]]:
    """Import the built-in retrievers and any package's under the `bright_eval.retrievers`
    entry-point group (importing a module registers its retrievers)."""
    import importlib
    from importlib.metadata import entry_points

    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    for ep in entry_points(group="bright_eval.retrievers"):
        ep.load()
    return REGISTRY
