"""Query texts, gold and excluded ids, and document texts for a report, from the BRIGHT data the
record names (or `--data-dir`). Queries are required; document texts are optional, since a local
snapshot may hold no corpus: the report then says they are not available and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from bright_eval.data import BrightData, DataError, Query
from bright_eval.report.records import Record, ReportError
from bright_eval.results.check import local_data
from bright_eval.sources import documents_by_id


@dataclass
class Corpus:
    source: str  # where the data came from, in words
    queries: dict[str, dict[str, Query]]  # domain -> id -> query (gold, excluded ids)
    query_texts: dict[str, dict[str, str]]  # domain -> id -> the text the reranker saw
    documents: dict[str, dict[str, str]] = field(default_factory=dict)  # domain -> id -> text
    documents_note: str = ""  # why document texts are missing; "" when they were loaded


def resolve_data(record: Record, data_dir: str | None) -> BrightData:
    """The data the record was made with when it is here (`results.check.local_data`), else
    the Hub at the recorded revision; a recorded local folder that is gone is an error."""
    recorded = record.data
    data = local_data(recorded, record.repo_root, data_dir)
    if data is not None:
        return data
    if recorded.get("source") == "local":
        raise ReportError(
            f"the BRIGHT folder this record was made from ({record.repo_root / recorded['path']}) "
            "is not here; pass --data-dir DIR"
        )
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
            corpus.documents[domain] = documents_by_id(
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
