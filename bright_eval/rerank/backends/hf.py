"""The `transformers` backend: batched greedy `generate` on whatever device torch has.

Prompts are sorted by length and cut into sub-batches under a token budget and a padding limit:
pad tokens cost as much compute as real ones, and a long document must not blow the memory of a
whole batch; a batch that still runs out of GPU memory is halved and retried. The tokenizer
loads at once (rendering and cache keys need it), the weights on the first call that needs them
(a fully cached run never loads them).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from bright_eval.engines.base import in_order
from bright_eval.rerank.backends.base import (
    ADAPTER_ERRORS,
    Generation,
    GenerationBackend,
    GenerationParams,
    Prompt,
    cut_at_stop,
    library_versions,
    loading,
    timed,
)
from bright_eval.rerank.backends.hf_steps import StopOnText, TopLogprobs
from bright_eval.rerank.backends.prefix_cache import generate_sharing_prefixes


class TransformersBackend(GenerationBackend):
    name = "transformers"

    def __init__(
        self,
        model: str,
        adapter: str | None = None,
        revision: str | None = None,
        chat_template_kwargs: dict | None = None,
        max_batch_tokens: int = 32_768,
        max_batch_size: int = 64,
        device: str | None = None,
        reuse_prefixes: bool = False,
        max_padding: float = 0.1,
    ):
        super().__init__(model, adapter, revision, chat_template_kwargs)
        from transformers import AutoTokenizer

        with loading("tokenizer of model", model):
            self.tokenizer = AutoTokenizer.from_pretrained(model, revision=revision)
        # Left padding: every row's last prompt token sits where generation starts.
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.max_batch_tokens = max_batch_tokens
        self.max_batch_size = max_batch_size
        # Pad tokens are compute like any other: a sub-batch holds at most this fraction more
        # prompt tokens, padded, than its rows' own.
        self.max_padding = max_padding
        self.device = device
        self.reuse_prefixes = reuse_prefixes  # a query's shared prompt prefix computed once
        self._model = None

    @property
    def hf_model(self):
        if self._model is None:
            self._model = self._load_model()
        return self._model

    def _load_model(self):
        import torch
        from transformers import AutoModelForCausalLM

        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        with loading("model", self.model):
            model = AutoModelForCausalLM.from_pretrained(
                self.model, revision=self.revision, dtype=dtype
            ).to(device)
        if self.adapter:
            from peft import PeftModel

            with loading("LoRA adapter", self.adapter, ADAPTER_ERRORS):
                model = PeftModel.from_pretrained(model, self.adapter)
        model.eval()
        self.device = device
        return model

    def render(self, prompt: Prompt) -> str:
        if isinstance(prompt, str):
            return prompt
        return self.tokenizer.apply_chat_template(
            prompt, tokenize=False, add_generation_prompt=True, **self.chat_template_kwargs
        )

    def encode(self, text: str) -> list[int]:
        # The rendered text already holds the template's BOS; adding special tokens again
        # would give the model a second one it never saw in training.
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def eos_ids(self) -> set[int]:
        ids = self.hf_model.generation_config.eos_token_id
        ids = ids if isinstance(ids, list) else [ids]
        ids = {i for i in ids if i is not None}
        ids.add(self.tokenizer.eos_token_id)
        return ids

    def batches(self, lengths: Sequence[int], extra: int) -> list[list[int]]:
        """Prompt indices, longest first, grouped so that rows x (longest + extra) fits the
        token budget and padding adds at most `max_padding` of the rows' own prompt tokens."""
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        groups: list[list[int]] = []
        real = 0
        for i in order:
            if groups:
                group = groups[-1]
                longest = lengths[group[0]]
                fits = (
                    len(group) < self.max_batch_size
                    and (len(group) + 1) * (longest + extra) <= self.max_batch_tokens
                )
                padded = (len(group) + 1) * longest
                if fits and padded <= (1 + self.max_padding) * (real + lengths[i]):
                    group.append(i)
                    real += lengths[i]
                    continue
            groups.append([i])
            real = lengths[i]
        return groups

    def generate(self, prompts: Sequence[Prompt], params: GenerationParams) -> list[Generation]:
        return in_order(self.generate_stream(prompts, params), len(prompts))

    def generate_stream(
        self, prompts: Sequence[Prompt], params: GenerationParams
    ) -> Iterator[tuple[int, Generation]]:  # each sub-batch as soon as it is done
        encoded = [self.encode(self.render(p)) for p in prompts]
        if self.reuse_prefixes:
            yield from generate_sharing_prefixes(self, encoded, params)
            return
        for group in self.batches([len(e) for e in encoded], params.max_new_tokens):
            rows = [encoded[i] for i in group]
            yield from zip(group, timed(self._generate_with_retry, rows, params), strict=True)

    def _generate_with_retry(self, rows: list[list[int]], params: GenerationParams, prefix=None):
        import torch

        try:
            return self._generate_batch(rows, params, prefix)
        except torch.OutOfMemoryError:
            if len(rows) == 1:
                raise
            torch.cuda.empty_cache()
            half = math.ceil(len(rows) / 2)
            first = self._generate_with_retry(rows[:half], params, prefix)
            return first + self._generate_with_retry(rows[half:], params, prefix)

    def _pad(self, rows: list[list[int]]):
        return self.tokenizer.pad({"input_ids": rows}, return_tensors="pt").to(self.hf_model.device)

    def _generate_batch(self, rows: list[list[int]], params: GenerationParams, prefix=None):
        import torch

        model = self.hf_model  # prefix: a prefix_cache.SharedPrefix that every row starts with
        pad = self.tokenizer.pad_token_id
        batch = self._pad(rows) if prefix is None else prefix.batch(rows, pad, model.device)
        eos = self.eos_ids()
        width = batch["input_ids"].shape[1]
        kwargs = dict(
            max_new_tokens=params.max_new_tokens,
            pad_token_id=self.tokenizer.pad_token_id,
            eos_token_id=sorted(eos),
            return_dict_in_generate=True,
        )
        recorder = None
        if params.top_logprobs > 0:
            recorder = TopLogprobs(params.top_logprobs)
            kwargs["logits_processor"] = [recorder]
        if params.temperature > 0:
            torch.manual_seed(params.seed)
            kwargs.update(do_sample=True, temperature=params.temperature, top_p=params.top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        stopper = None
        if params.stop:
            stopper = StopOnText(self.tokenizer, width, params.stop)
            kwargs.update(stopping_criteria=[stopper])
        with torch.inference_mode():
            out = model.generate(**batch, **kwargs)
        new = out.sequences[:, width:].tolist()
        logprobs = None
        if recorder is not None:
            top_values = torch.stack(recorder.values, dim=1)
            top_indices = torch.stack(recorder.indices, dim=1)
        generations = []
        for r, ids in enumerate(new):
            n = len(ids)
            finished = False
            for k, t in enumerate(ids):
                if t in eos:
                    n, finished = k + 1, True
                    break
            if stopper is not None and r in stopper.stopped_at:
                # What follows a stop string is filler (the pad token, often the EOS itself).
                n = min(n, stopper.stopped_at[r])
            kept = ids[:n]
            body = [t for t in kept if t not in eos]
            text, stopped = cut_at_stop(
                self.tokenizer.decode(body, skip_special_tokens=True), params.stop
            )
            if params.top_logprobs > 0:
                logprobs = [
                    self._top(top_indices[r, k].tolist(), top_values[r, k].tolist())
                    for k in range(n)
                ]
            generations.append(
                Generation(
                    text=text,
                    prompt_tokens=len(rows[r]),
                    generated_tokens=n,
                    finish_reason="stop" if finished or stopped else "length",
                    token_logprobs=logprobs,
                    tokens=[self.tokenizer.decode([t]) for t in kept],
                )
            )
        return generations

    def _top(self, ids: list[int], values: list[float]) -> dict[str, float]:
        # Two ids can decode to the same text; keep the likelier (values come sorted).
        top: dict[str, float] = {}
        for tid, lp in zip(ids, values, strict=True):
            top.setdefault(self.tokenizer.decode([tid]), lp)
        return top

    def next_token_logprobs(
        self, prompts: Sequence[Prompt], tokens: Sequence[str]
    ) -> list[dict[str, float]]:
        import torch

        ids = {t: self.single_token_id(t) for t in tokens}
        encoded = [self.encode(self.render(p)) for p in prompts]
        results: list[dict[str, float] | None] = [None] * len(prompts)
        for group in self.batches([len(e) for e in encoded], 1):
            batch = self._pad([encoded[i] for i in group])
            with torch.inference_mode():
                logits = self.hf_model(**batch).logits[:, -1, :].float().log_softmax(-1)
            for row, i in enumerate(group):
                results[i] = {t: logits[row, tid].item() for t, tid in ids.items()}
        return results  # type: ignore[return-value]

    def single_token_id(self, token: str) -> int:
        ids = self.tokenizer(token, add_special_tokens=False)["input_ids"]
        if len(ids) != 1:
            raise ValueError(
                f"{token!r} is {len(ids)} tokens for {self.model}; next_token_logprobs needs "
                "strings that are one token each"
            )
        return ids[0]

    def describe(self) -> dict:
        described = {
            **super().describe(),
            "batching": {
                "max_batch_tokens": self.max_batch_tokens,
                "max_batch_size": self.max_batch_size,
                "max_padding": self.max_padding,
                "reuse_prefixes": self.reuse_prefixes,
            },
            "versions": library_versions("torch", "transformers", "peft"),
        }
        if self._model is not None:  # counted only once loaded: describing must not load weights
            described["parameters"] = sum(p.numel() for p in self._model.parameters())
        return described
