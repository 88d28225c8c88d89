# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Bootstrap intervals against scipy.stats.bootstrap (an independent
implementation, test-only oracle) and against hand-worked cases."""
import numpy as np
import pytest
from scipy import stats

from sketret.evaluation.statistics import (
    bootstrap_ci,
    class_means,
    paired_bootstrap_ci,
)


def scipy_percentile_ci(sample, level=0.95):
    res = stats.bootstrap((sample, ), np.mean, confidence_level=level,
                          n_resamples=40000, method='percentile',
                          random_state=np.random.default_rng(1))
    return res.confidence_interval.low, res.confidence_interval.high


def test_query_bootstrap_matches_scipy():
    values = np.random.default_rng(0).beta(2, 5, 300)
    ours = bootstrap_ci(values, num_resamples=40000, seed=3)
    low, high = scipy_percentile_ci(values)
    assert ours['mean'] == pytest.approx(values.mean())
    # Two Monte-Carlo estimates of the same quantiles.
    assert ours['low'] == pytest.approx(low, abs=2e-3)
    assert ours['high'] == pytest.approx(high, abs=2e-3)
    assert ours['unit'] == 'query' and ours['num_units'] == 300


def test_class_bootstrap_equals_bootstrap_of_class_means():
    # With equally many queries per class, the mean over the queries of the
    # drawn classes is the mean of the drawn class means: the cluster
    # bootstrap is scipy's bootstrap of the 12 class means.
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(12) * 7, 20)  # labels need not be 0..11
    values = rng.random(12)[labels // 7] + 0.1 * rng.random(240)
    ours = bootstrap_ci(values, labels, num_resamples=40000, seed=4)
    means = np.array(list(class_means(values, labels).values()))
    low, high = scipy_percentile_ci(means)
    assert ours['low'] == pytest.approx(low, abs=3e-3)
    assert ours['high'] == pytest.approx(high, abs=3e-3)
    assert ours['unit'] == 'class' and ours['num_units'] == 12


def test_class_interval_wider_than_query_interval_for_class_effects():
    rng = np.random.default_rng(2)
    labels = np.repeat(np.arange(10), 50)
    values = rng.random(10)[labels] + 0.01 * rng.random(500)
    by_query = bootstrap_ci(values)
    by_class = bootstrap_ci(values, labels)
    assert (by_class['high'] - by_class['low']) > 3 * (by_query['high'] -
                                                       by_query['low'])


def test_hand_cases():
    # A constant sample has a degenerate interval; one class only: the
    # class bootstrap always draws it.
    ci = bootstrap_ci([0.25] * 7)
    assert ci['low'] == ci['high'] == ci['mean'] == 0.25
    ci = bootstrap_ci([0.0, 1.0, 0.5], labels=[4, 4, 4])
    assert ci['low'] == ci['high'] == 0.5
    # Paired: b = a - 0.1 exactly -> the difference is 0.1 in every resample.
    a = np.random.default_rng(3).random(50)
    ci = paired_bootstrap_ci(a, a - 0.1, labels=np.arange(50) % 5)
    assert ci['low'] == pytest.approx(0.1) and ci['high'] == pytest.approx(
        0.1)
    assert class_means([1.0, 3.0, 5.0], [2, 2, 9]) == {2: 2.0, 9: 5.0}


def test_bad_input():
    with pytest.raises(ValueError, match='NaN or inf'):
        bootstrap_ci([0.1, np.nan])
    with pytest.raises(ValueError, match='one entry per value'):
        bootstrap_ci([0.1, 0.2], labels=[1])
    with pytest.raises(ValueError, match='same queries'):
        paired_bootstrap_ci([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match='level'):
        bootstrap_ci([0.1, 0.2], level=95)
    with pytest.raises(ValueError, match='non-empty'):
        bootstrap_ci([])
