"""Every reranker output, stored as it is produced, so a killed run resumes where it stopped.

Layout: `<cache root>/rerank/<reranker>-<key hash>/` holds `config.json` (what the key hash was
made from, `Reranker.cache_config()`) and append-only JSONL files, one per writer (`all.jsonl`,
or `shard-2-of-8.jsonl`). Readers take every JSONL file in the folder: shards computed on
several machines merge by copying their files into one folder. What computed an output (its
backend as loaded there, `Judgement.backend`) is stored once per folder, in
`backend-<hash>.json`, and named by that hash in each line: copy those files along, and a merge
names the backend that computed its outputs.

Keys: a pointwise output by (query id, query text hash, doc id, document text hash); a
listwise window by the query and the (id, text hash) of every document in window order.

Durability: each `put_*` call reaches the operating system before it returns (one unbuffered
write), so killing the process (even with SIGKILL) loses nothing already stored. Only a crash
of the machine itself can lose what the disk has not yet been told to keep: the file is fsynced
at most every `SYNC_EVERY` outputs or `SYNC_SECONDS` seconds, and on `close()`.

Damage: a line that cannot be read (cut short, not UTF-8, not JSON, not an output, a number that
is not finite, a label outside the reranker's labels) is skipped, counted per file in `skipped`,
and reported in one line on stderr; its output is recomputed. Such an output is never written:
storing one is an `InvalidOutputError`, and every line is strict JSON.
On opening and before each append, a writer cuts its own file back to its last complete line, so
a new output is never glued onto the fragment a killed run left behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from bright_eval.atomic import atomic_write_text, cut_torn_tail
from bright_eval.cache_dir import cache_root
from bright_eval.rerank.base import Candidate, Judgement, Permutation, Reranker
from bright_eval.rerank.cache_lines import (
    CUT_SHORT,
    parse_line,
    refuse_invalid,
    spelled_out,
)

log = logging.getLogger(__name__)

SYNC_EVERY = 256  # outputs between fsyncs
SYNC_SECONDS = 1.0  # ... or seconds, whichever comes first
SUBFOLDER = "rerank"
BACKEND_PREFIX = "backend-"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def pair_key(c: Candidate) -> str:
    return f"{c.query_id}\t{text_hash(c.query)}\t{c.doc_id}\t{text_hash(c.document)}"


def window_key(window: Sequence[Candidate]) -> str:
    first = window[0]
    docs = "\t".join(f"{c.doc_id}\t{text_hash(c.document)}" for c in window)
    return f"{first.query_id}\t{text_hash(first.query)}\t{text_hash(docs)}"


def cache_folder_name(reranker: Reranker) -> str:
    """`rerank/<reranker>-<key hash>`: the folder relative to the cache root (an absolute path
    would name one machine's home directory)."""
    return f"{SUBFOLDER}/{reranker.name}-{reranker.config_hash()}"


class OutputCache:
    def __init__(
        self,
        folder: Path,
        writer: str = "all",
        warn: bool = True,
        labels: tuple[int, ...] | None = None,
    ):
        self.folder = Path(folder)
        self.labels = labels  # the reranker's (`Reranker.valid_labels`); None: any label
        self.key: dict | None = None  # what the folder's hash was made from (`keyed`)
        self.path = self.folder / f"{writer}.jsonl"
        self.judgements: dict[str, Judgement] = {}
        self.permutations: dict[str, Permutation] = {}
        # file name -> {reason: lines skipped}; reasons are those of `cache_lines`.
        self.skipped: dict[str, Counter] = {}
        self.backends: dict[str, dict] = {}  # backend-<hash>.json: hash -> what computed outputs
        self._file = None
        # flock excludes other processes only; threads of this one (a backend streaming
        # outputs from a pool) take turns here.
        self._lock = threading.Lock()
        self._unsynced = 0
        self._synced_at = time.monotonic()
        for file in sorted(self.folder.glob(f"{BACKEND_PREFIX}*.json")):
            self._read_backend(file)
        for file in sorted(self.folder.glob("*.jsonl")):
            self._read(file)
        if self.skipped.get(self.path.name, {}).get(CUT_SHORT):
            with self._locked():  # cut the fragment now, not warned about on every later run
                pass
        if warn:
            for line in self.skip_report():
                log.warning(line)

    @classmethod
    def for_reranker(
        cls, reranker: Reranker, root: Path | None = None, writer: str = "all"
    ) -> OutputCache:
        return cls.keyed(
            cache_folder_name(reranker),
            reranker.cache_config(),
            root,
            writer,
            reranker.valid_labels,
        )

    @classmethod
    def keyed(
        cls,
        name: str,
        key: dict,
        root: Path | None = None,
        writer: str = "all",
        labels: tuple[int, ...] | None = None,
    ) -> OutputCache:
        """The cache in `<root>/<name>`, with `config.json` beside the outputs holding exactly
        what the folder's hash was made from."""
        folder = (Path(root) if root is not None else cache_root()) / name
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "config.json"
        if not config.exists():
            atomic_write_text(config, json.dumps(key, indent=1, sort_keys=True, default=str))
        cache = cls(folder, writer, labels=labels)
        cache.key = key
        return cache

    @property
    def name(self) -> str:
        """The folder relative to the cache root (e.g. `rerank/<reranker>-<hash>`)."""
        return f"{self.folder.parent.name}/{self.folder.name}"

    def _read(self, file: Path) -> None:
        skipped: Counter = Counter()
        try:
            with open(file, "rb") as f:
                for raw in f:
                    kind, key, output, problem = parse_line(raw, self.backends, self.labels)
                    if problem:
                        skipped[problem] += 1
                    if output is not None:
                        store = self.judgements if kind == "judgement" else self.permutations
                        store[key] = output
        except OSError as err:  # unreadable from here on (permissions, an I/O error)
            skipped[f"unreadable file: {err.strerror or err}"] += 1
        if skipped:
            self.skipped[file.name] = skipped

    def _read_backend(self, file: Path) -> None:
        try:
            described = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # unreadable: its outputs read back without a backend
            return
        if isinstance(described, dict):
            self.backends[file.stem.removeprefix(BACKEND_PREFIX)] = described

    def backend_id(self, described: dict | None) -> str | None:
        """The hash naming `described` in a line, its file written on first use (named by
        content, so writers on several machines never disagree about one)."""
        if not described:
            return None
        backend_id = text_hash(json.dumps(described, sort_keys=True, default=str))
        if backend_id not in self.backends:
            path = self.folder / f"{BACKEND_PREFIX}{backend_id}.json"
            if not path.exists():
                atomic_write_text(path, json.dumps(described, indent=1, sort_keys=True) + "\n")
            self.backends[backend_id] = described
        return backend_id

    def _entry(self, output: Judgement | Permutation) -> dict:
        entry = {**asdict(output), "backend": self.backend_id(output.backend)}
        if isinstance(output, Judgement):  # free-form details may hold a -inf log-probability
            entry["details"] = spelled_out(output.details)
        return entry

    @property
    def torn_lines(self) -> int:
        """Lines cut short (a run killed mid-write); their outputs are recomputed."""
        return sum(c[CUT_SHORT] for c in self.skipped.values())

    def skip_report(self) -> list[str]:
        """One line per damaged file: how many lines were skipped, and why."""
        lines = []
        for name, reasons in sorted(self.skipped.items()):
            why = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
            n = sum(reasons.values())
            lines.append(
                f"{self.folder / name}: skipped {n} unreadable line{'s' * (n != 1)} "
                f"({why}); any output they held is recomputed"
            )
        return lines

    def __len__(self) -> int:
        return len(self.judgements) + len(self.permutations)

    def _open(self):
        if self._file is None:
            self._file = open(self.path, "a+b", buffering=0)  # noqa: SIM115 - kept for the run
        return self._file

    @contextmanager
    def _locked(self):
        """The open file, held against other threads and processes, its torn tail cut."""
        with self._lock:
            f = self._open()
            # Writers sharing a file take turns, so a line is never interleaved with another,
            # and a fragment found while holding the lock is a dead writer's, safe to cut.
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                cut_torn_tail(f.fileno())
                yield f
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _append(self, entries: list[dict]) -> None:
        lines = (json.dumps(e, ensure_ascii=False, allow_nan=False) + "\n" for e in entries)
        data = "".join(lines).encode()
        if not data:
            return
        with self._locked() as f:
            view = memoryview(data)
            while view:  # an unbuffered write may be partial
                view = view[f.write(view) :]
            self._unsynced += len(entries)
            now = time.monotonic()
            if self._unsynced >= SYNC_EVERY or now - self._synced_at >= SYNC_SECONDS:
                os.fsync(f.fileno())
                self._unsynced, self._synced_at = 0, now

    def close(self) -> None:
        """fsync what is not yet on disk and release the file."""
        with self._lock:
            if self._file is not None:
                if self._unsynced:
                    os.fsync(self._file.fileno())
                self._file.close()
                self._file, self._unsynced = None, 0

    def __enter__(self) -> OutputCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get_judgement(self, c: Candidate) -> Judgement | None:
        return self.judgements.get(pair_key(c))

    def put_judgements(self, cands: Sequence[Candidate], judgements: Sequence[Judgement]) -> None:
        for c, j in zip(cands, judgements, strict=True):
            self.check(j, f"query {c.query_id}, document {c.doc_id}")
        new = []
        for c, j in zip(cands, judgements, strict=True):
            key = pair_key(c)
            self.judgements[key] = j
            new.append({"key": key, "query_id": c.query_id, "doc_id": c.doc_id,
                        "judgement": self._entry(j)})  # fmt: skip
        self._append(new)

    def check(self, output: Judgement | Permutation, what: str) -> None:
        """Refuse an output that reading it back would reject (`cache_lines.refuse_invalid`)."""
        refuse_invalid(output, self.labels, f"{self.name}: {what}")

    def get_permutation(self, window: Sequence[Candidate]) -> Permutation | None:
        return self.permutations.get(window_key(window))

    def put_permutations(
        self, windows: Sequence[Sequence[Candidate]], permutations: Sequence[Permutation]
    ) -> None:
        for w, p in zip(windows, permutations, strict=True):
            self.check(p, f"query {w[0].query_id}, window from document {w[0].doc_id}")
        new = []
        for w, p in zip(windows, permutations, strict=True):
            key = window_key(w)
            self.permutations[key] = p
            new.append({"key": key, "query_id": w[0].query_id, "doc_ids": [c.doc_id for c in w],
                        "permutation": self._entry(p)})  # fmt: skip
        self._append(new)
