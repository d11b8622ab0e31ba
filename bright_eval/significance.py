"""Paired significance of a reranker's gain over its first stage, per domain.

Test: two-sided paired randomisation (sign-flip) test on the mean per-query difference, the
test IR papers use because per-query nDCG is far from normal. Exact when the number of sign
patterns is at most `n_resamples`, otherwise Monte Carlo with a fixed seed, so a leaderboard
regenerates identically. Same definitions as `scipy.stats.permutation_test(...,
permutation_type="samples")`: two-sided p = 2 * min(P(T <= t), P(T >= t)), the Monte Carlo
estimate counts the observed statistic, and a relative tolerance absorbs float noise.
Correction: Holm-Bonferroni over the domains of one system (the family that a row's
markers claim), which controls the family-wise error rate without assuming independence.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bright_eval.errors import BrightEvalError

ALPHA = 0.05
N_RESAMPLES = 10_000
SEED = 0
_CHUNK = 2_000


class PairingError(BrightEvalError, ValueError):
    pass


def randomisation_test(
    a: Sequence[float], b: Sequence[float], n_resamples: int = N_RESAMPLES, seed: int = SEED
) -> float:
    """Two-sided p-value that the mean of `a - b` is 0, for paired samples `a`, `b`."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if d.ndim != 1 or len(a) != len(b):
        raise PairingError(f"paired samples must have equal length, got {len(a)} and {len(b)}")
    # Zero differences do not move under a sign flip: dropping them changes no p-value but
    # makes the exact test reachable for more domains.
    d = d[d != 0]
    n = len(d)
    if n == 0:
        return 1.0
    observed = d.mean()
    exact = 2**n <= n_resamples
    if exact:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
        null = signs @ d / n
        total, adjustment = len(null), 0
    else:
        rng = np.random.default_rng(seed)
        parts = []
        for start in range(0, n_resamples, _CHUNK):
            size = min(_CHUNK, n_resamples - start)
            signs = rng.integers(0, 2, size=(size, n)) * 2.0 - 1.0
            parts.append(signs @ d / n)
        null = np.concatenate(parts)
        total, adjustment = n_resamples, 1
    gamma = abs(np.finfo(float).eps * 100 * observed)
    less = (np.count_nonzero(null <= observed + gamma) + adjustment) / (total + adjustment)
    greater = (np.count_nonzero(null >= observed - gamma) + adjustment) / (total + adjustment)
    return float(min(1.0, 2 * min(less, greater)))


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the order given."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


@dataclass(frozen=True)
class Gain:
    domain: str
    gain: float  # mean per-query difference, reranked minus first stage (fraction)
    p_value: float
    p_adjusted: float

    @property
    def significant(self) -> bool:
        return self.p_adjusted < ALPHA


def paired(
    reranked: Mapping[str, float], first_stage: Mapping[str, float], domain: str = ""
) -> tuple[list[float], list[float]]:
    if set(reranked) != set(first_stage):
        only = sorted(set(reranked) ^ set(first_stage))
        raise PairingError(
            f"{domain}: the two systems were scored on different queries "
            f"({len(only)} differ, e.g. {only[0]})"
        )
    qids = sorted(reranked)
    return [reranked[q] for q in qids], [first_stage[q] for q in qids]


def domain_gains(
    reranked: Mapping[str, Mapping[str, float]],
    first_stage: Mapping[str, Mapping[str, float]],
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
) -> dict[str, Gain]:
    """Per-domain gain and Holm-corrected p-values over the domains both systems have."""
    domains = [d for d in reranked if d in first_stage]
    raw = {}
    for domain in domains:
        a, b = paired(reranked[domain], first_stage[domain], domain)
        raw[domain] = (float(np.mean(a) - np.mean(b)), randomisation_test(a, b, n_resamples, seed))
    adjusted = holm([raw[d][1] for d in domains])
    return {d: Gain(d, raw[d][0], raw[d][1], adj) for d, adj in zip(domains, adjusted, strict=True)}
