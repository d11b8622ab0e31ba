"""The scoring rule several pointwise baselines share: the probability of the "relevant" token
when the model must choose between two (true/false, yes/no), i.e. a softmax over those two
log-probabilities (or logits; the softmax is the same). Scores from it are comparable across
candidates because every other token is ignored."""

from __future__ import annotations

import math


def two_way_probability(relevant: float, irrelevant: float) -> float:
    """softmax([relevant, irrelevant])[0]; stable for any magnitudes."""
    if relevant >= irrelevant:
        return 1.0 / (1.0 + math.exp(irrelevant - relevant))
    e = math.exp(relevant - irrelevant)
    return e / (1.0 + e)
