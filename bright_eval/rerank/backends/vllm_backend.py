"""The `vllm` backend: vLLM's offline engine, imported only when chosen.

Kept thin on purpose (vLLM runs on CUDA only, so nothing here runs in CI): it renders prompts
with the same tokenizer and chat template as the transformers backend, hands vLLM token ids
(a text prompt would get a second BOS), and translates parameters and outputs. Every pending
prompt goes to the engine at once so vLLM schedules them all; prefix caching reuses the
shared instruction-and-query prefix across a query's documents.

`generate_stream` drives vLLM's own engine loop (`add_request`, then `step` until done) and
yields each output the step it finishes, so the caller stores it while the engine keeps
generating the rest: no batch waits for its slowest generation. Tensor and data parallelism
are vLLM engine arguments: pass them as backend options (`tensor_parallel_size`, ...).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Sequence

from bright_eval.rerank.backends.base import (
    Generation,
    GenerationBackend,
    GenerationParams,
    Prompt,
    library_versions,
    loading,
)

ADAPTER_NAME = "adapter"
TOP_LOGPROBS = 20  # vLLM's default ceiling on returned alternatives


class VllmBackend(GenerationBackend):
    name = "vllm"
    takes_more_prompts = True  # generate_stream reads prompts appended while it runs

    def __init__(
        self,
        model: str,
        adapter: str | None = None,
        revision: str | None = None,
        chat_template_kwargs: dict | None = None,
        max_lora_rank: int = 64,
        max_model_len: int | None = 16_384,  # the authors' setting; prompts stay far below
        gpu_memory_utilization: float = 0.9,
        tensor_parallel_size: int = 1,
        **engine_options,  # any other vLLM engine argument, e.g. data_parallel_size
    ):
        super().__init__(model, adapter, revision, chat_template_kwargs)
        from transformers import AutoTokenizer

        with loading("tokenizer of model", model):
            self.tokenizer = AutoTokenizer.from_pretrained(model, revision=revision)
        self.engine_args = dict(
            model=model,
            revision=revision,
            enable_prefix_caching=True,
            enable_lora=adapter is not None,
            gpu_memory_utilization=gpu_memory_utilization,
            tensor_parallel_size=tensor_parallel_size,
        )
        if adapter is not None:
            self.engine_args["max_lora_rank"] = max_lora_rank
        if max_model_len is not None:
            self.engine_args["max_model_len"] = max_model_len
        self.engine_args.update(engine_options)
        self._llm = None
        self._request_ids = itertools.count()

    @property
    def llm(self):
        if self._llm is None:
            from vllm import LLM

            self._llm = LLM(**self.engine_args)
        return self._llm

    def render(self, prompt: Prompt) -> str:
        if isinstance(prompt, str):
            return prompt
        return self.tokenizer.apply_chat_template(
            prompt, tokenize=False, add_generation_prompt=True, **self.chat_template_kwargs
        )

    def token_prompts(self, prompts: Sequence[Prompt]) -> list[dict]:
        return [
            {
                "prompt_token_ids": self.tokenizer(self.render(p), add_special_tokens=False)[
                    "input_ids"
                ]
            }
            for p in prompts
        ]

    def lora_request(self):
        if self.adapter is None:
            return None
        from vllm.lora.request import LoRARequest

        return LoRARequest(ADAPTER_NAME, 1, self.adapter)

    def sampling_params(self, params: GenerationParams):
        from vllm import SamplingParams

        return SamplingParams(
            temperature=params.temperature,
            top_p=params.top_p,
            max_tokens=params.max_new_tokens,
            stop=list(params.stop),
            logprobs=params.top_logprobs or None,
            seed=params.seed,
        )

    def generate(self, prompts: Sequence[Prompt], params: GenerationParams) -> list[Generation]:
        outputs = self.llm.generate(
            self.token_prompts(prompts),
            self.sampling_params(params),
            lora_request=self.lora_request(),
            use_tqdm=False,
        )
        return [self._generation(o, params) for o in outputs]

    def generate_stream(
        self, prompts: Sequence[Prompt], params: GenerationParams
    ) -> Iterator[tuple[int, Generation]]:
        engine = self.llm.llm_engine
        sampling, lora = self.sampling_params(params), self.lora_request()
        try:  # as LLM.generate does: a request's output once, when it finishes
            from vllm.sampling_params import RequestOutputKind

            sampling.output_kind = RequestOutputKind.FINAL_ONLY
        except ImportError:  # older vLLM: every step returns every running request
            pass
        # `prompts` may grow while this runs (the caller appends prompts that became ready):
        # they join the running engine at the next step instead of waiting for this round.
        index: dict[str, tuple[int, float]] = {}  # request id -> (prompt index, share at start)
        elapsed_share, submitted = 0.0, 0
        try:
            while index or submitted < len(prompts):
                new = self.token_prompts(prompts[submitted:])
                for i, prompt in enumerate(new, submitted):
                    request_id = f"bright-eval-{next(self._request_ids)}"
                    engine.add_request(request_id, prompt, sampling, lora_request=lora)
                    index[request_id] = (i, elapsed_share)
                submitted += len(new)
                # Each step's time is split over the requests it worked on: a request's model
                # seconds is the sum of its shares from its start to its finish.
                start = time.perf_counter()
                outputs = engine.step()
                elapsed_share += (time.perf_counter() - start) / len(index)
                for output in outputs:
                    if output.finished and output.request_id in index:
                        i, share_at_start = index.pop(output.request_id)
                        generation = self._generation(output, params)
                        generation.model_seconds = elapsed_share - share_at_start
                        yield i, generation
        finally:
            if index:  # the caller stopped early (an error, a kill): free the engine
                engine.abort_request(list(index))

    def _generation(self, output, params: GenerationParams) -> Generation:
        best = output.outputs[0]
        ids = list(best.token_ids)
        logprobs = None
        if params.top_logprobs and best.logprobs is not None:
            logprobs = [
                {lp.decoded_token: lp.logprob for lp in step.values()} for step in best.logprobs
            ]
        return Generation(
            text=best.text,
            prompt_tokens=len(output.prompt_token_ids),
            generated_tokens=len(ids),
            finish_reason=best.finish_reason or "",
            token_logprobs=logprobs,
            tokens=[self.tokenizer.decode([t]) for t in ids],
        )

    def next_token_logprobs(
        self, prompts: Sequence[Prompt], tokens: Sequence[str]
    ) -> list[dict[str, float]]:
        ids = {}
        for t in tokens:
            found = self.tokenizer(t, add_special_tokens=False)["input_ids"]
            if len(found) != 1:
                raise ValueError(f"{t!r} is {len(found)} tokens for {self.model}, not one")
            ids[t] = found[0]
        # vLLM returns log-probabilities of the top alternatives only; a wanted token outside
        # the top TOP_LOGPROBS is reported as -inf (it would not change an expected label).
        sampling = self.sampling_params(
            GenerationParams(max_new_tokens=1, top_logprobs=TOP_LOGPROBS)
        )
        outputs = self.llm.generate(
            self.token_prompts(prompts), sampling, lora_request=self.lora_request(), use_tqdm=False
        )
        results = []
        for o in outputs:
            step = o.outputs[0].logprobs[0]
            results.append(
                {t: step[i].logprob if i in step else float("-inf") for t, i in ids.items()}
            )
        return results

    def describe(self) -> dict:
        return {
            **super().describe(),
            "engine_args": self.engine_args,
            "versions": library_versions("vllm", "torch", "transformers"),
        }
