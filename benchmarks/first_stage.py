"""bm25 against the reference recipe (gensim), same process, same tokens, leetcode's size.

    python benchmarks/first_stage.py [--docs 413932] [--mean-length 200] [--shared ../shared]

The corpus is synthetic but made of real text: windows of BRIGHT's own queries, reasoning and
answers (analysed with the Python analyzer), with lengths drawn from a log-normal law, plus a
long Zipf tail of rare identifier-like terms as code corpora have. The queries are leetcode's 142
real queries with their real excluded ids mapped onto the corpus. Both sides get the same token
lists; analysis is not timed (it is the same for both). Peak memory is the peak resident set
size above the phase's starting point, sampled every 5 ms; ours runs first, so any memory it
freed but kept is reused by the reference, which can only make the reference look smaller.
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bright_eval.retrieval.analyzer import PythonAnalyzer  # noqa: E402
from bright_eval.retrieval.bm25 import BM25Index, positions_of  # noqa: E402


class PeakRSS:
    """Peak resident memory above the level at entry, sampled in a thread."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.process = psutil.Process()

    def __enter__(self):
        gc.collect()
        self.start = self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.interval)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def gib(self) -> float:
        return (self.peak - self.start) / 2**30


def make_corpus(shared: Path, n_docs: int, mean_length: float, seed: int = 0):
    analyzer = PythonAnalyzer()
    pool: list[str] = []
    for f in sorted((shared / "bright" / "examples").glob("*.parquet")):
        table = pq.read_table(f)
        for column in ("query", "reasoning", "gold_answer"):
            for text in table.column(column).to_pylist():
                if text and text != "N/A":
                    pool += analyzer.analyze(text)
    rng = np.random.default_rng(seed)
    sigma = 1.0
    lengths = rng.lognormal(np.log(mean_length) - sigma**2 / 2, sigma, n_docs).astype(int)
    lengths = np.clip(lengths, 0, 20_000)
    lengths[rng.random(n_docs) < 0.02] = 0  # BRIGHT corpora have empty documents
    starts = rng.integers(0, len(pool), n_docs)
    rare = rng.zipf(1.1, size=(n_docs, 5))
    doubled = pool + pool  # windows that run past the end wrap around
    docs = []
    for n, s, r in zip(lengths.tolist(), starts.tolist(), rare.tolist(), strict=True):
        if n == 0:
            docs.append([])
            continue
        docs.append(doubled[s : s + n] + [f"id{x}" for x in r])
    table = pq.read_table(shared / "bright" / "examples" / "leetcode-00000-of-00001.parquet")
    queries = [analyzer.analyze(t) for t in table.column("query").to_pylist()]
    excluded = table.column("excluded_ids").to_pylist()
    return docs, queries, excluded, len(pool)


def ours(docs, doc_ids, queries, excluded, depth=1000):
    index = BM25Index(docs)
    built = time.perf_counter()
    position = {d: i for i, d in enumerate(doc_ids)}
    run = []
    for tokens, banned in zip(queries, excluded, strict=True):
        chosen, scores = index.search(tokens, depth, positions_of(position, banned))
        run.append([(doc_ids[i], float(s)) for i, s in zip(chosen.tolist(), scores, strict=True)])
    return run, built, len(index.terms)


def reference(docs, doc_ids, queries, excluded, depth=1000):
    """`retrieval_bm25` of xlang-ai/BRIGHT, from analysed tokens on."""
    from gensim.corpora import Dictionary
    from gensim.models import LuceneBM25Model
    from gensim.similarities import SparseMatrixSimilarity

    dictionary = Dictionary(docs)
    model = LuceneBM25Model(dictionary=dictionary, k1=0.9, b=0.4)
    bm25_corpus = model[list(map(dictionary.doc2bow, docs))]
    index = SparseMatrixSimilarity(
        bm25_corpus,
        num_docs=len(docs),
        num_terms=len(dictionary),
        normalize_queries=False,
        normalize_documents=False,
    )
    built = time.perf_counter()
    run = []
    for tokens, banned in zip(queries, excluded, strict=True):
        similarities = index[model[dictionary.doc2bow(tokens)]].tolist()
        scores = dict(zip(doc_ids, similarities, strict=True))
        for did in set(banned):
            if did != "N/A":
                scores.pop(did, None)
        run.append(sorted(scores.items(), key=lambda x: x[1], reverse=True)[:depth])
    return run, built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=413_932, help="corpus size (leetcode's)")
    parser.add_argument("--mean-length", type=float, default=200, help="mean analysed tokens")
    parser.add_argument("--shared", default=str(REPO.parent / "shared"))
    parser.add_argument("--skip-reference", action="store_true")
    args = parser.parse_args()

    t = time.perf_counter()
    docs, queries, excluded, pool = make_corpus(Path(args.shared), args.docs, args.mean_length)
    # Leetcode's ids; the real excluded ids then name real documents of this corpus.
    doc_ids = [f"leetcode/leetcode_{i}.txt" for i in range(len(docs))]
    n_tokens = sum(map(len, docs))
    print(
        f"corpus: {len(docs):,} documents, {n_tokens:,} tokens "
        f"(mean {n_tokens / len(docs):.0f}), from a pool of {pool:,} real analysed tokens; "
        f"{len(queries)} leetcode queries; built in {time.perf_counter() - t:.1f} s"
    )

    with PeakRSS() as mem:
        t0 = time.perf_counter()
        our_run, built, n_terms = ours(docs, doc_ids, queries, excluded)
        t1 = time.perf_counter()
    our_time, our_index, our_mem = t1 - t0, built - t0, mem.gib
    print(
        f"ours (bm25):         {our_time:7.1f} s  (index {our_index:.1f} s, "
        f"{len(queries)} queries {t1 - built:.1f} s), peak +{our_mem:.2f} GiB, "
        f"{n_terms:,} terms"
    )
    if args.skip_reference:
        return 0
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        ref_run, built = reference(docs, doc_ids, queries, excluded)
        t1 = time.perf_counter()
    ref_time = t1 - t0
    print(
        f"reference (gensim):  {ref_time:7.1f} s  (index {built - t0:.1f} s, "
        f"{len(queries)} queries {t1 - built:.1f} s), peak +{mem.gib:.2f} GiB"
    )
    same = sum(a == b for a, b in zip(our_run, ref_run, strict=True))
    print(f"speed-up: {ref_time / our_time:.1f}x; memory: {mem.gib / max(our_mem, 1e-9):.1f}x less")
    print(f"identical top-1000 rankings (ids and scores): {same} of {len(queries)} queries")
    return 0 if same == len(queries) else 1


if __name__ == "__main__":
    raise SystemExit(main())
