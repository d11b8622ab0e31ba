"""The authors' `train.jsonl`: one question per line, the pages its answers link to, an optional
negative page from another question, and (after annotation) labels, explanations and queries.

    {"id": "...", "question": {"title": "...", "body": "...", "tags": [...]},
     "links": [{"url": "...", "text": "...", "label": 2, "explanation": "..."}],
     "other_document": {"url": "...", "text": "...", "label": 0, "explanation": "..."},
     "generated_queries": ["q1", "..."]}

`id`, `url` and `tags` are additions (provenance); a user's own file needs only `question`
and `links` with `text`. Records stay plain dicts, checked here on reading.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from bright_eval.atomic import atomic_write_text
from bright_eval.distill.records import DistillError

# The kinds of rows the stages write, each told apart by a key only it has, and what writes them:
# a stage given another stage's file says so in one line instead of failing on a missing key.
KINDS = {
    "questions": ("links", "collect, decontaminate or annotate"),
    "samples": ("samples", "sample"),
    "scored samples": ("candidates", "score"),
}


def row_kind(row: object) -> str | None:
    if isinstance(row, dict):
        for kind, (key, _) in KINDS.items():
            if key in row:
                return kind
    return None


def kind_text(kind: str) -> str:
    return f"{kind} (the output of distill {KINDS[kind][1]})"


def wrong_kind(where: str, row: object, wanted: str, stage: str) -> DistillError:
    found = row_kind(row)
    holds = kind_text(found) if found else "no distill rows"
    return DistillError(f"{where} holds {holds}; {stage} needs {kind_text(wanted)}")


def check_record(record: dict, where: str) -> dict:
    question = record.get("question")
    if not isinstance(question, dict) or not isinstance(question.get("title", ""), str):
        raise DistillError(f'{where}: expected "question": {{"title": ..., "body": ...}}')
    links = record.get("links")
    if not isinstance(links, list) or not all(isinstance(x, dict) and "text" in x for x in links):
        raise DistillError(f'{where}: expected "links": [{{"text": ...}}, ...]')
    other = record.get("other_document")
    if other is not None and not (isinstance(other, dict) and "text" in other):
        raise DistillError(f'{where}: "other_document" must be {{"text": ...}} or absent')
    record.setdefault("id", where.rsplit(":", 1)[-1])
    record["id"] = str(record["id"])
    return record


def numbered_rows(path: Path) -> Iterator[tuple[str, dict]]:
    """Each non-blank line's JSON with where it is (`path:line`), for one-line errors."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield f"{path}:{n}", json.loads(line)
            except json.JSONDecodeError as err:
                raise DistillError(f"{path}:{n}: not a JSON object ({err.msg})") from err


def read_trainset(path: str | Path, stage: str = "this stage") -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise DistillError(f"training file {str(path)!r} does not exist")
    records = []
    for where, record in numbered_rows(path):
        if row_kind(record) not in (None, "questions"):
            raise wrong_kind(where, record, "questions", stage)
        records.append(check_record(record, where))
    if not records:
        raise DistillError(f"{path} holds no questions: {kind_text('questions')} expected")
    ids = [r["id"] for r in records]
    if len(set(ids)) != len(ids):
        raise DistillError(f"{path}: question ids repeat; each line needs its own id")
    return records


def write_jsonl(path: str | Path, rows: Iterable[dict]) -> Path:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return atomic_write_text(path, text)


def read_jsonl(path: str | Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def read_rows(path: str | Path, kind: str, stage: str) -> list[dict]:
    """The rows of a stage's output (`samples`, `scored samples`), checked to be of `kind`
    before any work: a `stage` given another kind of file stops in one line."""
    path = Path(path)
    if not path.is_file():
        producer = KINDS[kind][1]
        raise DistillError(f"{kind} file {str(path)!r} does not exist; run distill {producer}")
    rows = []
    for where, row in numbered_rows(path):
        if row_kind(row) != kind:
            raise wrong_kind(where, row, kind, stage)
        rows.append(row)
    if not rows:
        raise DistillError(f"{path} holds no rows; {stage} needs {kind_text(kind)}")
    return rows


def pages(record: dict) -> Iterator[tuple[str, dict]]:
    """(page id within the question, page): `L0`, `L1`, ... for links, `other` for the negative."""
    for i, link in enumerate(record["links"]):
        yield f"L{i}", link
    if record.get("other_document"):
        yield "other", record["other_document"]


def select(records: list[dict], spec: str | None) -> list[dict]:
    """A `START:END` slice of the questions (the authors sample on questions 5,000-10,000)."""
    if not spec:
        return records
    try:
        start, end = (int(x) if x else None for x in spec.split(":"))
    except ValueError as err:
        raise DistillError(f"--questions {spec!r}: expected START:END, e.g. 5000:10000") from err
    return records[start:end]
