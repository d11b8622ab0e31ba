"""A minimal transformers generation backend for tests on real small weights (SmolLM2).

The project's own transformers backend is built on another branch; this one exists so the
causal baselines can be exercised end to end here: greedy decoding, stop strings cut from the
text, chat prompts rendered with the tokenizer's chat template, next-token log-probabilities
from one forward pass.
"""

from __future__ import annotations

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from bright_eval.rerank.backends.base import Generation, GenerationBackend


class TinyTransformersBackend(GenerationBackend):
    name = ""  # test-only: never offered by name

    def __init__(self, path: str):
        super().__init__(path)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.net = AutoModelForCausalLM.from_pretrained(path).eval()
        self.rendered = []

    def render(self, prompt):
        if isinstance(prompt, str):
            return prompt
        return self.tokenizer.apply_chat_template(
            prompt, tokenize=False, add_generation_prompt=True
        )

    def generate(self, prompts, params):
        out = []
        for prompt in prompts:
            text = self.render(prompt)
            self.rendered.append(text)
            ids = self.tokenizer(text, return_tensors="pt", add_special_tokens=False)
            with torch.no_grad():
                seq = self.net.generate(
                    **ids, max_new_tokens=params.max_new_tokens, do_sample=False
                )[0, ids["input_ids"].shape[1] :]
            completion = self.tokenizer.decode(seq, skip_special_tokens=True)
            finish = "length" if len(seq) >= params.max_new_tokens else "stop"
            for stop in params.stop:
                if stop in completion:
                    completion, finish = completion.split(stop)[0], "stop"
            out.append(
                Generation(
                    text=completion,
                    finish_reason=finish,
                    prompt_tokens=ids["input_ids"].shape[1],
                    generated_tokens=len(seq),
                )
            )
        return out

    def next_token_logprobs(self, prompts, tokens):
        ids = [self.tokenizer.encode(t, add_special_tokens=False) for t in tokens]
        assert all(len(i) == 1 for i in ids), f"not single tokens: {tokens}"
        out = []
        for prompt in prompts:
            enc = self.tokenizer(self.render(prompt), return_tensors="pt", add_special_tokens=False)
            with torch.no_grad():
                logits = self.net(**enc).logits[0, -1].float()
            lp = torch.log_softmax(logits, dim=-1)
            out.append({t: lp[i[0]].item() for t, i in zip(tokens, ids, strict=True)})
        return out
