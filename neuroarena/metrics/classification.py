"""Classification scores: balanced accuracy and macro F1."""
from __future__ import annotations

from typing import Any

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.base import Metric


def as_labels(pred: np.ndarray) -> np.ndarray:
    """Predicted labels from logits or labels.

    Parameters
    ----------
    pred : ndarray, shape (n, n_classes) or (n,)
        Logits/probabilities (the arg-max is taken) or labels.

    Returns
    -------
    labels : ndarray, shape (n,)
    """
    pred = np.asarray(pred)
    if pred.ndim == 2:
        return pred.argmax(axis=1)
    if pred.ndim == 1:
        return pred
    raise NeuroarenaError(
        f"classification predictions have shape {pred.shape}",
        fix="pass logits of shape (n, n_classes) or labels of shape (n,)",
    )


def _check_lengths(y_true: np.ndarray, y_pred: np.ndarray) -> None:
    if len(y_true) != len(y_pred) or len(y_true) == 0:
        raise NeuroarenaError(
            f"got {len(y_true)} true labels and {len(y_pred)} predictions",
            fix="pass one prediction per true label, at least one",
        )


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of predictions equal to the true label.

    Parameters
    ----------
    y_true : ndarray, shape (n,)
    y_pred : ndarray, shape (n, n_classes) or (n,)
        Logits or labels.
    """
    y_true, y_pred = np.asarray(y_true), as_labels(y_pred)
    _check_lengths(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean over the true classes of the recall of each class.

    Parameters
    ----------
    y_true : ndarray, shape (n,)
    y_pred : ndarray, shape (n, n_classes) or (n,)
        Logits or labels.
    """
    from sklearn.metrics import recall_score

    y_true, y_pred = np.asarray(y_true), as_labels(y_pred)
    _check_lengths(y_true, y_pred)
    recalls = recall_score(y_true, y_pred, labels=np.unique(y_true), average=None, zero_division=0)
    return float(np.mean(recalls))


def f1_macro(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Unweighted mean of the per-class F1 over the classes present in ``y_true`` or ``y_pred``.

    A class never predicted and never true is absent; an undefined F1 counts as 0.

    Parameters
    ----------
    y_true : ndarray, shape (n,)
    y_pred : ndarray, shape (n, n_classes) or (n,)
        Logits or labels.
    """
    from sklearn.metrics import f1_score

    y_true, y_pred = np.asarray(y_true), as_labels(y_pred)
    _check_lengths(y_true, y_pred)
    return float(f1_score(y_true, y_pred, average="macro", zero_division=0))


class _LabelMetric(Metric):
    """Keeps predicted labels only: logits are reduced by arg-max at each update."""

    def update(self, pred: Any, target: Any, **kw: Any) -> None:
        super().update(as_labels(pred), target, **kw)


class BalancedAccuracy(_LabelMetric):
    """Accumulating :func:`balanced_accuracy`; ``update(pred, target)``, pred logits or labels."""

    def score(self, pred: np.ndarray, target: np.ndarray, **kw: np.ndarray) -> float:
        return balanced_accuracy(target, pred)


class F1Macro(_LabelMetric):
    """Accumulating :func:`f1_macro`; ``update(pred, target)``, pred logits or labels."""

    def score(self, pred: np.ndarray, target: np.ndarray, **kw: np.ndarray) -> float:
        return f1_macro(target, pred)
