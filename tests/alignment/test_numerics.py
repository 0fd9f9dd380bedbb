"""Known answers of the alignment numerics: noise ceilings, dual ridge, PLS, RSA, CKA and odd-one-out."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import ortho_group
from sklearn.linear_model import Ridge, RidgeCV

from neuroarena.alignment.ceiling import ceiling_of, pearson_columns, spearman_brown, split_half_reliability
from neuroarena.alignment.encoding import KernelRidgeCV, pls_encoding, ridge_encoding
from neuroarena.alignment.similarity import (
    cka_unbiased,
    odd_one_out,
    odd_one_out_accuracy,
    odd_one_out_score,
    rdm,
    rsa_score,
    rsa_subject_bounds,
)
from neuroarena.errors import NeuroarenaError


def _repeated(n_stimuli, n_reps, n_neuroids, signal_var, noise_var, seed=0):
    """Responses ``signal + noise`` of shape (n_stimuli, n_reps, n_neuroids)."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(0, np.sqrt(signal_var), (n_stimuli, 1, n_neuroids))
    return signal + rng.normal(0, np.sqrt(noise_var), (n_stimuli, n_reps, n_neuroids))


# --- ceilings -------------------------------------------------------------------------------------------------


def test_spearman_brown_values():
    assert spearman_brown(0.5) == pytest.approx(2 / 3)
    assert spearman_brown(2 / 3) == pytest.approx(0.8)
    assert spearman_brown(0.5, factor=3.0) == pytest.approx(0.75)
    np.testing.assert_allclose(spearman_brown(np.array([0.0, 1.0])), [0.0, 1.0])


def test_pearson_columns_matches_corrcoef_and_gives_nan_for_a_constant_column_quietly():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    a[:, 2] = 4.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = pearson_columns(a, b)
    np.testing.assert_allclose(r[:2], [np.corrcoef(a[:, i], b[:, i])[0, 1] for i in range(2)])
    assert np.isnan(r[2])


def test_pearson_columns_leaves_out_rows_with_nan():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(40, 1)), rng.normal(size=(40, 1))
    expected = np.corrcoef(a[5:, 0], b[5:, 0])[0, 1]
    a[:5] = np.nan
    assert pearson_columns(a, b)[0] == pytest.approx(expected)


def test_noise_free_repetitions_are_perfectly_reliable_even_with_missing_ones():
    responses = _repeated(30, 4, 6, 1.0, 0.0)
    responses[[0, 3, 7], [1, 2, 0]] = np.nan
    reliability = split_half_reliability(responses, n_splits=5)
    assert reliability.shape == (5, 6)
    np.testing.assert_allclose(reliability, 1.0)


def test_pure_noise_has_no_reliability():
    assert abs(ceiling_of(_repeated(400, 4, 50, 0.0, 1.0))) < 0.15


def test_split_half_estimate_matches_the_reliability_of_the_mean():
    signal_var, noise_var, n_reps = 1.0, 2.0, 8
    expected = signal_var / (signal_var + noise_var / n_reps)  # 0.8; halves: 1 / (1 + 2 / 4) = 2/3
    assert spearman_brown(signal_var / (signal_var + noise_var / (n_reps / 2))) == pytest.approx(expected)
    estimate = ceiling_of(_repeated(2000, n_reps, 20, signal_var, noise_var))
    assert estimate == pytest.approx(expected, abs=0.03)


def test_split_half_keeps_the_neuroid_axes_and_is_seeded():
    responses = _repeated(20, 4, 12, 1.0, 1.0).reshape(20, 4, 3, 4)
    first = split_half_reliability(responses, n_splits=3, seed=5)
    assert first.shape == (3, 3, 4)
    np.testing.assert_array_equal(first, split_half_reliability(responses, n_splits=3, seed=5))
    assert not np.array_equal(first, split_half_reliability(responses, n_splits=3, seed=6))


def test_split_half_needs_two_repetitions():
    with pytest.raises(NeuroarenaError, match="split-half"):
        split_half_reliability(np.zeros((10, 1, 3)))


# --- ridge ----------------------------------------------------------------------------------------------------


def _linear(n, n_features, n_targets, noise, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features)) + 3.0
    weights = rng.normal(size=(n_features, n_targets))
    return X, X @ weights + 5.0 + noise * rng.normal(size=(n, n_targets))


@pytest.mark.parametrize("n, n_features", [(30, 80), (60, 20)])
def test_kernel_ridge_predicts_as_sklearn_ridge(n, n_features):
    X, Y = _linear(n + 10, n_features, 4, noise=1.0)
    model = KernelRidgeCV(alphas=[0.1]).fit(X[:n], Y[:n])
    reference = Ridge(alpha=0.1 * model.alpha_scale_, fit_intercept=True).fit(X[:n], Y[:n])
    np.testing.assert_allclose(model.predict(X[n:]), reference.predict(X[n:]), atol=1e-6)
    assert model.alpha_scale_ == pytest.approx(np.mean(np.sum((X[:n] - X[:n].mean(axis=0)) ** 2, axis=1)))


@pytest.mark.parametrize("n, n_features", [(40, 100), (80, 15)])
def test_kernel_ridge_chooses_the_alphas_of_sklearn_ridgecv(n, n_features):
    rng = np.random.default_rng(3)
    X, Y = _linear(n, n_features, 30, noise=0.0)
    Y = Y * rng.uniform(0.0, 1.0, 30) + rng.normal(0, 10.0, Y.shape)  # signal-to-noise from nil to high
    grid = np.logspace(-3, 6, 19)
    model = KernelRidgeCV(alphas=grid).fit(X, Y)
    reference = RidgeCV(alphas=grid * model.alpha_scale_, alpha_per_target=True).fit(X, Y)
    assert len(np.unique(model.alpha_)) > 2
    np.testing.assert_allclose(model.alpha_ * model.alpha_scale_, reference.alpha_)
    one = KernelRidgeCV(alphas=grid, alpha_per_target=False).fit(X, Y)
    shared = RidgeCV(alphas=grid * one.alpha_scale_).fit(X, Y)
    assert one.alpha_ * one.alpha_scale_ == pytest.approx(shared.alpha_)
    np.testing.assert_allclose(one.predict(X), shared.predict(X), atol=1e-6)


def test_kernel_ridge_holds_no_features_by_targets_array():
    n_features, n_targets = 5000, 3000
    rng = np.random.default_rng(4)
    model = KernelRidgeCV().fit(rng.normal(size=(60, n_features)), rng.normal(size=(60, n_targets)))
    arrays = {name: value for name, value in vars(model).items() if isinstance(value, np.ndarray)}
    assert {"dual_coef_", "X_fit_"} <= set(arrays)
    assert all(value.size < n_features * n_targets for value in arrays.values())
    assert model.predict(rng.normal(size=(7, n_features))).shape == (7, n_targets)


def test_kernel_ridge_rejects_bad_input():
    with pytest.raises(NeuroarenaError, match="non-finite"):
        KernelRidgeCV().fit(np.full((5, 2), np.nan), np.zeros((5, 1)))
    with pytest.raises(NeuroarenaError, match="positive"):
        KernelRidgeCV(alphas=[0.0]).fit(np.ones((5, 2)), np.zeros((5, 1)))
    model = KernelRidgeCV().fit(np.random.default_rng(0).normal(size=(5, 2)), np.zeros((5, 1)))
    with pytest.raises(NeuroarenaError, match="fitted on 2 features"):
        model.predict(np.zeros((3, 4)))


def test_ridge_encoding_recovers_a_linear_map_and_not_shuffled_responses():
    X, Y = _linear(500, 50, 30, noise=0.5)
    r = ridge_encoding(X[:200], Y[:200], X[200:], Y[200:])
    assert r.shape == (30,) and np.median(r) > 0.95
    shuffled = Y[200:][np.random.default_rng(5).permutation(300)]
    assert abs(np.median(ridge_encoding(X[:200], Y[:200], X[200:], shuffled))) < 0.1


def test_pls_encoding_on_a_linear_problem():
    X, Y = _linear(300, 40, 12, noise=0.5)
    labels = np.repeat(np.arange(10), 30)
    r = pls_encoding(X, Y, labels, n_splits=4)
    assert r.shape == (4, 12) and np.median(r) > 0.95
    labels[0] = 99  # a class of one: plain shuffle splits
    assert pls_encoding(X, Y, labels, n_splits=2).shape == (2, 12)


# --- similarity -----------------------------------------------------------------------------------------------


def test_rsa_of_identical_representations_is_one():
    features = np.random.default_rng(6).normal(size=(20, 30))
    assert rsa_score(rdm(features), rdm(features)) == pytest.approx(1.0)
    # correlation distance ignores each row's offset and positive scale
    assert rsa_score(rdm(features), rdm(3.0 * features + 2.0)) == pytest.approx(1.0)


def test_rsa_subject_bounds():
    rng = np.random.default_rng(7)
    shared = rdm(rng.normal(size=(15, 40)))
    assert rsa_subject_bounds(np.stack([shared] * 3)) == pytest.approx((1.0, 1.0))
    noisy = np.stack([shared + rng.normal(0, 0.3, shared.shape) for _ in range(5)])
    lower, upper = rsa_subject_bounds(noisy)
    assert 0 < lower < upper < 1
    with pytest.raises(NeuroarenaError, match="two or more"):
        rsa_subject_bounds(noisy[:1])


def test_cka_of_a_representation_with_itself_rotated_and_scaled():
    X = np.random.default_rng(8).normal(size=(100, 20))
    rotation = ortho_group.rvs(20, random_state=8)
    assert cka_unbiased(X, X) == pytest.approx(1.0)
    assert cka_unbiased(X, 5.0 * X @ rotation) == pytest.approx(1.0)
    assert cka_unbiased(X, X[:, :10]) < 1.0


def test_cka_of_independent_representations_is_near_zero():
    rng = np.random.default_rng(9)
    assert abs(cka_unbiased(rng.normal(size=(200, 30)), rng.normal(size=(200, 50)))) < 0.1


def _human_choice(features, triplet):
    """The odd one out by looping over the three pairs."""
    i, j, k = triplet
    similarity = {k: features[i] @ features[j], j: features[i] @ features[k], i: features[j] @ features[k]}
    return max(similarity, key=similarity.get)


def test_odd_one_out_follows_the_generating_similarities():
    rng = np.random.default_rng(10)
    features = rng.normal(size=(40, 8))
    triplets = np.array([rng.choice(40, 3, replace=False) for _ in range(500)])
    chosen = np.array([_human_choice(features, t) for t in triplets])
    rotated = 2.0 * features @ ortho_group.rvs(8, random_state=10)  # dot products up to a positive factor
    assert odd_one_out_accuracy(odd_one_out(rotated, triplets), chosen) == 1.0


def test_odd_one_out_of_random_features_is_at_chance():
    rng = np.random.default_rng(11)
    triplets = np.array([rng.permutation(200)[:3] for _ in range(30000)])
    chosen = triplets[np.arange(len(triplets)), rng.integers(0, 3, len(triplets))]
    predicted = odd_one_out(rng.normal(size=(200, 16)), triplets)
    assert np.isin(predicted, triplets).all()
    assert odd_one_out_accuracy(predicted, chosen) == pytest.approx(1 / 3, abs=0.02)


def test_odd_one_out_score_is_zero_at_chance_and_one_at_the_ceiling():
    assert odd_one_out_score(1 / 3, 0.6767) == pytest.approx(0.0)
    assert odd_one_out_score(0.6767, 0.6767) == pytest.approx(1.0)
    with pytest.raises(NeuroarenaError, match="not above chance"):
        odd_one_out_score(0.5, 0.3)
