"""The one surface every BRIGHT source offers (`BrightSource`), and how to open one.

Both `BrightData` (HF datasets: the Hub or a local snapshot) and `IrDatasetsBright`
implement it; the first stage, the pipeline and `evaluate` use nothing else.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bright_eval.data import BrightData, Qrels, Query
from bright_eval.errors import BrightEvalError
from bright_eval.irds import IrDatasetsBright

SOURCES = ("hf", "ir_datasets")


class UnknownSourceError(BrightEvalError, ValueError):
    pass


@runtime_checkable
class BrightSource(Protocol):
    # A local folder whose files identify the data (their sizes and times go into cache
    # keys); None when the data is pinned otherwise (a Hub revision, an ir_datasets version).
    data_dir: str | None

    def describe(self) -> dict:
        """Provenance: where the data came from and at which revision."""

    def queries(self, domain: str, variant: str = "original") -> tuple[Query, ...]: ...

    def qrels(self, domain: str, long_documents: bool = False) -> Qrels: ...

    def excluded_ids(self, domain: str) -> dict[str, frozenset[str]]: ...

    def documents(self, domain: str, long_documents: bool = False):
        """The corpus as a `datasets.Dataset` with columns `id, content`."""


def open_source(
    source: str = "hf", data_dir: str | None = None, revision: str | None = None
) -> BrightSource:
    if source == "hf":
        return BrightData.from_options(data_dir, revision)
    if source == "ir_datasets":
        return IrDatasetsBright()
    raise UnknownSourceError(f"unknown data source {source!r}; valid: {', '.join(SOURCES)}")


def documents_by_id(
    data: BrightSource, domain: str, ids: set[str], long_documents: bool = False
) -> dict[str, str]:
    """Texts of the wanted documents only (those the corpus has): the id column is scanned,
    the rest read by index, so a 400k-document corpus is never read whole."""
    if not ids:
        return {}
    corpus = data.documents(domain, long_documents)
    all_ids = corpus.data.column("id").to_pylist()
    found = corpus.select([i for i, doc_id in enumerate(all_ids) if doc_id in ids])
    return dict(zip(found["id"], found["content"], strict=True))
