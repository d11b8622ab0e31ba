"""Helpers the generative baselines share: getting a generation backend from a name, and
describing one for a reranker's config.

A baseline takes either a `GenerationBackend` object (tests pass a fake one) or a backend name
(`transformers`, `vllm`, `openai`) with a model id; the name is looked up among the backend
modules in `bright_eval.rerank.backends`, so a backend added there needs no edit here.
"""

from __future__ import annotations

import importlib
import pkgutil

from bright_eval.rerank.backends.base import GenerationBackend


class UnknownBackendError(ValueError):
    pass


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


def backend_classes() -> dict[str, type[GenerationBackend]]:
    """Every importable backend class by name. A backend whose library is missing (vllm on
    a CPU machine) is skipped here and named in the error when it is asked for."""
    import bright_eval.rerank.backends as package

    for info in pkgutil.iter_modules(package.__path__):
        try:
            importlib.import_module(f"{package.__name__}.{info.name}")
        except ImportError:
            continue
    return {c.name: c for c in _all_subclasses(GenerationBackend) if c.name}


def make_backend(
    backend: GenerationBackend | str,
    model: str,
    revision: str | None = None,
    adapter: str | None = None,
    **options,
) -> GenerationBackend:
    if isinstance(backend, GenerationBackend):
        return backend
    classes = backend_classes()
    if backend not in classes:
        valid = ", ".join(sorted(classes)) or "none installed"
        raise UnknownBackendError(f"unknown generation backend {backend!r}; valid: {valid}")
    return classes[backend](model, adapter=adapter, revision=revision, **options)
