"""Handcrafted pipelines: Riemannian tangent-space features with a linear model.

Each pipeline takes ``X : ndarray, shape (n_windows, n_chans, n_times)``
(float32 is fine: it is cast to float64 for pyriemann), estimates one OAS
covariance per window, maps it to the tangent space at the Riemannian mean of
the training covariances (``n_chans * (n_chans + 1) / 2`` features), standardizes
the features and fits a linear model. ``xdawn_ts_lr`` first augments each window with the class-average
responses of the training set projected on xDAWN filters (pyriemann's ``XdawnCovariances``, as MOABB's
standard ERP pipeline), so that time-locked responses, which a window's covariance alone hardly carries,
reach the tangent space.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from pyriemann.estimation import Covariances, XdawnCovariances
from pyriemann.tangentspace import TangentSpace
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler


def as_float64(X: np.ndarray) -> np.ndarray:
    """Return ``X`` as a float64 array (same shape)."""
    return np.asarray(X, dtype=np.float64)


def tangent_space_steps() -> list[tuple[str, Any]]:
    """Steps mapping ``(n_windows, n_chans, n_times)`` windows to standardized tangent vectors."""
    return [
        ("float64", FunctionTransformer(as_float64)),
        ("covariances", Covariances(estimator="oas")),
        ("tangent_space", TangentSpace(metric="riemann")),
        ("scale", StandardScaler()),
    ]


def build_cov_ts_lr(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                    target_kind: str, C: float = 1.0) -> Pipeline:
    """Tangent space -> ``LogisticRegression(C=C, max_iter=1000)``; ``y : shape (n_windows,)`` labels."""
    return Pipeline([*tangent_space_steps(), ("classifier", LogisticRegression(C=C, max_iter=1000))])


def build_xdawn_ts_lr(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                      target_kind: str, C: float = 1.0, nfilter: int = 4) -> Pipeline:
    """xDAWN-augmented OAS covariances -> tangent space -> ``LogisticRegression``; ``y : shape (n_windows,)``."""
    return Pipeline([
        ("float64", FunctionTransformer(as_float64)),
        ("covariances", XdawnCovariances(nfilter=min(nfilter, n_chans), estimator="oas")),
        ("tangent_space", TangentSpace(metric="riemann")),
        ("scale", StandardScaler()),
        ("classifier", LogisticRegression(C=C, max_iter=1000)),
    ])


def build_cov_ts_ridge(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                       target_kind: str, alpha: float = 1.0) -> Pipeline:
    """Tangent space -> ``Ridge(alpha=alpha)``; ``y : shape (n_windows, n_outputs)`` embeddings."""
    return Pipeline([*tangent_space_steps(), ("regressor", Ridge(alpha=alpha))])
