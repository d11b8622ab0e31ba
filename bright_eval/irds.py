"""BRIGHT through ir_datasets (`bright/<domain>`, `bright/<domain>-long`), for users who already
keep their data there. ir_datasets reads the same Hub parquet files; it encodes excluded ids as
qrels with relevance -100, which are turned back into exclusions here (trec_eval would not
remove them from a ranking).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from bright_eval.data import DataError, JudgedQueries, Query
from bright_eval.domains import get_domain, require_long_documents

EXCLUDED = -100


def irds_id(domain: str, long_documents: bool = False) -> str:
    return f"bright/{domain.replace('_', '-')}" + ("-long" if long_documents else "")


def _check_variant(variant: str) -> None:
    # BRIGHT's run.py takes a reasoning variant's text from the `query` column of the
    # `*_reason` config; ir_datasets exposes the `reasoning` column of those files instead.
    # Not the same text, so reasoning variants are served only by the HF source.
    if variant != "original":
        raise DataError(
            f"query variant {variant!r} is not available from ir_datasets (it reads another "
            "column than BRIGHT's reference); use the HF source (--source hf) for it"
        )


@dataclass(frozen=True)
class IrDatasetsBright(JudgedQueries):
    """A `BrightSource` backed by ir_datasets."""

    data_dir: None = None  # pinned by the ir_datasets version, not by local files

    def describe(self) -> dict:
        import ir_datasets

        return {
            "source": "ir_datasets",
            "version": ir_datasets.__version__,
            "home": os.environ.get("IR_DATASETS_HOME", "~/.ir_datasets"),
        }

    def _load(self, domain: str, long_documents: bool = False):
        import ir_datasets

        return ir_datasets.load(irds_id(get_domain(domain).name, long_documents))

    @staticmethod
    def _judgements(dataset) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
        gold: dict[str, list[str]] = {}
        excluded: dict[str, set[str]] = {}
        for qrel in dataset.qrels_iter():
            if qrel.relevance == EXCLUDED:
                excluded.setdefault(qrel.query_id, set()).add(qrel.doc_id)
            elif qrel.relevance > 0 and qrel.doc_id not in gold.setdefault(qrel.query_id, []):
                gold[qrel.query_id].append(qrel.doc_id)
        return gold, excluded

    @functools.lru_cache(maxsize=64)  # noqa: B019 - frozen dataclass
    def queries(self, domain: str, variant: str = "original") -> tuple[Query, ...]:
        d = get_domain(domain)
        _check_variant(variant)
        dataset = self._load(d.name)
        gold, excluded = self._judgements(dataset)
        gold_long: dict[str, list[str]] = {}
        if d.has_long_documents:
            gold_long, _ = self._judgements(self._load(d.name, long_documents=True))
        return tuple(
            Query(
                id=q.query_id,
                text=q.text,
                excluded_ids=frozenset(excluded.get(q.query_id, ())),
                gold_ids=tuple(gold.get(q.query_id, ())),
                gold_ids_long=tuple(gold_long.get(q.query_id, ())),
            )
            for q in dataset.queries_iter()
        )

    def documents(self, domain: str, long_documents: bool = False):
        """The corpus as a `datasets.Dataset` with columns `id, content`, like `BrightData`."""
        import datasets

        d = get_domain(domain)
        if long_documents:
            require_long_documents(d)
        dataset = self._load(d.name, long_documents)

        def rows():
            for doc in dataset.docs_iter():
                yield {"id": doc.doc_id, "content": doc.text}

        return datasets.Dataset.from_generator(rows)
