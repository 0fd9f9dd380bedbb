"""Regression metrics, their statistics and their place on the leaderboard (lower NRMSE is better)."""
from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.normalized import normalized
from neuroarena.metrics.registry import compute_metrics
from neuroarena.metrics.regression import nrmse, pearson_r, rmse
from neuroarena.metrics.statistics import bootstrap_ci, item_outcomes, item_units, weighted_scores
from neuroarena.report.leaderboard import leaderboard
from neuroarena.results.records import JobKey, ResultRecord
from neuroarena.results.table import records_frame

Y = np.array([1.0, 2.0, 4.0, 5.0])  # mean 3, population variance (4 + 1 + 1 + 4) / 4 = 2.5


def test_nrmse_by_hand_with_the_population_std():
    pred = np.array([1.0, 3.0, 3.0, 5.0])  # errors 0, 1, -1, 0: MSE 0.5
    assert rmse(Y, pred) == pytest.approx(np.sqrt(0.5))
    assert nrmse(Y, pred) == pytest.approx(np.sqrt(0.5 / 2.5))  # ddof 0; ddof 1 would give sqrt(0.5 / (10 / 3))
    assert nrmse(Y, np.full(4, Y.mean())) == pytest.approx(1.0)  # the mean predictor scores exactly 1
    assert nrmse(Y, Y) == 0.0
    assert pearson_r(Y, 2 * Y + 1) == pytest.approx(1.0) and pearson_r(Y, np.zeros(4)) == 0.0
    assert np.isnan(nrmse(np.ones(3), np.zeros(3)))  # undefined: every target equal
    with pytest.raises(NeuroarenaError, match="shape"):
        nrmse(Y, np.zeros((4, 2)))
    with pytest.raises(NeuroarenaError, match="non-finite"):
        nrmse(Y, np.array([1.0, np.nan, 0.0, 0.0]))


def test_per_subject_nrmse_scores_each_subject_mean():
    # a trait: one value per subject; predictions vary over windows, their subject means are what counts
    subject = np.array(["a", "a", "b", "b", "c", "c"])
    target = np.array([1.0, 1.0, 2.0, 2.0, 6.0, 6.0])[:, None]
    pred = np.array([0.0, 2.0, 1.0, 3.0, 5.0, 5.0])[:, None]  # subject means 1, 2, 5
    scores = compute_metrics(["nrmse", "nrmse_subject"], pred=pred, target=target, subject=subject)
    assert scores["nrmse_subject"] == pytest.approx(np.sqrt((0 + 0 + 1) / 3) / np.std([1.0, 2.0, 6.0]))
    assert scores["nrmse"] == pytest.approx(np.sqrt(np.mean((pred - target) ** 2)) / np.std(target))


def test_normalized_nrmse_is_one_minus_nrmse_and_lower_ranks_first():
    assert normalized("nrmse", 0.8, dummy=1.02) == pytest.approx(0.2)  # 0 at the mean predictor, not the dummy
    assert normalized("nrmse", 0.8, dummy=1.02, ceiling=0.6) == pytest.approx(0.2 / 0.4)
    assert np.isnan(normalized("nrmse", 0.8, dummy=1.02, ceiling=1.1))  # a ceiling worse than the zero
    records = [ResultRecord(key=JobKey("rt", "simulated-hbn", model, 33, "h"), status="ok",
                            metrics={"nrmse": score}, primary_metric="nrmse")
               for model, score in (("dummy", 1.01), ("eegnex", 0.80), ("cov_ts_ridge", 0.90))]
    table = leaderboard(records_frame(records)).set_index("model")
    assert table["rank"].to_dict() == {"eegnex": 1.0, "cov_ts_ridge": 2.0, "dummy": 3.0}
    assert table.loc["eegnex", "normalized"] == pytest.approx(0.2)


def _items(pred, subject, target=Y):
    return {"subject": list(subject), "y_true": list(target), "y_pred": list(pred)}


def test_statistics_resample_windows_or_subjects_for_a_trait():
    pred = np.array([1.0, 3.0, 3.0, 5.0])
    windows = _items(pred, ["a", "a", "b", "b"])  # the target varies within a subject: windows are the units
    trait = _items(pred, ["a", "a", "b", "b"], target=np.array([1.0, 1.0, 5.0, 5.0]))
    assert item_units("nrmse", {k: np.asarray(v) for k, v in windows.items()}).tolist() == [0, 1, 2, 3]
    assert item_units("nrmse", {k: np.asarray(v) for k, v in trait.items()}).tolist() == [0, 0, 1, 1]
    as_arrays = {k: np.asarray(v, dtype=float if k != "subject" else str) for k, v in windows.items()}
    assert weighted_scores("nrmse", as_arrays, np.ones((1, 4)))[0] == pytest.approx(nrmse(Y, pred))
    # drawing the first window twice and the last not at all, by hand
    drawn = np.array([[2.0, 1.0, 1.0, 0.0]])
    y, p = np.array([1, 1, 2, 4.0]), np.array([1, 1, 3, 3.0])
    assert weighted_scores("nrmse", as_arrays, drawn)[0] == pytest.approx(nrmse(y, p))
    # outcomes sum to the squared score; the interval holds the score
    assert item_outcomes("nrmse", [windows]).sum() == pytest.approx(nrmse(Y, pred) ** 2)
    low, high = bootstrap_ci("nrmse", [windows, windows], n_boot=200)
    assert low <= nrmse(Y, pred) <= high
