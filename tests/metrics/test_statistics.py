from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.classification import balanced_accuracy, f1_macro
from neuroarena.metrics.statistics import (
    bootstrap_ci,
    item_outcomes,
    kendall_tau,
    mean_normalized_rank,
    paired_sign_flip_test,
    weighted_scores,
)


def _cls(y_true, y_pred):
    return {"y_true": list(y_true), "y_pred": list(y_pred)}


def _ret(ranks, stimulus=None):
    return {"stimulus": list(stimulus or [f"s{i:02d}" for i in range(len(ranks))]), "rank": list(ranks)}


def test_weighted_scores_with_unit_weights_match_the_metrics():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 4, 50), rng.integers(0, 5, 50)
    items = {"y_true": y_true, "y_pred": y_pred}
    ones = np.ones((1, 50))
    assert weighted_scores("balanced_accuracy", items, ones)[0] == pytest.approx(balanced_accuracy(y_true, y_pred))
    assert weighted_scores("f1_macro", items, ones)[0] == pytest.approx(f1_macro(y_true, y_pred))
    # a weight of 2 is the same as repeating the item
    weights = np.ones((1, 50))
    weights[0, :10] = 2
    repeated = np.concatenate([np.arange(50), np.arange(10)])
    assert weighted_scores("balanced_accuracy", items, weights)[0] == pytest.approx(
        balanced_accuracy(y_true[repeated], y_pred[repeated]))
    assert weighted_scores("f1_macro", items, weights)[0] == pytest.approx(
        f1_macro(y_true[repeated], y_pred[repeated]))
    ret = {"stimulus": np.arange(4), "rank": np.array([0, 3, 7, 4])}
    assert weighted_scores("top5", ret, np.array([[1, 1, 1, 1], [0, 0, 4, 0]]))[[0, 1]].tolist() == [0.75, 0.0]


def test_bootstrap_ci_hand_computed_cases():
    # two items, one hit: resample means are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4
    assert bootstrap_ci("top1", [_ret([0, 3])]) == (0.0, 1.0)
    # a perfect model has a degenerate interval
    assert bootstrap_ci("balanced_accuracy", [_cls([0, 1, 2, 0], [0, 1, 2, 0])]) == (1.0, 1.0)
    # 280 hits of 400: the normal approximation gives 0.7 +- 1.96 * sqrt(0.21 / 400) = 0.7 +- 0.0449
    low, high = bootstrap_ci("top5", [_ret([0] * 280 + [9] * 120)], n_boot=4000)
    assert low == pytest.approx(0.7 - 0.0449, abs=0.008)
    assert high == pytest.approx(0.7 + 0.0449, abs=0.008)
    assert bootstrap_ci("top5", [_ret([0] * 280 + [9] * 120)], n_boot=4000) == (low, high)  # seeded


def test_bootstrap_pools_seeds_on_the_same_resample():
    # seed A hits exactly where seed B misses: every resample's seed-average is 0.5
    a, b = _ret([0, 9] * 20), _ret([9, 0] * 20)
    assert bootstrap_ci("top1", [a, b]) == (0.5, 0.5)
    assert bootstrap_ci("top1", [a])[1] - bootstrap_ci("top1", [a])[0] > 0.25
    # two identical seeds give the interval of one
    assert bootstrap_ci("top1", [a, a]) == bootstrap_ci("top1", [a])


def test_retrieval_items_are_aligned_by_stimulus_and_checked():
    a = _ret([0, 9, 0], ["x", "y", "z"])
    b = _ret([0, 9, 0], ["z", "x", "y"])  # sorted: x miss, y hit, z hit
    assert item_outcomes("top1", [a, b]).tolist() == pytest.approx([1 / 6, 1 / 6, 1 / 3])
    with pytest.raises(NeuroarenaError, match="different items"):
        bootstrap_ci("top1", [a, _ret([0, 9], ["x", "y"])])
    with pytest.raises(NeuroarenaError, match="cannot be recomputed"):
        bootstrap_ci("top5_batch", [a])


def _subjects(ranks_by_subject):
    """Retrieval items of several subjects, each over stimuli s00, s01, ..."""
    items = {"subject": [], "stimulus": [], "rank": []}
    for subject, ranks in ranks_by_subject.items():
        items["subject"] += [subject] * len(ranks)
        items["stimulus"] += [f"s{i:02d}" for i in range(len(ranks))]
        items["rank"] += list(ranks)
    return items


def test_retrieval_items_score_the_mean_over_subjects():
    # subject 01: 1 hit of 2 stimuli; subject 02: 3 hits of 4: mean over subjects 5/8 (pooled items: 4/6)
    items = _subjects({"02": [0, 0, 9, 0], "01": [0, 9]})
    ones = np.ones((1, 6))
    from neuroarena.metrics.statistics import aligned_items, item_units

    (aligned,) = aligned_items("top1", [items])
    assert aligned["subject"].tolist() == ["01", "01", "02", "02", "02", "02"]
    assert weighted_scores("top1", aligned, ones)[0] == pytest.approx(5 / 8)
    # the unit is the stimulus: s00 and s01 of both subjects go together
    assert item_units("top1", aligned).tolist() == [0, 1, 0, 1, 2, 3]
    outcomes = item_outcomes("top1", [items])
    assert outcomes.tolist() == pytest.approx([1 / 4 + 1 / 8, 0 + 1 / 8, 0, 1 / 8])
    assert outcomes.sum() == pytest.approx(5 / 8)
    # a resample that draws only subject 01's stimuli scores subject 02 on s00/s01 too, never only one subject
    assert weighted_scores("top1", aligned, np.array([[2, 0, 2, 0, 0, 0]]))[0] == pytest.approx(1.0)
    low, high = bootstrap_ci("top1", [items], n_boot=500)
    assert low <= 5 / 8 <= high
    with pytest.raises(NeuroarenaError, match="different items"):
        bootstrap_ci("top1", [items, _subjects({"02": [0, 0, 9, 0], "03": [0, 9]})])


def test_item_outcomes_sum_to_balanced_accuracy():
    y_true, y_pred = [0, 0, 0, 1, 2, 2], [0, 1, 1, 1, 2, 0]
    outcomes = item_outcomes("balanced_accuracy", [_cls(y_true, y_pred)])
    # class 0: 1/3 correct, class 1: 1/1, class 2: 1/2 -> contributions 1/9, 1/3, 1/6
    assert outcomes.tolist() == pytest.approx([1 / 9, 0, 0, 1 / 3, 1 / 6, 0])
    assert outcomes.sum() == pytest.approx(balanced_accuracy(y_true, y_pred))


def test_paired_sign_flip_exact_and_monte_carlo():
    # differences 1/4, 1/4, 1/4, 0: |sum| >= 3/4 only when the three flip together: 4 of 16 patterns
    a = item_outcomes("top1", [_ret([0, 0, 0, 0])])
    b = item_outcomes("top1", [_ret([5, 5, 5, 0])])
    assert paired_sign_flip_test(a, b) == pytest.approx(0.25)
    assert paired_sign_flip_test(a, a) == 1.0
    # 30 items, all differences +1: no random pattern reaches it, p = 1 / (1 + n_perm)
    assert paired_sign_flip_test(np.ones(30), np.zeros(30), n_perm=999) == pytest.approx(1e-3)
    # 40 items, 21 up and 19 down: far from significant
    diff = np.array([1.0] * 21 + [-1.0] * 19)
    assert paired_sign_flip_test(diff, np.zeros(40)) > 0.7


def test_mean_normalized_rank_hand_computed():
    table = pd.DataFrame({
        "task": ["a", "a", "a", "a", "b", "b"],
        "model": ["m1", "m2", "m3", "m4", "m1", "m3"],
        "rank": [1.0, 2.0, 3.0, 4.0, 2.0, 1.0],
    })
    out = mean_normalized_rank(table).set_index("model")
    # m1: (1/4 + 2/2) / 2, m3: (3/4 + 1/2) / 2, m2 and m4 ran one task
    assert out["mean_normalized_rank"].to_dict() == pytest.approx(
        {"m1": 0.625, "m3": 0.625, "m2": 0.5, "m4": 1.0})
    assert out["n_tasks"].to_dict() == {"m1": 2, "m2": 1, "m3": 2, "m4": 1}
    assert out.index.tolist() == ["m2", "m1", "m3", "m4"]


def test_kendall_tau_intersects_models():
    a = {"m1": 0.9, "m2": 0.8, "m3": 0.7, "m4": 0.6, "only_a": 0.1}
    b = {"m1": 0.5, "m2": 0.3, "m3": 0.4, "m4": 0.2, "only_b": 0.9}
    tau, p, n = kendall_tau(a, b)
    # 6 pairs, one discordant (m2, m3): (5 - 1) / 6
    assert n == 4
    assert tau == pytest.approx(4 / 6)
    # exact: 4 of the 24 orderings have at most one inversion (tau >= 2/3); two-sided 2 * 4 / 24
    assert p == pytest.approx(1 / 3)
    assert kendall_tau({"m1": 1.0}, b)[2] == 1
    assert np.isnan(kendall_tau({"m1": 1.0}, b)[0])
    # three shared models: tau could only be +-1/3 or +-1 with p >= 1/3, so none is given
    three = kendall_tau({m: a[m] for m in ("m1", "m2", "m3")}, b)
    assert np.isnan(three[0]) and np.isnan(three[1]) and three[2] == 3
