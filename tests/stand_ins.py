"""Stand-in rerankers for engine tests and the overhead benchmark, and a BRIGHT-size candidate
set: every real query of the 12 domains (1,384) with 100 synthetic documents each (138,400
pairs). Defined in an importable module so Ray workers unpickle them by reference."""

from __future__ import annotations

import os
import time
import zlib

from bright_eval.rerank import (
    Candidate,
    Judgement,
    ListwiseReranker,
    Permutation,
    PointwiseReranker,
)

DOCS_PER_QUERY = 100
DOC_WORDS = 300  # a few KB per document, about BRIGHT's median


def label_of(c: Candidate) -> int:
    """A fixed label per pair, the same in every process (unlike hash())."""
    return zlib.crc32(f"{c.query_id}/{c.doc_id}".encode()) % 3


class Instant(PointwiseReranker):
    """Answers at once: what is measured around it is the harness's own cost."""

    def judge(self, candidates):
        return [
            Judgement(score=float(label_of(c)), label=label_of(c), raw=f"label {label_of(c)}",
                      prompt_tokens=len(c.document) // 4, generated_tokens=1)
            for c in candidates
        ]  # fmt: skip


class Slow(Instant):
    """Takes `seconds` per pair. Appends each pair it starts to `log`.started and each pair it
    finishes to `log` (fsynced), so a test knows what had completed, and what was started and
    lost, when the process or worker was killed.

    While a file `log`.hold exists, each call waits after logging its start, with its process id
    in `log`.busy: a test can then kill a worker that is certainly mid-call."""

    not_settings = frozenset({"seconds", "log"})  # how slowly, not what it answers

    def __init__(self, seconds: float, log: str):
        super().__init__()
        self.seconds, self.log = seconds, log

    def judge(self, candidates):
        append(self.log + ".started", candidates)
        if os.path.exists(self.log + ".hold"):
            with open(self.log + ".busy", "a") as f:
                f.write(f"{os.getpid()}\n")
            while os.path.exists(self.log + ".hold"):
                time.sleep(0.005)
        time.sleep(self.seconds * len(candidates))
        out = super().judge(candidates)
        append(self.log, candidates)
        return out


def append(path: str, candidates) -> None:
    with open(path, "a") as f:
        f.write("".join(f"{c.query_id}\t{c.doc_id}\n" for c in candidates))
        f.flush()
        os.fsync(f.fileno())


class Sorts(ListwiseReranker):
    """Orders each window by the pairs' fixed labels, highest first (stable)."""

    window_size, stride = 4, 2

    def permute(self, windows):
        return [
            Permutation(order=sorted(range(len(w)), key=lambda i, w=w: -label_of(w[i])))
            for w in windows
        ]


Instant.name = Slow.name = Sorts.name = ""  # stand-ins: not registered


class Loads:
    """Loads a "model" on first use (a name unique to the process and the moment) and answers
    each item with its tag and that name: an engine test sees which worker served an item and
    whether it loaded anew. Workers with the same `key` load the same model."""

    def __init__(self, key: str, tag: str):
        self.key, self.tag, self._model = key, tag, None

    def load_key(self) -> str:
        return self.key

    def work(self, items):
        if self._model is None:
            self._model = f"{os.getpid()}:{time.monotonic_ns()}"
        return [(self.tag, self._model) for _ in items]


def full_size_candidates(data, docs_per_query: int = DOCS_PER_QUERY) -> dict[str, dict]:
    """Domain -> query id -> candidates for every real query of every domain (query ids repeat
    across domains, so each domain is reranked on its own, as the pipeline does). Documents are
    synthetic, shared across a domain's queries as real first-stage runs share them."""
    from bright_eval.domains import parse_domains

    by_domain, words = {}, range(DOC_WORDS)
    for domain in parse_domains("all"):
        candidates = by_domain[domain.name] = {}
        pool = [
            f"{domain.name} document {k}: " + " ".join(f"w{(k * 7 + i) % 997}" for i in words)
            for k in range(docs_per_query * 3)
        ]
        for n, q in enumerate(data.queries(domain.name)):
            candidates[q.id] = [
                Candidate(q.id, q.text, f"{domain.name}-{(n + r) % len(pool)}",
                          pool[(n + r) % len(pool)], r + 1)
                for r in range(docs_per_query)
            ]  # fmt: skip
    return by_domain
