"""End to end, text in and top-1,000 out: our `bm25`, plain Lucene BM25, the reference recipe.

    python benchmarks/first_stage.py [--docs 413932] [--mean-words 200] [--shared ../shared]

One corpus of leetcode's size, written as a local BRIGHT snapshot (`documents/leetcode`), and
leetcode's 142 real queries with their real excluded ids; all three read the texts from it and
run every query, analysis included:

- ours: `bm25-python` exactly as `retrieve` runs it (pure-Python analysis on every core, the
  index built while the texts are analysed, the reference's scores);
- Lucene: `bm25-lucene` (Anserini's SimpleIndexer and SimpleSearcher, 2 indexing threads here);
- the reference: xlang-ai/BRIGHT's `retrieval_bm25`, i.e. pyserini's Lucene analyzer on each
  text, then gensim's Dictionary, LuceneBM25Model and SparseMatrixSimilarity.

The texts are real: BRIGHT's queries, reasoning and answers, then the Python sources of the
interpreter running this (`source_texts`), cut into consecutive windows of log-normal word
counts. The JVM is started before any timing. Peak memory is the
peak resident set size of this process and its children (our analysis workers) above the
phase's start, sampled every 5 ms. For ours it also prints the CPU seconds of this process and
of the analysis workers, and the index's build and search seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.peak_memory import PeakRSS  # noqa: E402
from bright_eval.data import BrightData  # noqa: E402
from bright_eval.provenance import usable_cores  # noqa: E402
from bright_eval.retrieval.bm25 import iter_column  # noqa: E402
from bright_eval.retrieval.lexical import BM25Python  # noqa: E402
from bright_eval.retrieval.lucene_bm25 import LuceneBM25  # noqa: E402

DOMAIN = "leetcode"
SOURCE_SUFFIXES = {".py", ".pyi", ".c", ".h", ".cpp", ".txt", ".md", ".rst", ".html"}


def source_texts(shared: Path) -> Iterator[str]:
    """Real text: BRIGHT's queries, reasoning and answers, then the ASCII sources and
    documentation of this interpreter's standard library and installed packages (code and its
    prose, much as leetcode's documents are), in a fixed order."""
    for f in sorted((shared / "bright" / "examples").glob("*.parquet")):
        table = pq.read_table(f)
        for column in ("query", "reasoning", "gold_answer"):
            yield from (t for t in table.column(column).to_pylist() if t and t != "N/A")
    roots = sorted({sysconfig.get_paths()[k] for k in ("stdlib", "purelib")})
    for root in roots:
        files = (p for p in Path(root).rglob("*") if p.suffix in SOURCE_SUFFIXES)
        for path in sorted(files):
            try:
                text = path.read_text(encoding="ascii")
            except (UnicodeDecodeError, OSError):
                continue  # non-ASCII: the two analyzers may differ on rare scripts
            yield text


def write_corpus(shared: Path, folder: Path, n_docs: int, mean_words: float, seed: int = 0):
    """A local snapshot with `documents/leetcode` (made here) and `examples/leetcode` (real).

    Documents are consecutive windows of the source texts' words (log-normal counts), so no
    text repeats until the sources run out (then they start over; the repeats are counted)."""
    rng = np.random.default_rng(seed)
    sigma = 1.0
    lengths = rng.lognormal(np.log(mean_words) - sigma**2 / 2, sigma, n_docs).astype(int)
    lengths = np.clip(lengths, 0, 30_000)
    lengths[rng.random(n_docs) < 0.02] = 0  # BRIGHT corpora have empty documents
    passes = [0]

    def words():
        while True:
            passes[0] += 1
            for text in source_texts(shared):
                yield from text.split()

    stream = words()
    (folder / "documents").mkdir(parents=True)
    (folder / "examples").mkdir()
    path = folder / "documents" / f"{DOMAIN}-00000-of-00001.parquet"
    schema = pa.schema([("id", pa.string()), ("content", pa.string())])
    size = 0
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, n_docs, 10_000):
            part = lengths[start : start + 10_000].tolist()
            texts = [" ".join(islice(stream, n)) for n in part]
            size += sum(len(t.encode()) for t in texts)
            ids = [f"leetcode/leetcode_{i}.txt" for i in range(start, start + len(part))]
            writer.write_table(pa.table({"id": ids, "content": texts}, schema=schema))
    examples = shared / "bright" / "examples" / f"{DOMAIN}-00000-of-00001.parquet"
    (folder / "examples" / examples.name).symlink_to(examples.resolve())
    return size, int(lengths.sum()), passes[0]


def reference(data: BrightData, queries, depth: int = 1000):
    """`retrieval_bm25` of xlang-ai/BRIGHT: pyserini's analyzer, then gensim."""
    from gensim.corpora import Dictionary
    from gensim.models import LuceneBM25Model
    from gensim.similarities import SparseMatrixSimilarity

    from bright_eval.retrieval.lucene import LuceneAnalyzer

    analyzer = LuceneAnalyzer()
    docs = data.documents(DOMAIN)
    doc_ids = list(iter_column(docs, "id"))
    corpus = [analyzer.analyze(x) for x in iter_column(docs, "content")]
    dictionary = Dictionary(corpus)
    model = LuceneBM25Model(dictionary=dictionary, k1=0.9, b=0.4)
    bm25_corpus = model[list(map(dictionary.doc2bow, corpus))]
    index = SparseMatrixSimilarity(
        bm25_corpus,
        num_docs=len(corpus),
        num_terms=len(dictionary),
        normalize_queries=False,
        normalize_documents=False,
    )
    run = {}
    for q in queries:
        query = analyzer.analyze(q.text)
        similarities = index[model[dictionary.doc2bow(query)]].tolist()
        scores = dict(zip(doc_ids, similarities, strict=True))
        for did in q.excluded_ids:
            scores.pop(did, None)
        run[q.id] = dict(sorted(scores.items(), key=lambda x: x[1], reverse=True)[:depth])
    return run


def cpu_seconds() -> tuple[float, float]:
    """User + system CPU of this process, and of its ended children (the pool's workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def timed(name: str, work):
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        run = work()
        seconds = time.perf_counter() - t0
    print(f"{name:<34} {seconds:7.1f} s   peak +{mem.gib:5.2f} GiB", flush=True)
    return run, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=413_932, help="corpus size (leetcode's)")
    parser.add_argument("--mean-words", type=float, default=200, help="mean words per document")
    parser.add_argument("--shared", default=str(REPO.parent / "shared"))
    parser.add_argument("--skip-reference", action="store_true", help="ours and Lucene only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bright_eval_bench_") as tmp:
        os.environ["HF_DATASETS_CACHE"] = str(Path(tmp) / "hf")
        t = time.perf_counter()
        size, n_words, passes = write_corpus(
            Path(args.shared), Path(tmp) / "data", args.docs, args.mean_words
        )
        data = BrightData.from_options(str(Path(tmp) / "data"))
        docs = data.documents(DOMAIN)  # converted to Arrow once, outside the timings
        queries = data.queries(DOMAIN)
        print(
            f"corpus: {len(docs):,} documents, {size / 1e6:,.0f} MB of text, {n_words:,} words "
            f"(sources read {passes} time(s)); {len(queries)} leetcode queries; "
            f"{usable_cores()} cores; made in "
            f"{time.perf_counter() - t:.0f} s",
            flush=True,
        )
        del docs
        from bright_eval.retrieval.lucene import jvm

        jvm()  # the JVM starts once, outside the timings
        retriever = BM25Python()
        before = cpu_seconds()
        ours, ours_s = timed(
            "ours (bm25-python)", lambda: retriever.retrieve(data, DOMAIN, queries)
        )
        main_cpu, workers_cpu = (after - b for after, b in zip(cpu_seconds(), before, strict=True))
        print(f"  ours' CPU: this process {main_cpu:.1f} s, analysis workers {workers_cpu:.1f} s "
              "in all")  # fmt: skip
        _, lucene_s = timed(
            "Lucene (bm25-lucene, Anserini)", lambda: LuceneBM25().retrieve(data, DOMAIN, queries)
        )
        print(f"  ours' index: {retriever.index_stats}")
        print(f"ours / Lucene: {ours_s / lucene_s:.2f} of Lucene's time", flush=True)
        if args.skip_reference:
            return 0
        ref, ref_s = timed(
            "reference (pyserini analyzer + gensim)", lambda: reference(data, queries)
        )
    print(f"speed-up over the reference: {ref_s / ours_s:.1f}x")
    same = sum(list(ours[q].items()) == list(ref[q].items()) for q in ref)
    print(
        f"identical top-1000 rankings, ours and the reference (ids, scores): {same} of {len(ref)}"
    )
    return 0 if same == len(ref) else 1


if __name__ == "__main__":
    raise SystemExit(main())
