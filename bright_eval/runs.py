"""Run files: TREC runs and BRIGHT's score.json, read and written, format auto-detected.

A run is `{qid: {docid: score}}`, the shape pytrec_eval and BRIGHT's reference code use, and
the shape of ranx's JSON runs, which read as a score.json. ir_datasets' runs are TREC, or with
`ir_datasets export ... --format tsv` three tab-separated columns `query_id doc_id score`.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import re
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from bright_eval.atomic import atomic_write_text
from bright_eval.errors import BrightEvalError

Run = dict[str, dict[str, float]]
# BRIGHT evaluates (and its first stages retrieve) the top 1,000 documents per query.
RUN_DEPTH = 1000

# qid Q0 docid rank score tag. BRIGHT docids can contain spaces
# ("pytorch_torch_tensor_functions/Memory Management_2_0.txt"), so the docid is everything
# between the second field and the last three.
_TREC_LINE = re.compile(r"^(\S+)\s+(\S+)\s+(.+?)\s+(\S+)\s+(\S+)\s+(\S+)$")


class RunFormatError(BrightEvalError, ValueError):
    pass


# What a damaged file raises on reading: a truncated gzip stream (EOFError), bad gzip data
# (BadGzipFile is an OSError, zlib.error), bad bytes or malformed lines (ValueError: JSON and
# UTF-8 errors, RunFormatError).
DAMAGE = (EOFError, OSError, zlib.error, ValueError)


def describe(err: BaseException, path: Path | None = None) -> str:
    """`Type: message`, without the file name the message may start with (said already)."""
    text = str(err)
    if path is not None:
        text = re.sub(rf"^{re.escape(str(path))}:(\d+):", r"line \1:", text)
        text = text.removeprefix(f"{path}: ")
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _open_text(path: Path, mode: str = "rt"):
    if path.suffix == ".gz":
        return gzip.open(path, mode, encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def read_run(path: str | os.PathLike) -> Run:
    """Read a TREC run or a score.json, whichever the file holds."""
    path = Path(path)
    if not path.is_file():
        raise RunFormatError(f"run file {path} does not exist")
    try:
        with _open_text(path) as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as err:
        raise RunFormatError(f"{path}: cannot read as text ({err})") from err
    if text.lstrip().startswith("{"):
        return _parse_score_json(text, path)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if len(first.rstrip("\n").split("\t")) == 3:
        return _parse_tsv(lines, path)
    return _parse_trec(lines, path)


def _parse_tsv(lines: list[str], path: Path) -> Run:
    """`query_id<TAB>doc_id<TAB>score` lines, an optional header first; as TREC lines (the
    rank is not given and not needed: trec_eval orders by score)."""
    body = [line.split("\t") for line in lines if line.strip()]
    if body and body[0] == ["query_id", "doc_id", "score"]:
        body = body[1:]
    trec = []
    for lineno, fields in enumerate(body, 1):
        if len(fields) != 3:
            raise RunFormatError(
                f"{path}:{lineno}: expected 3 tab-separated fields 'query_id doc_id score' like "
                f"the first line, got {len(fields)}"
            )
        qid, docid, score = fields
        trec.append(f"{qid} Q0 {docid} 0 {score.strip()} tsv")
    return _parse_trec(trec, path)


def _parse_trec(lines: Iterable[str], path: Path) -> Run:
    run: Run = {}
    for lineno, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        m = _TREC_LINE.match(line)
        if m is None:
            raise RunFormatError(
                f"{path}:{lineno}: expected 6 fields 'qid Q0 docid rank score tag', got {line!r}"
            )
        qid, _, docid, rank, score, _ = m.groups()
        try:
            int(rank)
            value = float(score)
        except ValueError:
            raise RunFormatError(
                f"{path}:{lineno}: rank must be an integer and score a number, got "
                f"rank {rank!r} and score {score!r}"
            ) from None
        if math.isnan(value):
            raise RunFormatError(f"{path}:{lineno}: score is NaN")
        docs = run.setdefault(qid, {})
        if docid in docs:
            raise RunFormatError(
                f"{path}:{lineno}: document {docid!r} listed twice for query {qid}"
            )
        docs[docid] = value
    if not run:
        raise RunFormatError(f"{path}: the run is empty")
    return run


def _parse_score_json(text: str, path: Path) -> Run:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise RunFormatError(f"{path}:{err.lineno}: invalid JSON ({err.msg})") from err
    run: Run = {}
    for qid, docs in data.items():
        if not isinstance(docs, dict):
            raise RunFormatError(
                f"{path}: query {qid!r} maps to {type(docs).__name__}; a score.json maps each "
                "query id to {docid: score}"
            )
        try:
            run[str(qid)] = {str(d): float(s) for d, s in docs.items()}
        except (TypeError, ValueError):
            raise RunFormatError(f"{path}: query {qid!r} has a non-numeric score") from None
    if not run:
        raise RunFormatError(f"{path}: the run is empty")
    return run


def ranked(docs: dict[str, float]) -> list[tuple[str, float]]:
    """Documents in trec_eval's order: score descending, ties by document id descending."""
    return sorted(docs.items(), key=lambda item: (item[1], item[0]), reverse=True)


def prepare_run(
    run: Run, excluded_ids: Mapping[str, frozenset[str] | set[str]] | None, depth: int = RUN_DEPTH
) -> Run:
    """Remove each query's excluded ids from its ranking, then keep its top `depth`.

    Removal, not relevance 0: excluded documents must not occupy ranks. The cut follows
    trec_eval's order (score descending, ties by document id descending), so the documents
    kept are the ones trec_eval would rank first.
    """
    excluded_ids = excluded_ids or {}
    prepared: Run = {}
    for qid, docs in run.items():
        banned = excluded_ids.get(qid, frozenset())
        kept = [(d, s) for d, s in ranked(docs) if d not in banned][:depth]
        prepared[qid] = dict(kept)
    return prepared


def write_trec(run: Run, path: str | os.PathLike, tag: str = "bright_eval") -> Path:
    """Write a TREC run (gzip when the name ends in .gz), atomically."""
    path = Path(path)
    lines = []
    for qid, docs in run.items():
        for rank, (docid, score) in enumerate(ranked(docs), 1):
            lines.append(f"{qid} Q0 {docid} {rank} {score!r} {tag}\n")
    return atomic_write_text(path, "".join(lines))


def write_score_json(run: Run, path: str | os.PathLike) -> Path:
    return atomic_write_text(path, json.dumps(run, indent=1))


def domain_path(template: str, domain: str) -> Path:
    """Fill a path template such as 'runs/{domain}.trec.gz' for one domain."""
    if "{domain}" not in template:
        raise RunFormatError(
            f"run path {template!r} has no '{{domain}}' placeholder; "
            "use e.g. 'runs/{domain}.trec.gz'"
        )
    return Path(template.replace("{domain}", domain))
