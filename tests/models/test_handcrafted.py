from __future__ import annotations

import numpy as np

from neuroarena.models import build_model

N_CHANS, N_TIMES = 4, 200


def test_cov_ts_lr_finds_the_loud_channel():
    # class c = channel c has 3 times the standard deviation of the others
    rng = np.random.default_rng(0)
    y = np.tile(np.arange(3), 40)
    X = rng.standard_normal((len(y), N_CHANS, N_TIMES))
    X[np.arange(len(y)), y] *= 3.0
    X = X.astype(np.float32)
    model = build_model("cov_ts_lr", n_chans=N_CHANS, n_outputs=3, n_times=N_TIMES, sfreq=100.0, chs_info=None,
                        target_kind="classification")
    model.fit(X[:90], y[:90])
    assert np.mean(model.predict(X[90:]) == y[90:]) == 1.0  # chance is 1/3
    assert model.named_steps["scale"].n_features_in_ == N_CHANS * (N_CHANS + 1) // 2
    np.testing.assert_allclose(model.predict_proba(X[90:]), model.predict_proba(X[90:].astype(np.float64)))


def test_cov_ts_ridge_recovers_planted_linear_embedding():
    # log channel scales u drive the covariances; the embedding is linear in u,
    # and the tangent vector of a diagonal covariance is linear in u (2u minus the mean)
    rng = np.random.default_rng(1)
    u = rng.normal(0.0, 0.5, size=(200, N_CHANS))
    W = rng.standard_normal((N_CHANS, 3))
    y = u @ W
    X = (np.exp(u)[:, :, None] * rng.standard_normal((200, N_CHANS, N_TIMES))).astype(np.float32)
    model = build_model("cov_ts_ridge", n_chans=N_CHANS, n_outputs=3, n_times=N_TIMES, sfreq=100.0, chs_info=None,
                        target_kind="embedding")
    model.fit(X[:150], y[:150])
    pred = model.predict(X[150:])
    assert pred.shape == (50, 3)
    for column in range(3):
        assert np.corrcoef(pred[:, column], y[150:, column])[0, 1] > 0.95
    # the dummy predicts the training mean: its error is the target variance, ridge's is far below
    assert np.mean((pred - y[150:]) ** 2) < 0.05 * np.mean((y[150:] - y[:150].mean(0)) ** 2)


def test_xdawn_ts_lr_finds_a_time_locked_response_that_the_covariance_misses():
    # the classes differ only in the sign of a time-locked wave: same covariance, opposite evoked responses
    rng = np.random.default_rng(2)
    y = np.tile(np.arange(2), 60)
    wave = np.sin(np.linspace(0, 2 * np.pi, N_TIMES)) * np.array([1.0, 0.5, 0.0, -0.5])[:, None]
    X = (rng.standard_normal((len(y), N_CHANS, N_TIMES)) + np.where(y == 1, 1.0, -1.0)[:, None, None] * wave)
    X = X.astype(np.float32)
    scores = {}
    for name in ("cov_ts_lr", "xdawn_ts_lr"):
        model = build_model(name, n_chans=N_CHANS, n_outputs=2, n_times=N_TIMES, sfreq=100.0, chs_info=None,
                            target_kind="classification")
        scores[name] = np.mean(model.fit(X[:80], y[:80]).predict(X[80:]) == y[80:])
    assert scores["xdawn_ts_lr"] >= 0.95 and scores["cov_ts_lr"] <= 0.75
