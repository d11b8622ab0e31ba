"""Every reranker output, stored as it is produced, so a killed run resumes where it stopped.

Layout: `<cache root>/rerank/<reranker>-<config hash>/` holds `config.json` (the configuration
the hash was made from) and append-only JSONL files, one per writer (`all.jsonl`, or
`shard-2-of-8.jsonl`), flushed and fsynced after every batch. A changed prompt, model,
truncation or decoding setting changes the hash, so stale outputs are never reused. Readers
take every JSONL file in the folder: shards computed on several machines merge by copying
their files into one folder.

Keys: a pointwise output by (query id, query text hash, doc id, document text hash); a
listwise window by the query and the (id, text hash) of every document in window order.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path

from bright_eval.cache_dir import cache_root
from bright_eval.rerank.base import Candidate, Judgement, Permutation, Reranker


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def pair_key(c: Candidate) -> str:
    return f"{c.query_id}\t{text_hash(c.query)}\t{c.doc_id}\t{text_hash(c.document)}"


def window_key(window: Sequence[Candidate]) -> str:
    first = window[0]
    docs = "\t".join(f"{c.doc_id}\t{text_hash(c.document)}" for c in window)
    return f"{first.query_id}\t{text_hash(first.query)}\t{text_hash(docs)}"


class OutputCache:
    def __init__(self, folder: Path, writer: str = "all"):
        self.folder = Path(folder)
        self.path = self.folder / f"{writer}.jsonl"
        self.entries: dict[str, dict] = {}
        self.torn_lines = 0
        for file in sorted(self.folder.glob("*.jsonl")):
            self._read(file)

    @classmethod
    def for_reranker(
        cls, reranker: Reranker, root: Path | None = None, writer: str = "all"
    ) -> OutputCache:
        root = Path(root) if root is not None else cache_root()
        folder = root / "rerank" / f"{reranker.name}-{reranker.config_hash()}"
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "config.json"
        if not config.exists():
            config.write_text(json.dumps(reranker.config(), indent=1, sort_keys=True, default=str))
        return cls(folder, writer)

    def _read(self, file: Path) -> None:
        with open(file, encoding="utf-8") as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    # The last line of a run killed mid-write; that output is recomputed.
                    self.torn_lines += 1
                    continue
                self.entries[entry["key"]] = entry

    def __len__(self) -> int:
        return len(self.entries)

    def _append(self, entries: Iterable[dict]) -> None:
        lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
        if not lines:
            return
        with open(self.path, "a", encoding="utf-8") as f:
            # Two processes with the same writer name must not interleave long lines.
            fcntl.flock(f, fcntl.LOCK_EX)
            f.write(lines)
            f.flush()
            os.fsync(f.fileno())
            fcntl.flock(f, fcntl.LOCK_UN)

    def get_judgement(self, c: Candidate) -> Judgement | None:
        entry = self.entries.get(pair_key(c))
        return Judgement(**entry["judgement"]) if entry else None

    def put_judgements(self, cands: Sequence[Candidate], judgements: Sequence[Judgement]) -> None:
        new = []
        for c, j in zip(cands, judgements, strict=True):
            entry = {"key": pair_key(c), "query_id": c.query_id, "doc_id": c.doc_id,
                     "judgement": asdict(j)}  # fmt: skip
            self.entries[entry["key"]] = entry
            new.append(entry)
        self._append(new)

    def get_permutation(self, window: Sequence[Candidate]) -> Permutation | None:
        entry = self.entries.get(window_key(window))
        return Permutation(**entry["permutation"]) if entry else None

    def put_permutations(
        self, windows: Sequence[Sequence[Candidate]], permutations: Sequence[Permutation]
    ) -> None:
        new = []
        for w, p in zip(windows, permutations, strict=True):
            entry = {"key": window_key(w), "query_id": w[0].query_id,
                     "doc_ids": [c.doc_id for c in w], "permutation": asdict(p)}  # fmt: skip
            self.entries[entry["key"]] = entry
            new.append(entry)
        self._append(new)
