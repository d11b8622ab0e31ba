"""Small BRIGHT-format snapshots for end-to-end pipeline tests, and a recorder of what the
transformers backend actually feeds the model."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bright_eval.rerank.backends.hf import TransformersBackend
from bright_eval.runs import ranked, read_run

ORIGINAL_BATCH = TransformersBackend._generate_batch


def build_domain(
    shared_bright: Path, root: Path, domain: str, query_ids: list[str], docs_per_query: int
) -> tuple[list[dict], dict[str, str]]:
    """examples/ with the real rows, documents/ with the ReasonIR run's top ids (short texts
    written here: BRIGHT's corpus is not in ../shared), and that run's top documents as the first
    stage in `root/{domain}.trec`. Returns the rows and the documents."""
    parquet = f"{domain}-00000-of-00001.parquet"
    rows = pq.read_table(shared_bright / "examples" / parquet).to_pylist()
    rows = [r for r in rows if r["id"] in query_ids]
    (root / "examples").mkdir()
    pq.write_table(pa.Table.from_pylist(rows), root / "examples" / parquet)
    real = read_run(shared_bright / "runs" / "reasonir-gpt4-reason-top100" / f"{domain}.trec.gz")
    lines, docs = [], {}
    for qid in query_ids:
        for rank, (doc_id, score) in enumerate(ranked(real[qid])[:docs_per_query], 1):
            lines.append(f"{qid} Q0 {doc_id} {rank} {score} reasonir\n")
            # Distinct texts, so a reranker has something to tell apart.
            name = doc_id.removesuffix(".txt").replace("/", ": ").replace("_", " ")
            docs[doc_id] = f"A passage from {name}."
    docs["unrelated/never_asked_0.txt"] = "Not a candidate."
    (root / "documents").mkdir()
    table = pa.Table.from_pylist([{"id": i, "content": c} for i, c in docs.items()])
    pq.write_table(table, root / "documents" / parquet)
    (root / f"{domain}.trec").write_text("".join(lines))
    return rows, docs


def take_as_pinned(monkeypatch, root: Path, domain: str) -> None:
    """A snapshot's queries taken for the pinned revision's in `domain`, so that its records
    reach the leaderboard (and write a first-stage row) as real BRIGHT data's would; test data is
    otherwise kept out."""
    from bright_eval import pinned
    from bright_eval.data import BrightData

    digest = pinned.queries_digest(BrightData.from_options(str(root)).queries(domain))
    monkeypatch.setitem(pinned.PINNED_EXAMPLES, domain, digest)


class Recorder:
    """Wraps the backend's batch call: records the exact model input of every row (decoded
    from the token ids the model got) and can stop the run after some batches."""

    def __init__(self, monkeypatch, stop_after_batches=None):
        self.inputs, self.outputs, self.stop_after = [], [], stop_after_batches
        real = ORIGINAL_BATCH
        recorder = self

        def wrapped(backend, rows, params, prefix=None):  # rows: whole prompts, prefix or not
            if recorder.stop_after is not None and recorder.stop_after == 0:
                raise KeyboardInterrupt("stopped on purpose")
            recorder.inputs += [backend.tokenizer.decode(r) for r in rows]
            out = real(backend, rows, params, prefix)
            recorder.outputs += [g.text for g in out]
            if recorder.stop_after is not None:
                recorder.stop_after -= 1
            return out

        monkeypatch.setattr(TransformersBackend, "_generate_batch", wrapped)
