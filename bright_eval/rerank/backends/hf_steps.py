"""Per-step hooks into transformers' `generate` for the transformers backend: the top
log-probabilities of each step, and stopping a row at a stop string."""

from __future__ import annotations

from collections.abc import Sequence


class TopLogprobs:
    """Records the top-k log-probabilities at each step, leaving the scores untouched.

    `output_logits` would keep batch x steps x vocabulary floats (tens of GB for 64 rows of
    1,024 tokens over Llama's 128k vocabulary); k values per step are all that is needed.
    """

    def __init__(self, k: int):
        self.k = k
        self.values: list = []
        self.indices: list = []

    def __call__(self, input_ids, scores):
        top = scores.float().log_softmax(-1).topk(self.k, dim=-1)
        self.values.append(top.values.cpu())
        self.indices.append(top.indices.cpu())
        return scores


class StopOnText:
    """Stops each row once its generated text contains a stop string.

    transformers' own `stop_strings` precomputes tables over the whole vocabulary on every
    `generate` call (tens of seconds for a 128k vocabulary on a CPU); decoding the last few
    tokens of each row per step costs next to nothing beside a forward pass.
    """

    def __init__(self, tokenizer, prompt_width: int, stop: Sequence[str]):
        self.tokenizer = tokenizer
        self.width = prompt_width
        self.stop = tuple(stop)
        # A stop string spans at most one token per character, plus a token on each side.
        self.tail = max(len(s) for s in self.stop) + 2
        self.stopped_at: dict[int, int] = {}  # row -> generated tokens when its stop appeared

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        done = []
        for r, row in enumerate(input_ids[:, self.width :].tolist()):
            if r in self.stopped_at:
                done.append(True)
                continue
            text = self.tokenizer.decode(row[-self.tail :], skip_special_tokens=True)
            stopped = any(s in text for s in self.stop)
            if stopped:
                self.stopped_at[r] = len(row)
            done.append(stopped)
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)
