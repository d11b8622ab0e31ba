"""One line of the reranker output cache, read defensively: whatever the bytes, the result is an
output or the reason it is not one, never an exception.

A line's output is checked against the dataclass it came from (`Judgement`, `Permutation`):
every field it carries must have that field's type, and the required ones must be there.
Fields the dataclass does not know (written by a newer version) are dropped, not fatal. An
output's `backend` is stored by the hash of its `backend-<hash>.json`; one the folder does not
hold reads back as unknown (None). Its
numbers must be finite (Python's json reads NaN and Infinity, which JSON cannot hold and no
score can be), and a judgement's label one of the reranker's labels when it declares them.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from functools import cache

from bright_eval.errors import BrightEvalError
from bright_eval.rerank.base import Judgement, Permutation

KINDS = {"judgement": Judgement, "permutation": Permutation}
CUT_SHORT = "cut short"
NOT_UTF8 = "not UTF-8"
NOT_JSON = "not JSON"
NOT_AN_OUTPUT = "not an output"
NOT_FINITE = "not a finite number"
OUTSIDE_LABELS = "label outside the reranker's labels"
# How every entry starts (json.dumps with its default separators): where an output written
# after a fragment by an older version (which did not cut fragments) begins.
ENTRY_START = b'{"key": '

Parsed = tuple[str | None, str | None, object | None, str | None]  # kind, key, output, problem


def parse_line(
    raw: bytes, backends: dict[str, dict] | None = None, labels: tuple[int, ...] | None = None
) -> Parsed:
    """(kind, key, output, None) for a good line; (…, problem) names why a line was skipped.
    A fragment glued to a whole entry gives both the entry and the fragment's problem.
    `labels`: the reranker's (`Reranker.valid_labels`); None takes any."""
    if not raw.endswith(b"\n"):
        return None, None, None, CUT_SHORT
    kind, key, output, problem = _parse(raw, backends or {}, labels)
    if problem is None:
        return kind, key, output, None
    start = raw.find(ENTRY_START, 1)
    while start > 0:
        kind, key, output, _ = _parse(raw[start:], backends or {}, labels)
        if output is not None:
            return kind, key, output, problem
        start = raw.find(ENTRY_START, start + 1)
    return None, None, None, problem


def _parse(raw: bytes, backends: dict[str, dict], labels: tuple[int, ...] | None) -> Parsed:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, None, None, NOT_UTF8
    try:
        entry = json.loads(text)
    except ValueError:  # JSONDecodeError, and the RecursionError-free ValueErrors of json
        return None, None, None, NOT_JSON
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        return None, None, None, NOT_AN_OUTPUT
    for kind, cls in KINDS.items():
        if kind in entry:
            fields = entry[kind]
            if isinstance(fields, dict) and isinstance(fields.get("backend"), str):
                fields = {**fields, "backend": backends.get(fields["backend"])}
            output = build(cls, fields)
            if output is None:
                break
            return kind, entry["key"], output, invalid(output, labels)
    return None, None, None, NOT_AN_OUTPUT


class InvalidOutputError(BrightEvalError, ValueError):
    """A reranker's output that cannot be stored or ranked: a number that is not finite, or a
    label the reranker does not declare (a bug in the reranker)."""


def refuse_invalid(output, labels: tuple[int, ...] | None, where: str) -> None:
    """Refuse to store what reading it back would reject (`invalid`), naming `where` it was."""
    field = not_finite(output)
    if field is not None:
        value = getattr(output, field.split(".")[0])
        raise InvalidOutputError(
            f"{where}: {field} is {value}, not a finite number; nothing was cached (the "
            "reranker must give finite scores)"
        )
    label = getattr(output, "label", None)
    if labels is not None and label is not None and label not in labels:
        raise InvalidOutputError(
            f"{where}: label {label} is not one of the reranker's labels "
            f"({', '.join(map(str, labels))}); nothing was cached"
        )


def invalid(output, labels: tuple[int, ...] | None) -> str | None:
    """Why a well-typed output still cannot be used (damage, recomputed), or None."""
    if not_finite(output) is not None:
        return NOT_FINITE
    label = getattr(output, "label", None)
    if labels is not None and label is not None and label not in labels:
        return OUTSIDE_LABELS
    return None


def not_finite(output) -> str | None:
    """The first typed field of an output (nested records included) holding a number that is
    not finite, by name; None when every one is. Free-form fields (`details`) are not numbers
    of the output: a log-probability of -inf there is a real value (see `spelled_out`)."""
    for name, hint in _field_types(type(output)).items():
        value = getattr(output, name)
        if dataclasses.is_dataclass(value):
            inner = not_finite(value)
            if inner is not None:
                return f"{name}.{inner}"
        elif hint not in (dict, object) and not all(map(math.isfinite, _floats(value))):
            return name
    return None


def _floats(value) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [x for v in value for x in _floats(v)]
    return []


def spelled_out(value):
    """A free-form value with each non-finite float written as Python's json spells it ("NaN",
    "Infinity", "-Infinity"), as a string: JSON itself cannot hold them."""
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)
    if isinstance(value, dict):
        return {k: spelled_out(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [spelled_out(v) for v in value]
    return value


def build(cls, fields: object):
    """An instance of the dataclass `cls` from a dict, or None if the dict does not fit it."""
    if not isinstance(fields, dict):
        return None
    hints = _field_types(cls)
    known = {name: value for name, value in fields.items() if name in hints}
    if not all(conforms(value, hints[name]) for name, value in known.items()):
        return None
    known = {n: build(hints[n], v) if dataclasses.is_dataclass(hints[n]) else v
             for n, v in known.items()}  # fmt: skip
    try:
        return cls(**known)
    except TypeError:  # a required field is missing
        return None


@cache
def _field_types(cls) -> dict[str, object]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def conforms(value: object, hint: object) -> bool:
    """Whether a JSON value has the type a field is annotated with (bool is not a number,
    an int is a float, containers are checked one level deep)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is list:
        (item,) = typing.get_args(hint) or (object,)
        return isinstance(value, list) and all(conforms(v, item) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    if hint is object:
        return True
    if dataclasses.is_dataclass(hint):  # a nested record (e.g. a window's RepairStats)
        return build(hint, value) is not None
    return isinstance(value, hint)
