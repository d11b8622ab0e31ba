"""Generation backends behind one interface; `get_backend` picks one by name or automatically."""

from __future__ import annotations

import importlib.util
import inspect

from bright_eval.errors import BrightEvalError
from bright_eval.rerank.backends.base import (
    Generation,
    GenerationBackend,
    GenerationParams,
    Prompt,
)
from bright_eval.rerank.meta import OPTION_FLAGS

BACKENDS = ("vllm", "transformers", "openai")
AUTO = "auto"


class UnknownBackendError(BrightEvalError, ValueError):
    pass


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def resolve_backend_name(name: str) -> str:
    """`auto` is vLLM where it is installed and a GPU is present, else transformers."""
    if name == AUTO:
        has_vllm = importlib.util.find_spec("vllm") is not None
        return "vllm" if has_vllm and cuda_available() else "transformers"
    if name not in BACKENDS:
        raise UnknownBackendError(
            f"unknown backend {name!r}; valid backends: {AUTO}, {', '.join(BACKENDS)}"
        )
    return name


def get_backend(
    name: str,
    model: str,
    adapter: str | None = None,
    revision: str | None = None,
    chat_template_kwargs: dict | None = None,
    **options,
) -> GenerationBackend:
    """`options`: the backend's own settings (`--backend-option`), checked against it."""
    name = resolve_backend_name(name)
    if name == "vllm":
        from bright_eval.rerank.backends.vllm_backend import VllmBackend as cls
    elif name == "transformers":
        from bright_eval.rerank.backends.hf import TransformersBackend as cls
    else:
        from bright_eval.rerank.backends.openai_backend import OpenAIBackend as cls
    check_options(name, cls, options)
    return cls(
        model,
        adapter=adapter,
        revision=revision,
        chat_template_kwargs=chat_template_kwargs,
        **options,
    )


# Set by the run itself, so a backend option of the same name would be given twice.
RESERVED = {
    **{option: OPTION_FLAGS[option] for option in ("model", "adapter", "revision")},
    "chat_template_kwargs": "the reranker's chat_template_kwargs (part of its prompt version)",
}


def check_reserved(options: dict) -> None:
    """A backend option that the run sets itself is a one-line error, not a TypeError."""
    for key in options:
        if key in RESERVED:
            raise UnknownBackendError(
                f"backend option {key!r} is not a backend option: it is set by {RESERVED[key]}"
            )


def check_options(name: str, cls: type, options: dict) -> None:
    """An option the backend has no parameter for is a one-line error, not a TypeError deep
    inside (vLLM's backend passes any engine argument on, so vLLM judges those)."""
    parameters = inspect.signature(cls.__init__).parameters
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return
    known = [p for p in parameters if p != "self" and p not in RESERVED]
    for key in options:
        if key not in known:
            raise UnknownBackendError(
                f"the {name} backend has no option {key!r}; its options: {', '.join(known)}"
            )


__all__ = [
    "AUTO",
    "BACKENDS",
    "Generation",
    "GenerationBackend",
    "GenerationParams",
    "Prompt",
    "UnknownBackendError",
    "check_reserved",
    "get_backend",
    "resolve_backend_name",
]
