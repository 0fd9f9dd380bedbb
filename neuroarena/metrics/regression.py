"""Regression metrics: NRMSE as the EEG Foundation Challenge 2025 scores it, RMSE and Pearson's r.

NRMSE = RMSE / std(y_true) with the population standard deviation (``ddof=0``), as the
challenge's ``local_scoring.py`` computes it with ``numpy.std``: the mean predictor of the test
targets scores exactly 1.0, a perfect one 0.0; lower is better.
"""
from __future__ import annotations

import numpy as np

from neuroarena.errors import NeuroarenaError


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y_pred = y_pred.reshape(len(y_pred), -1)
    if y_true.shape != y_pred.shape or y_true.shape[1] != 1 or len(y_true) == 0:
        raise NeuroarenaError(f"a regression metric got targets of shape {y_true.shape} and predictions of shape "
                              f"{y_pred.shape}", fix="pass one value per window for both, shape (n,) or (n, 1)")
    if not (np.isfinite(y_true).all() and np.isfinite(y_pred).all()):
        raise NeuroarenaError("a regression metric got non-finite targets or predictions",
                              fix="leave out windows without a target; check the model's outputs for NaN")
    return y_true[:, 0], y_pred[:, 0]


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Root mean squared error; ``y_true``, ``y_pred`` shape (n,) or (n, 1)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((y_pred - y_true) ** 2)))


def nrmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """RMSE divided by the population standard deviation of ``y_true`` (shape (n,) or (n, 1)); NaN when every
    target is equal (one subject's trait, say: the score is undefined there, and reads ``null`` in a record)."""
    y_true, y_pred = _pair(y_true, y_pred)
    spread = float(np.std(y_true))
    if spread == 0.0:
        return float("nan")
    return float(np.sqrt(np.mean((y_pred - y_true) ** 2)) / spread)


def pearson_r(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Pearson correlation of predictions and targets (0 when the predictions are constant)."""
    y_true, y_pred = _pair(y_true, y_pred)
    if np.std(y_pred) == 0.0 or np.std(y_true) == 0.0:
        return 0.0
    return float(np.corrcoef(y_true, y_pred)[0, 1])


def subject_means(values: np.ndarray, subject: np.ndarray) -> np.ndarray:
    """Mean of ``values`` (n,) or (n, 1) over each subject's windows, shape (n_subjects,), subjects sorted."""
    values = np.asarray(values, dtype=np.float64).reshape(len(values))
    _, inverse, counts = np.unique(np.asarray(subject), return_inverse=True, return_counts=True)
    return np.bincount(inverse.ravel(), weights=values) / counts
