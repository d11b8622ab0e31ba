"""Shared plumbing for rerankers that generate text with a `GenerationBackend`.

The backend is created on first use, so a run whose outputs are all cached never loads model
weights (building it loads the tokenizer only). The configuration names the model, adapter,
revision, what their weights are (a local folder's content hash, a Hub id's resolved commit),
resolved backend and a hash of the chat template as rendered (a template that injects
a default system prompt or today's date changes what the model sees, so it must change the cache
key too); the cache key leaves out the backend where the outputs do not depend on it.
"""

from __future__ import annotations

import json

from bright_eval.errors import BrightEvalError
from bright_eval.rerank.backends import check_reserved, get_backend, resolve_backend_name
from bright_eval.rerank.backends.base import GenerationBackend
from bright_eval.rerank.base import RerankerOptions
from bright_eval.rerank.cache import text_hash
from bright_eval.rerank.parameters import parameter_count
from bright_eval.rerank.weights import identity

TEMPLATE_PROBE = [{"role": "user", "content": "{probe}"}]
# Render prompts with the model's own tokenizer and chat template and feed the model the same
# token ids: under greedy decoding they give the same outputs (docs/reranking.md).
LOCAL_BACKENDS = ("transformers", "vllm")


class MissingModelError(BrightEvalError, ValueError):
    pass


class GenerativeMixin:
    options: RerankerOptions
    chat_template_kwargs: dict = {}
    default_max_new_tokens: int = 1024  # each reranker's published setting
    # A LoRA adapter the published model is (Rank-R1's over Qwen2.5-Instruct); --adapter
    # replaces it. The key holds the adapter in use ("adapter"), not this default.
    default_adapter: str | None = None
    not_settings = frozenset({"default_adapter"})

    @property
    def max_new_tokens(self) -> int:
        return self.options.max_new_tokens or self.default_max_new_tokens

    def model_name(self) -> str:
        model = self.options.model or self.meta.model_id
        if model is None:
            raise MissingModelError(f"{self.name}: no model given; pass --model")
        return model

    def adapter_name(self) -> str | None:
        # The default adapter belongs to the default model: another --model goes without it.
        other_model = self.options.model not in (None, self.meta.model_id)
        if self.options.adapter or other_model:
            return self.options.adapter
        return self.default_adapter

    @property
    def backend_name(self) -> str:
        return resolve_backend_name(self.options.backend)

    @property
    def backend(self) -> GenerationBackend:
        if getattr(self, "_backend", None) is None:
            check_reserved(self.options.backend_options)
            self._backend = get_backend(
                self.backend_name,
                self.model_name(),
                adapter=self.adapter_name(),
                revision=self.options.revision,
                chat_template_kwargs=self.chat_template_kwargs,
                **self.options.backend_options,
            )
        return self._backend

    @backend.setter
    def backend(self, backend: GenerationBackend) -> None:
        self._backend = backend

    def streaming_backend(self) -> GenerationBackend | None:
        """The backend where it streams (an engine then sends it items one at a time), else
        None; building it loads the tokenizer only, and a run that asks needs the model."""
        backend = self.backend
        return backend if getattr(backend, "streams", False) else None

    def load_key(self) -> str:
        """What the backend loads: workers with equal keys can share one (an engine's workers
        keep it from one to the next)."""
        o = self.options
        loads = [self.backend_name, self.model_name(), self.adapter_name(), o.revision,
                 o.backend_options, self.chat_template_kwargs]  # fmt: skip
        return json.dumps(loads, sort_keys=True, default=str)

    def backend_info(self) -> dict:
        backend = getattr(self, "_backend", None)  # only when a model was actually used
        if backend is not None:
            return backend.describe()
        return {"backend": self.backend_name, "loaded": False}

    def config(self) -> dict:
        return super().config() | self.generation_config()

    def parameter_count(self) -> int | None:
        if self.backend_name == "openai":
            return None  # a remote server: the model name may be an alias
        return parameter_count(self.model_name(), self.options.revision, self.adapter_name())

    def cache_config(self) -> dict:
        """The cache key names the backend only where it changes the outputs: an OpenAI-compatible
        server applies a template and tokenization the harness cannot see, and a sampled output
        is a draw from the engine's own random stream."""
        config = super().cache_config()
        if config.get("backend") in LOCAL_BACKENDS and not config.get("temperature"):
            del config["backend"]
        return config

    def identify_weights(self) -> dict:
        """The model's and adapter's content hashes (local paths) or resolved commits (Hub ids).
        A server's model and adapter are names it serves, which say nothing of their weights."""
        served = self.backend_name == "openai"
        return {
            **identity(None if served else self.model_name(), self.options.revision),
            **identity(None if served else self.adapter_name(), prefix="adapter"),
        }

    def generation_config(self) -> dict:
        try:
            rendered = self.backend.render(TEMPLATE_PROBE)
        except NotImplementedError:  # a remote server applies its own template
            rendered = None
        return {
            "model": self.model_name(),
            "adapter": self.adapter_name(),
            "revision": self.options.revision,
            **self.weights(),
            "backend": self.backend_name,
            "chat_template_sha": text_hash(rendered) if rendered is not None else None,
            "max_new_tokens": self.max_new_tokens,
            "max_new_tokens_overridden": self.options.max_new_tokens is not None,
        }
