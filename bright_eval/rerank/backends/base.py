"""The generation interface every backend (vLLM, transformers, OpenAI-compatible) implements.

A prompt is either raw text or a chat conversation (a list of {"role", "content"} messages);
local backends render conversations with the tokenizer's chat template, the OpenAI backend
sends them to the chat endpoint.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from bright_eval.errors import BrightEvalError
from bright_eval.provenance import compute_device

Message = dict[str, str]
Prompt = str | list[Message]
ADAPTER_CONFIG = "adapter_config.json"  # what makes a folder a PEFT adapter
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")  # owner/name


@dataclass(frozen=True)
class GenerationParams:
    max_new_tokens: int = 1024
    temperature: float = 0.0  # 0 means greedy
    top_p: float = 1.0  # nucleus sampling; applies only when temperature > 0
    stop: tuple[str, ...] = ()
    top_logprobs: int = 0  # how many alternatives to return per generated token
    seed: int = 0


@dataclass
class Generation:
    text: str  # without the stop string
    prompt_tokens: int = 0
    generated_tokens: int = 0
    finish_reason: str = ""  # "stop" or "length"
    # Per generated token: {token text: log-probability} for the top alternatives.
    token_logprobs: list[dict[str, float]] | None = None
    tokens: list[str] = field(default_factory=list)
    # This output's share of the model's time: a streaming backend measures it per request,
    # a batched one splits a batch's wall time evenly over its rows.
    model_seconds: float = 0.0


class GenerationBackend(ABC):
    name: ClassVar[str] = ""
    # True where generate_stream also serves prompts appended to its list while it runs.
    takes_more_prompts: ClassVar[bool] = False

    def __init__(
        self,
        model: str,
        adapter: str | None = None,
        revision: str | None = None,
        chat_template_kwargs: dict | None = None,
    ):
        self.model = model
        self.adapter = adapter
        self.revision = revision
        # Extra variables for the chat template, e.g. Llama 3's `date_string`, which would
        # otherwise be today's date and change the prompt from one day to the next.
        self.chat_template_kwargs = dict(chat_template_kwargs or {})

    @abstractmethod
    def generate(self, prompts: Sequence[Prompt], params: GenerationParams) -> list[Generation]:
        """One generation per prompt, in order; the backend batches as it sees fit."""

    def generate_stream(
        self, prompts: Sequence[Prompt], params: GenerationParams
    ) -> Iterator[tuple[int, Generation]]:
        """(index into prompts, generation) as each finishes, in any order. This fallback
        yields them all once `generate` returns; streaming backends override it."""
        yield from enumerate(timed(self.generate, prompts, params))

    @property
    def streams(self) -> bool:
        """Whether outputs come as they finish: the backend has its own generate_stream."""
        return type(self).generate_stream is not GenerationBackend.generate_stream

    def hardware(self) -> str:
        """What runs the model, for the cost each output records."""
        return compute_device()

    @abstractmethod
    def next_token_logprobs(
        self, prompts: Sequence[Prompt], tokens: Sequence[str]
    ) -> list[dict[str, float]]:
        """Log-probability of each of `tokens` as the next token after each prompt."""

    def render(self, prompt: Prompt) -> str:
        """The exact text the model receives for a prompt (chat template applied)."""
        if isinstance(prompt, str):
            return prompt
        raise NotImplementedError(f"{self.name} does not render chat prompts locally")

    def describe(self) -> dict:
        """Provenance: backend, model, adapter, revision, library versions."""
        return {
            "backend": self.name,
            "model": self.model,
            "adapter": self.adapter,
            "revision": self.revision,
            "chat_template_kwargs": self.chat_template_kwargs,
        }


def timed(generate, prompts: Sequence, params: GenerationParams) -> list[Generation]:
    """`generate(prompts, params)`, each output given an even share of the call's wall time."""
    start = time.perf_counter()
    generations = generate(prompts, params)
    share = (time.perf_counter() - start) / max(1, len(generations))
    for g in generations:
        g.model_seconds = g.model_seconds or share
    return generations


def cut_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """Text up to the earliest stop string (which is dropped), and whether one was found."""
    cut = min((i for i in (text.find(s) for s in stop) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def library_versions(*names: str) -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str | None] = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


class ModelLoadError(BrightEvalError, ValueError):
    pass


def check_adapter(adapter: str, backend: str) -> None:
    """Before any work: a LoRA adapter that a local backend loads is a folder holding
    adapter_config.json, or a Hub id (owner/name). A server (`openai`) serves an adapter under
    a model name of its own, so any name goes there."""
    if backend == "openai":
        return
    path = Path(adapter)
    if (path / ADAPTER_CONFIG).is_file():
        return
    if path.exists():
        what = "a file" if path.is_file() else f"a folder without {ADAPTER_CONFIG}"
    elif HUB_ID.fullmatch(adapter):
        return  # the backend fetches it from the Hub
    else:
        what = "neither a folder nor a Hub id"
    raise ModelLoadError(
        f"--adapter {adapter!r} is {what}: give a PEFT LoRA adapter's folder (it holds "
        f"{ADAPTER_CONFIG}) or its Hub id owner/name"
    )


# peft raises ValueError for an adapter it cannot find (locally or on the Hub) or that does not
# fit the model.
ADAPTER_ERRORS = (OSError, ValueError)


@contextmanager
def loading(what: str, name: str | None, errors: tuple[type[Exception], ...] = (OSError,)):
    """Turn a failed weight or tokenizer load (transformers and huggingface_hub raise OSError,
    after printing their retries) into one line naming what could not be loaded."""
    try:
        yield
    except errors as err:
        lines = str(err).strip().splitlines()
        raise ModelLoadError(
            f"cannot load the {what} {name!r}: give a local folder or a Hub id reachable from "
            f"here ({lines[0] if lines else type(err).__name__})"
        ) from err
