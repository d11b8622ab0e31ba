"""The scoring rule several pointwise baselines share: the probability of the "relevant" token
when the model must choose between two (true/false, yes/no), i.e. a softmax over those two
log-probabilities (or logits; the softmax is the same). Scores from it are comparable across
candidates because every other token is ignored."""

from __future__ import annotations

import math


def two_way_probability(relevant: float, irrelevant: float) -> float:
    """softmax([relevant, irrelevant])[0]; stable for any magnitudes. Two equal values give 0.5,
    also two -inf (neither token among a server's top log-probabilities), which the formula
    below would make NaN."""
    if relevant == irrelevant:
        return 0.5
    if relevant > irrelevant:
        return 1.0 / (1.0 + math.exp(irrelevant - relevant))
    e = math.exp(relevant - irrelevant)
    return e / (1.0 + e)
