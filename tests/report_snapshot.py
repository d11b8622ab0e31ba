"""Pipeline runs for the report's tests: the snapshot domain (tests/snapshot.py) with one
document that carries HTML, two scripted rerankers whose decisions are known by construction,
and a reader of the report's pages."""

from __future__ import annotations

from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bright_eval.cli import main
from bright_eval.rerank import Judgement, ListwiseReranker, Permutation, PointwiseReranker
from bright_eval.results import load_systems, system_dir
from tests.snapshot import build_domain

HOSTILE = "<script>alert(1)</script> & </pre><b>unclosed \"quoted\" 'single'"
DOMAIN = "biology"


def snapshot(shared_bright: Path, root: Path, query_ids: list[str], docs_per_query: int):
    """The snapshot domain; the first query's second document carries HTML."""
    rows, docs = build_domain(shared_bright, root, DOMAIN, query_ids, docs_per_query)
    first = (root / f"{DOMAIN}.trec").read_text().splitlines()
    hostile_id = [line.split()[2] for line in first if line.split()[0] == query_ids[0]][1]
    docs[hostile_id] += " " + HOSTILE
    parquet = root / "documents" / f"{DOMAIN}-00000-of-00001.parquet"
    pq.write_table(
        pa.Table.from_pylist([{"id": i, "content": c} for i, c in docs.items()]), parquet
    )
    return rows, docs, hostile_id


def run(root: Path, results: Path, cache: Path, reranker: str, *extra: str) -> Path:
    """The pipeline over the snapshot; returns the reranked system's folder (named after the
    reranker)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BRIGHT_EVAL_CACHE", str(cache))
        argv = ["--reranker", reranker, *extra, "--first-stage", f"file:{root}/{{domain}}.trec",
                "--data-dir", str(root), "--domains", DOMAIN, "--results-dir", str(results),
                "--no-progress", "--system-name", reranker]  # fmt: skip
        assert main(argv) == 0
    [record] = [s for s in load_systems(results) if s.reranker and s.name == reranker]
    return system_dir(results, record.name)


class Oracle(PointwiseReranker):
    """Label 2 for gold documents of the queries in `helps`, and for the other documents of
    every other query: the gain is positive on the first, negative on the rest."""

    name = "report-test-oracle"
    gold: dict[str, set[str]] = {}
    helps: set[str] = set()

    def judge(self, candidates):
        out = []
        for c in candidates:
            good = (c.doc_id in self.gold[c.query_id]) == (c.query_id in self.helps)
            label = 2 if good else 0
            raw = f"Doc {c.doc_id} {HOSTILE}\nRelevance label: {label} ##"
            # An expected label beside the label, as ours-3b records from log-probabilities.
            scores = {"expected_label": 0.1 + 0.9 * label}
            out.append(Judgement(score=float(label), label=label, raw=raw, how_parsed="label",
                                 scores=scores))  # fmt: skip
        return out


class Reverser(ListwiseReranker):
    """Reverses each window (3 wide, stride 2); every answer also repeats an id, so the runner
    must repair it."""

    name = "report-test-reverser"
    window_size = 3
    stride = 2

    def permute(self, windows: Sequence):
        out = []
        for w in windows:
            order = list(range(len(w)))[::-1]
            broken = order + [order[0]]  # a duplicate: repaired by the runner
            raw = " > ".join(f"[{i + 1}]" for i in broken) + HOSTILE
            out.append(Permutation(broken, raw=raw))  # the runner's check counts the repair
        return out


class Page(HTMLParser):
    """What a query page shows per document, and the rows of any table, as plain text."""

    def __init__(self, html: str):
        super().__init__()
        self.docs: dict[str, dict[str, str]] = {}  # doc id -> {"explanation": ..., "text": ...}
        self.doc_order: list[str] = []
        self.rows: list[dict] = []  # each <tr>: {"attrs": ..., "cells": [{"attrs", "text"}]}
        self.scripts: list[dict] = []
        self.pre_texts: list[str] = []
        self._doc = None
        self._pre = None
        self._cell = None
        self._tables = 0
        self.lists: list[list[str]] = []  # window input / output lists
        self._in_list = False
        self._code = None
        self._buffer: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        if tag == "li" and "doc" in (attrs.get("class") or "").split():
            self._doc = attrs["data-doc"]
            self.doc_order.append(self._doc)
            self.docs[self._doc] = {}
        if tag == "pre":
            self._pre, self._buffer = (attrs.get("class") or ""), []
        if tag == "ol" and "docs" not in (attrs.get("class") or ""):
            self.lists.append([])
            self._in_list = True
        if tag == "code" and self._in_list:
            self._code = ""
        if tag == "table":
            self._tables += 1
        if tag == "tr":
            self.rows.append({"attrs": attrs, "cells": [], "table": self._tables})
        if tag in ("td", "th") and self.rows:
            self._cell = {"attrs": attrs, "text": ""}
            self.rows[-1]["cells"].append(self._cell)

    def handle_data(self, data):
        if self._code is not None:
            self._code += data
        if self._pre is not None:
            self._buffer.append(data)
        if self._cell is not None:
            self._cell["text"] += data

    def handle_endtag(self, tag):
        if tag == "pre" and self._pre is not None:
            text = "".join(self._buffer)
            self.pre_texts.append(text)
            if self._doc is not None:
                key = {"explanation": "explanation", "text": "text"}.get(self._pre)
                if key and key not in self.docs[self._doc]:
                    self.docs[self._doc][key] = text
            self._pre = None
        if tag == "li" and self._doc is not None:
            self._doc = None
        if tag in ("td", "th"):
            self._cell = None
        if tag == "code" and self._code is not None:
            self.lists[-1].append(self._code)
            self._code = None
        if tag == "ol":
            self._in_list = False

    def table_lists(self) -> list[list[str]]:
        """The document ids of each window's input and output lists, in page order."""
        return [ids for ids in self.lists if ids]

    def table(self, first_header: str) -> list[list[str]]:
        """Cell texts of the body rows of the table whose header starts with `first_header`."""
        rows = [r for r in self.rows if r["cells"]]
        for row in rows:
            if " ".join(row["cells"][0]["text"].split()).rstrip(" ↕▲▼") == first_header:
                body = [r for r in rows if r["table"] == row["table"]][1:]
                return [[" ".join(c["text"].split()) for c in r["cells"]] for r in body]
        raise AssertionError(f"no table headed {first_header!r}")


def read_page(path: Path) -> tuple[str, Page]:
    html = path.read_text(encoding="utf-8")
    return html, Page(html)
