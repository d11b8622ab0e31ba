"""BRIGHT data through HF `datasets`: from the Hub at a pinned revision, or a local snapshot.

A local snapshot is a folder laid out like the Hub dataset: `<config>/<split>-*.parquet`
(e.g. `examples/pony-00000-of-00001.parquet`). Every config is split by domain.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bright_eval.domains import Domain, get_domain, require_long_documents
from bright_eval.errors import BrightEvalError
from bright_eval.revisions import DEFAULT_NAME, REVISIONS, resolve_revision

HUB_ID = "xlangai/BRIGHT"
# The revision MTEB pins for BRIGHT(v1.1); the data were revised after the first paper version.
DEFAULT_REVISION = REVISIONS[DEFAULT_NAME]
DATA_DIR_ENV = "BRIGHT_DATA_DIR"

# Query variant name -> dataset config. Reasoning variants replace `query` with an LLM's reasoning.
QUERY_VARIANTS: dict[str, str] = {
    "original": "examples",
    "gpt4_reason": "gpt4_reason",
    "claude-3-opus_reason": "claude-3-opus_reason",
    "llama3-70b_reason": "llama3-70b_reason",
    "grit_reason": "grit_reason",
    "Gemini-1.0_reason": "Gemini-1.0_reason",
}
PLACEHOLDER = "N/A"
CORPUS_CONFIGS = ("documents", "long_documents")


class DataError(BrightEvalError, ValueError):
    pass


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    excluded_ids: frozenset[str] = frozenset()
    gold_ids: tuple[str, ...] = ()
    gold_ids_long: tuple[str, ...] = ()

    def gold(self, long_documents: bool = False) -> tuple[str, ...]:
        """The gold documents of the setting: gold_ids_long for long documents."""
        return self.gold_ids_long if long_documents else self.gold_ids


Qrels = dict[str, dict[str, int]]


def _real_ids(ids: Iterable[str] | None) -> list[str]:
    """Ids without the "N/A" placeholder and without repeats (first occurrence kept)."""
    return list(dict.fromkeys(i for i in (ids or []) if i != PLACEHOLDER))


def query_from_row(row: dict) -> Query:
    return Query(
        id=str(row["id"]),
        text=row["query"],
        excluded_ids=frozenset(_real_ids(row.get("excluded_ids"))),
        gold_ids=tuple(_real_ids(row.get("gold_ids"))),
        gold_ids_long=tuple(_real_ids(row.get("gold_ids_long"))),
    )


def qrels_from_queries(queries: Iterable[Query], long_documents: bool = False) -> Qrels:
    """Binary qrels {qid: {docid: 1}} from gold_ids (gold_ids_long for long documents)."""
    qrels: Qrels = {}
    for q in queries:
        qrels[q.id] = {doc_id: 1 for doc_id in q.gold(long_documents)}
    return qrels


def excluded_from_queries(queries: Iterable[Query]) -> dict[str, frozenset[str]]:
    return {q.id: q.excluded_ids for q in queries}


def resolve_variant(variant: str) -> str:
    if variant not in QUERY_VARIANTS:
        raise DataError(
            f"unknown query variant {variant!r}; valid variants: {', '.join(QUERY_VARIANTS)}"
        )
    return QUERY_VARIANTS[variant]


class JudgedQueries:
    """Qrels and exclusions derived from `queries()`, for every BRIGHT source."""

    def queries(self, domain: str, variant: str = "original") -> tuple[Query, ...]:
        raise NotImplementedError

    def qrels(self, domain: str, long_documents: bool = False) -> Qrels:
        d = get_domain(domain)
        if long_documents:
            require_long_documents(d)
        return qrels_from_queries(self.queries(d.name), long_documents)

    def excluded_ids(self, domain: str) -> dict[str, frozenset[str]]:
        return excluded_from_queries(self.queries(domain))


@dataclass(frozen=True)
class BrightData(JudgedQueries):
    """Where BRIGHT comes from. `data_dir` None means the Hub (or $BRIGHT_DATA_DIR when set)."""

    data_dir: str | None = None
    revision: str = DEFAULT_REVISION
    hub_id: str = field(default=HUB_ID)

    @classmethod
    def from_options(cls, data_dir: str | None = None, revision: str | None = None) -> BrightData:
        data_dir = data_dir or os.environ.get(DATA_DIR_ENV) or None
        if data_dir is not None:
            data_dir = str(Path(data_dir).resolve())
            if not Path(data_dir).is_dir():
                raise DataError(f"BRIGHT data folder {data_dir!r} does not exist")
        return cls(data_dir=data_dir, revision=resolve_revision(revision) or DEFAULT_REVISION)

    def describe(self) -> dict:
        """Provenance: where the data came from and at which revision."""
        if self.data_dir is not None:
            return {"source": "local", "path": self.data_dir, "revision": self.local_revision()}
        return {"source": "hub", "dataset": self.hub_id, "revision": self.revision}

    def local_revision(self) -> str | None:
        # A folder made by `huggingface_hub.snapshot_download` sits under snapshots/<revision>.
        parent = Path(self.data_dir or "").parent
        return Path(self.data_dir).name if parent.name == "snapshots" else None

    def load(self, config: str, domain: str):
        """One split of one config as a memory-mapped `datasets.Dataset` (nothing read eagerly)."""
        import datasets

        if self.data_dir is None:
            try:
                return datasets.load_dataset(
                    self.hub_id, config, split=domain, revision=self.revision
                )
            except ValueError as err:
                raise DataError(f"{self.hub_id}@{self.revision[:12]}: {err}") from err
            except (ConnectionError, OSError) as err:
                # Offline, the Hub answers with a page of connection errors; one line says why
                # and what works without it.
                raise DataError(
                    f"cannot load {self.hub_id} ({config}/{domain}) from the Hub: "
                    f"{type(err).__name__}; pass --data-dir with a local snapshot "
                    f"(or set ${DATA_DIR_ENV})"
                ) from None
        files = self._local_files(config, domain)
        return datasets.load_dataset("parquet", data_files={domain: files}, split=domain)

    def _local_files(self, config: str, domain: str) -> list[str]:
        root = Path(self.data_dir)
        folder = root / config
        if not folder.is_dir():
            found = sorted(
                p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.parquet"))
            )
            # A folder of queries only (as ../shared/bright) scores run files; a first stage and
            # a reranker also need the corpus, which is what a newcomer's first rerank hits.
            corpus = (
                f"; a first stage or a reranker reads the document texts: add {config}/"
                f"{domain}-*.parquet from {HUB_ID}, or leave out --data-dir (and ${DATA_DIR_ENV}) "
                "to read BRIGHT from the Hub"
                if config in CORPUS_CONFIGS
                else ""
            )
            raise DataError(
                f"config {config!r} not found in local BRIGHT folder {root}; "
                f"available configs: {', '.join(found) or 'none'}{corpus}"
            )
        files = sorted(str(p) for p in folder.glob(f"{domain}-*.parquet"))
        if not files:
            splits = sorted({p.name.split("-")[0] for p in folder.glob("*.parquet")})
            raise DataError(
                f"no split {domain!r} in {folder}; available splits: {', '.join(splits) or 'none'}"
            )
        return files

    @functools.lru_cache(maxsize=64)  # noqa: B019 - the dataclass is frozen and long-lived
    def queries(self, domain: str, variant: str = "original") -> tuple[Query, ...]:
        d = get_domain(domain)
        rows = self.load(resolve_variant(variant), d.name)
        return tuple(query_from_row(r) for r in rows)

    def documents(self, domain: str, long_documents: bool = False):
        """The corpus as a lazy `datasets.Dataset` with columns `id, content`."""
        d: Domain = get_domain(domain)
        if long_documents:
            require_long_documents(d)
        return self.load("long_documents" if long_documents else "documents", d.name)
