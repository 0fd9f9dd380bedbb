from __future__ import annotations

import numpy as np

from neuroarena.models import build_model

SIGNAL = dict(n_chans=2, n_times=3, sfreq=100.0, chs_info=None)


def test_dummy_classifier_predicts_most_frequent_class():
    model = build_model("dummy", **SIGNAL, n_outputs=3, target_kind="classification")
    X = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    model.fit(X, np.array([0, 1, 1, 2, 1]))
    np.testing.assert_array_equal(model.predict(X[:2]), [1, 1])
    np.testing.assert_allclose(model.predict_proba(X[:1]), [[0.0, 1.0, 0.0]])


def test_dummy_regressor_predicts_mean_embedding():
    model = build_model("dummy", **SIGNAL, n_outputs=2, target_kind="embedding")
    X = np.zeros((4, 2, 3), dtype=np.float32)
    y = np.array([[1.0, 0.0], [3.0, 2.0], [2.0, 4.0], [6.0, 2.0]])
    model.fit(X, y)
    np.testing.assert_allclose(model.predict(X[:3]), [[3.0, 2.0]] * 3)
