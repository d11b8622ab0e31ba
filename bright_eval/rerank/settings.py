"""A reranker's settings, derived rather than listed by hand: every public JSON-able value its
class (or a parent) declares, and every public attribute an instance sets on itself (in
`__init__`, say). They are what the cache key hashes, so a parameter cannot be forgotten; one
the key cannot hold is an error, never left out in silence. What changes no output (where the
model runs, what a test counts) is private (`_name`) or listed in the class's `not_settings`.
"""

from __future__ import annotations

import json

from bright_eval.errors import BrightEvalError

# Attributes that describe a reranker rather than change its outputs.
NOT_SETTINGS = frozenset(
    {"meta", "name", "family", "description", "model_id", "alternative_scores", "options",
     "not_settings", "valid_labels"}
)  # fmt: skip


class SettingError(BrightEvalError, ValueError):
    """A public attribute of a reranker that the cache key cannot hold."""


def json_value(value) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(json_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and json_value(v) for k, v in value.items())
    return False


def not_settings(cls: type) -> set[str]:
    """What `cls` and its parents say changes no output."""
    names = set(NOT_SETTINGS)
    for klass in cls.__mro__:
        names.update(vars(klass).get("not_settings", ()))
    return names


def declared_settings(cls: type) -> set[str]:
    """The settings `cls` or a parent declares at class level: every public JSON-able value."""
    excluded = not_settings(cls)
    return {
        n
        for klass in cls.__mro__
        for n, v in vars(klass).items()
        if not n.startswith("_") and n not in excluded and json_value(v)
    }


def class_settings(cls: type) -> dict:
    """The declared settings with their values on `cls` itself, in JSON form."""
    values = {n: getattr(cls, n) for n in declared_settings(cls)}
    return {n: json.loads(json.dumps(v)) for n, v in sorted(values.items()) if json_value(v)}


def settings_of(reranker) -> dict:
    """The declared settings and the public attributes set on `reranker`, with their values on
    it, in JSON form (tuples as lists), so a config equals what config.json reads back."""
    cls = type(reranker)
    excluded = not_settings(cls)
    names = declared_settings(cls)
    own = {n: v for n, v in vars(reranker).items() if not n.startswith("_") and n not in excluded}
    # A declared setting's value is checked too: a subclass may override it with anything.
    for n, value in {**{n: getattr(reranker, n) for n in names}, **own}.items():
        if not json_value(value):
            raise SettingError(
                f"{cls.__name__}.{n} ({type(value).__name__}) cannot go into the cache key: "
                f"make it JSON-able (str, number, bool, None, list, dict), name it _{n} if it "
                f"changes no output, or list it in {cls.__name__}.not_settings"
            )
        names.add(n)
    return {n: json.loads(json.dumps(getattr(reranker, n))) for n in sorted(names)}


def check_unchanged(reranker, key: dict, folder) -> None:
    """Refuse a reranker whose cache key moved while it ran (it set a public attribute in
    `judge`, say): its outputs sit in `folder` under the old key, so no record may name them
    with the new one."""
    now = reranker.cache_config()
    changed = sorted(n for n in key.keys() | now.keys() if key.get(n) != now.get(n))
    if changed:
        first = changed[0]
        raise SettingError(
            f"{reranker.name} changed {', '.join(changed)} while it ran, so its cache key moved; "
            f"its outputs are kept in {folder}, but no record is written: name a value that "
            f"changes no output _{first}, or list it in {type(reranker).__name__}.not_settings"
        )
