"""Rerankers by name. A class registers itself when it defines its own `meta`; a script can
also call `register(cls)`. Other packages (the zoo among them) are found through the
`bright_eval.rerankers` entry-point group, so the core never imports any of them by name."""

from __future__ import annotations

import importlib.util
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from bright_eval.errors import BrightEvalError

if TYPE_CHECKING:
    from bright_eval.rerank.base import Reranker

ENTRY_POINTS = "bright_eval.rerankers"
REGISTRY: dict[str, type[Reranker]] = {}


class UnknownRerankerError(BrightEvalError, ValueError):
    pass


def register(cls: type[Reranker]) -> type[Reranker]:
    """Make `cls` available under `cls.meta.name`; usable as a decorator."""
    name = cls.meta.name
    if not name:
        raise UnknownRerankerError(f"{cls.__name__} has no meta.name to register under")
    known = REGISTRY.get(name)
    if known is not None and known is not cls and _origin(known) != _origin(cls):
        raise ValueError(
            f"two rerankers are named {name!r}: {_origin(known)} and {_origin(cls)}; "
            "give one of them another meta.name"
        )
    cls.name = name
    REGISTRY[name] = cls
    return cls


def _origin(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


_plugins_loaded = False


def load_plugins() -> dict[str, type[Reranker]]:
    """Import every package registered under the `bright_eval.rerankers` entry-point group."""
    global _plugins_loaded
    if not _plugins_loaded:
        _plugins_loaded = True
        for ep in entry_points(group=ENTRY_POINTS):
            ep.load()
    return REGISTRY


def load_plugin_file(path: str) -> None:
    """Import a plain script (or a module name) so that the rerankers it defines register."""
    if not path.endswith(".py"):
        importlib.import_module(path)
        return
    file = Path(path)
    if not file.is_file():
        raise UnknownRerankerError(f"--plugin {path}: no such file")
    # Imported under its own name, as `import word_overlap` would: a later import of the same
    # script then finds it loaded instead of defining its classes a second time.
    name = file.stem
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


def get_reranker_class(name: str) -> type[Reranker]:
    load_plugins()
    if name not in REGISTRY:
        raise UnknownRerankerError(
            f"unknown reranker {name!r}; valid rerankers: {', '.join(sorted(REGISTRY))}"
        )
    return REGISTRY[name]
