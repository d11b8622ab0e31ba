import numpy as np
import pytest
from scipy import stats

from bright_eval.significance import PairingError, domain_gains, holm, randomisation_test


def scipy_p(a, b, n_resamples=np.inf, rng=None):
    def mean_diff(x, y, axis):
        return np.mean(x - y, axis=axis)

    return stats.permutation_test(
        (np.asarray(a), np.asarray(b)),
        mean_diff,
        permutation_type="samples",
        vectorized=True,
        n_resamples=n_resamples,
        rng=rng,
    ).pvalue


def test_three_pairs_by_hand():
    # d = (1, 2, 3): of the 8 sign patterns only +++ reaches the observed sum 6, so
    # P(T >= t) = 1/8 and the two-sided p is 2/8.
    assert randomisation_test([1, 2, 3], [0, 0, 0]) == 0.25
    assert randomisation_test([0, 0, 0], [1, 2, 3]) == 0.25


def test_no_difference_gives_p_one():
    assert randomisation_test([0.3, 0.5], [0.3, 0.5]) == 1.0


def test_exact_test_equals_scipy_exact_test():
    rng = np.random.default_rng(7)
    a = rng.random(12)
    b = np.clip(a - rng.normal(0.08, 0.15, 12), 0, 1)
    b[:2] = a[:2]  # zero differences are dropped by ours, kept by scipy: same p-value
    assert randomisation_test(a, b) == pytest.approx(scipy_p(a, b), rel=1e-12)


@pytest.mark.slow
def test_monte_carlo_agrees_with_scipy_on_real_sized_domains():
    rng = np.random.default_rng(11)
    for shift in (0.0, 0.02, 0.05):
        a = rng.random(110)
        b = np.clip(a - rng.normal(shift, 0.2, 110), 0, 1)
        ours = randomisation_test(a, b)
        theirs = scipy_p(a, b, n_resamples=100_000, rng=1)
        # Monte Carlo standard error of ours at 10,000 draws is at most 0.005.
        assert abs(ours - theirs) < 0.02, (shift, ours, theirs)
        assert ours == randomisation_test(a, b)  # fixed seed: regenerates identically


def test_holm_by_hand():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> max(0.06, 0.04)
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.02, 0.9]) == pytest.approx([0.04, 0.9])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # 2 * 0.5 caps at 1, then monotone


def test_domain_gains_correct_over_domains():
    first = {
        "biology": {f"q{i}": 0.2 for i in range(12)},
        "pony": {f"q{i}": 0.5 for i in range(12)},
    }
    reranked = {
        "biology": {f"q{i}": 0.2 + 0.01 * (i + 1) for i in range(12)},
        "pony": {f"q{i}": 0.5 + (0.1 if i % 2 else -0.1) for i in range(12)},
    }
    gains = domain_gains(reranked, first)
    assert gains["biology"].gain == pytest.approx(0.065)  # mean of 0.01 .. 0.12
    assert gains["pony"].gain == pytest.approx(0.0)
    # All 12 differences positive: exact p = 2 / 2**12; Holm multiplies the smaller p by 2.
    assert gains["biology"].p_value == pytest.approx(2 / 4096)
    assert gains["biology"].p_adjusted == pytest.approx(4 / 4096)
    assert gains["biology"].significant and not gains["pony"].significant


def test_unpaired_queries_are_an_error():
    with pytest.raises(PairingError, match="biology: the two systems were scored on different"):
        domain_gains({"biology": {"q1": 0.1}}, {"biology": {"q2": 0.1}})
