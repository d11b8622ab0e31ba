"""Query texts, gold and excluded ids, and document texts for a report, from the BRIGHT data the
record names (or `--data-dir`). Queries are required; document texts are optional, since a local
snapshot may hold no corpus: the report then says they are not available and why."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bright_eval.data import DATA_DIR_ENV, BrightData, DataError, Query
from bright_eval.report.records import Record, ReportError


@dataclass
class Corpus:
    source: str  # where the data came from, in words
    queries: dict[str, dict[str, Query]]  # domain -> id -> query (gold, excluded ids)
    query_texts: dict[str, dict[str, str]]  # domain -> id -> the text the reranker saw
    documents: dict[str, dict[str, str]] = field(default_factory=dict)  # domain -> id -> text
    documents_note: str = ""  # why document texts are missing; "" when they were loaded


def resolve_data(record: Record, data_dir: str | None) -> BrightData:
    """An explicit folder or $BRIGHT_DATA_DIR, else what the record names: its local folder
    (relative to the repository root) or the Hub at the recorded revision."""
    explicit = data_dir or os.environ.get(DATA_DIR_ENV)
    if explicit:
        return BrightData.from_options(explicit)
    recorded = record.data
    if recorded.get("source") == "local":
        path = Path(recorded.get("path", ""))
        path = path if path.is_absolute() else record.repo_root / path
        if not path.is_dir():
            raise ReportError(
                f"the BRIGHT folder this record was made from ({path}) is not here; "
                "pass --data-dir DIR"
            )
        return BrightData.from_options(str(path))
    return BrightData.from_options(None, recorded.get("revision"))


def describe(data: BrightData) -> str:
    if data.data_dir is not None:
        return f"local folder {data.data_dir}"
    return f"{data.hub_id} at revision {data.revision[:12]} (Hugging Face Hub)"


def load_queries(data: BrightData, domain: str, variant: str) -> tuple[dict, dict]:
    try:
        queries = {q.id: q for q in data.queries(domain)}
        texts = {q.id: q.text for q in data.queries(domain, variant)}
    except DataError:
        raise
    except Exception as err:  # the Hub, offline, fails in many ways; all mean "no queries"
        raise ReportError(
            f"cannot load the {domain} queries from {describe(data)} ({type(err).__name__}: "
            f"{err}); pass --data-dir DIR with a local BRIGHT folder"
        ) from err
    return queries, texts


def load_documents(data: BrightData, domain: str, ids: set[str], long: bool) -> dict[str, str]:
    """Texts of the wanted documents only: the id column is scanned, the rest read by index."""
    corpus = data.documents(domain, long)
    all_ids = corpus.data.column("id").to_pylist()
    rows = [i for i, doc_id in enumerate(all_ids) if doc_id in ids]
    found = corpus.select(rows)
    return dict(zip(found["id"], found["content"], strict=True))


def load_corpus(
    record: Record, data_dir: str | None, doc_ids: dict[str, set[str]], with_documents: bool = True
) -> Corpus:
    data = resolve_data(record, data_dir)
    corpus = Corpus(describe(data), {}, {})
    for domain in record.domains:
        corpus.queries[domain], corpus.query_texts[domain] = load_queries(
            data, domain, record.rerank_query
        )
    if not with_documents:
        corpus.documents_note = "document texts were not requested (--no-documents)"
        return corpus
    try:
        for domain in record.domains:
            corpus.documents[domain] = load_documents(
                data, domain, doc_ids.get(domain, set()), record.long_documents
            )
    except Exception as err:  # any failure leaves the report without texts, not without a report
        corpus.documents = {}
        kind = "long_documents" if record.long_documents else "documents"
        corpus.documents_note = (
            f"document texts are not available: the {kind} corpus could not be loaded from "
            f"{corpus.source} ({str(err).splitlines()[0] if str(err) else type(err).__name__})"
        )
    return corpus
