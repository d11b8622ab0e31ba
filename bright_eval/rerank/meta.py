"""What a reranker is, as data (MTEB's ModelMeta idea): one record per reranker that `list`,
the zoo table (docs/zoo.md) and the option check read, without instantiating anything."""

from __future__ import annotations

from dataclasses import dataclass

from bright_eval.errors import BrightEvalError

# RerankerOptions field -> the command-line flag that sets it (for error messages).
OPTION_FLAGS = {
    "model": "--model",
    "adapter": "--adapter",
    "revision": "--model-revision",
    "backend": "--backend",
    "max_new_tokens": "--max-new-tokens",
    "backend_options": "--base-url / --backend-option",
}
GENERATIVE = frozenset(OPTION_FLAGS)  # everything a generation backend can honour
LOCAL_MODEL = frozenset({"model", "revision"})  # rerankers that load their own weights


class UnsupportedOptionError(BrightEvalError, ValueError):
    """An option this reranker cannot honour (dropping it would mislabel the results)."""


@dataclass(frozen=True)
class RerankerMeta:
    name: str
    description: str = ""
    model_id: str | None = None  # the default model (a Hugging Face id); None: pass --model
    accepts: frozenset[str] = frozenset()  # RerankerOptions fields this reranker honours
    alternative_scores: tuple[str, ...] = ()  # finer scores reported beside the main one
    citation: str = ""  # the publication or repository the reranker comes from
    published: str = ""  # a published BRIGHT number, with its source and first stage
    notes: str = ""  # what differs from the published setup, if anything
