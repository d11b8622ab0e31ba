"""The machine's matmul rate and the FLOP floor of a generation, for the reranking benchmark.

Floor of one pair (prompt of p tokens, g generated), a decoder of L layers, attention width d,
N weights in its layers (embeddings excluded) and an output projection of V x h:

    2 N T                     every token the model reads (T = p + g - 1: the last generated
                              one is never fed back) through every layer's matmuls
  + 2 V h g                   logits, only where a token is chosen (`generate` computes none
                              for the other prompt positions)
  + 2 L d T^2                 attention scores and weighted values, causal (the sum of 4 L d t)

Divided by the measured matmul rate this is the least time the arithmetic can take; it ignores
memory traffic (one token at a time reads every weight per step) and anything but matmuls.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class ModelShape:
    layer_weights: int  # weights of the decoder layers (what every token multiplies by)
    vocab: int
    hidden: int
    layers: int
    attention_width: int  # heads x head dimension (queries)

    @classmethod
    def of(cls, model) -> ModelShape:
        config = model.config
        layers = model.get_decoder().layers
        head_dim = (
            getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
        )
        return cls(
            layer_weights=sum(p.numel() for p in layers.parameters()),
            vocab=config.vocab_size,
            hidden=config.hidden_size,
            layers=config.num_hidden_layers,
            attention_width=config.num_attention_heads * head_dim,
        )

    def pair_flops(self, prompt: int, generated: int) -> float:
        read = prompt + generated - 1
        return (
            2.0 * self.layer_weights * read
            + 2.0 * self.vocab * self.hidden * generated
            + 2.0 * self.layers * self.attention_width * read**2
        )


def matmul_gflops(dtype, device: str, n: int = 2048, seconds: float = 2.0) -> float:
    """Sustained rate of n x n by n x n products in torch, `dtype` on `device`, in GFLOP/s."""
    import torch

    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    sync = torch.cuda.synchronize if str(device).startswith("cuda") else (lambda: None)
    with torch.inference_mode():
        a @ b  # warm-up: thread pools, kernels
        sync()
        runs, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            a @ b
            runs += 1
            sync()
        elapsed = time.perf_counter() - t0
    return 2.0 * n**3 * runs / elapsed / 1e9
