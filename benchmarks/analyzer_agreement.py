"""How often the pure-Python analyzer agrees with Lucene's own, on real BRIGHT text.

    python benchmarks/analyzer_agreement.py [--shared ../shared] [--files GLOB --sample N]

Text: every `query`, `reasoning` and `gold_answer` of the 12 domains' examples (prose, code,
LaTeX, URLs); `--files` adds other text files (e.g. a Python installation's .py/.md/.html, a
stand-in for web pages and code, which BRIGHT's corpora are and which are not available offline).
Lucene: Anserini's DefaultEnglishAnalyzer through the pyserini 1.6.0 jar.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bright_eval.retrieval.analyzer import PythonAnalyzer  # noqa: E402
from bright_eval.retrieval.lucene import LuceneAnalyzer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default=str(REPO.parent / "shared"))
    parser.add_argument("--files", help="also analyse files matching this glob (recursive)")
    parser.add_argument("--sample", type=int, default=1500, help="files sampled from --files")
    args = parser.parse_args()
    texts = []
    for f in sorted((Path(args.shared) / "bright" / "examples").glob("*.parquet")):
        table = pq.read_table(f)
        for column in ("query", "reasoning", "gold_answer"):
            texts += [t for t in table.column(column).to_pylist() if t and t != "N/A"]
    if args.files:
        import glob
        import random

        paths = sorted(glob.glob(args.files, recursive=True))
        random.Random(0).shuffle(paths)
        for path in paths[: args.sample]:
            try:
                texts.append(Path(path).read_text(encoding="utf-8")[:20_000])
            except (UnicodeDecodeError, OSError):
                continue
    python, lucene = PythonAnalyzer(), LuceneAnalyzer()
    t = time.perf_counter()
    ours = [python.analyze(x) for x in texts]
    t_python = time.perf_counter() - t
    t = time.perf_counter()
    theirs = [lucene.analyze(x) for x in texts]
    t_lucene = time.perf_counter() - t
    agree, diffs = 0, Counter()
    for a, b in zip(ours, theirs, strict=True):
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if tag == "equal":
                agree += i2 - i1
            else:
                diffs[(" ".join(a[i1:i2]), " ".join(b[j1:j2]))] += 1
    n_lucene = sum(map(len, theirs))
    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    print(f"{len(texts):,} texts, {sum(map(len, texts)):,} characters")
    print(f"identical token lists: {same:,} of {len(texts):,} texts ({same / len(texts):.4%})")
    print(f"tokens: Lucene {n_lucene:,}, Python {sum(map(len, ours)):,}; "
          f"in agreement {agree:,} ({agree / n_lucene:.4%} of Lucene's)")  # fmt: skip
    print(f"time: Python {t_python:.1f} s, Lucene (through pyjnius) {t_lucene:.1f} s")
    for (a, b), n in diffs.most_common(20):
        print(f"  {n:4d}x python {a!r} vs lucene {b!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
