"""A scripted generation backend: records every prompt it receives, answers from a script.

Chat prompts are kept as the message lists the reranker built, so tests compare the exact text
of every turn; `render` joins them in a fixed, visible way for the code paths that need text.
"""

from __future__ import annotations

from bright_eval.rerank.backends.base import Generation, GenerationBackend


class FakeBackend(GenerationBackend):
    name = ""  # never offered by name: tests pass the object itself

    def __init__(self, outputs=(), logprobs=()):
        super().__init__("fake-model")
        self.outputs = list(outputs)  # (text, finish_reason) or text (finish_reason "stop")
        self.logprobs = list(logprobs)  # one {token: logprob} per next_token_logprobs prompt
        self.prompts = []
        self.params = []
        self.logprob_prompts = []
        self.logprob_tokens = []

    def generate(self, prompts, params):
        self.prompts.extend(prompts)
        self.params.append(params)
        out = []
        for _ in prompts:
            item = self.outputs.pop(0)
            text, finish = (item, "stop") if isinstance(item, str) else item
            out.append(
                Generation(text=text, finish_reason=finish, prompt_tokens=11, generated_tokens=7)
            )
        return out

    def next_token_logprobs(self, prompts, tokens):
        self.logprob_prompts.extend(prompts)
        self.logprob_tokens.append(list(tokens))
        return [self.logprobs.pop(0) for _ in prompts]

    def describe(self):
        return {"backend": "fake", "model": self.model}


def with_backend(reranker, backend):
    """The reranker answering from `backend` instead of the one its options would load."""
    reranker.backend = backend
    return reranker
