"""Analyses beside the headline score: confusion matrices and the same score per subject."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.classification import accuracy, as_labels
from neuroarena.metrics.retrieval import full_set_topk


def confusion_matrix(labels: np.ndarray, pred_labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts of each (true, predicted) class pair.

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
        True classes, in ``0..n_classes-1``.
    pred_labels : ndarray, shape (n,) or (n, n_classes)
        Predicted classes, or logits (the arg-max is taken).
    n_classes : int

    Returns
    -------
    counts : ndarray of int, shape (n_classes, n_classes)
        Row = true class, column = predicted class.
    """
    from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

    labels, pred_labels = np.asarray(labels), as_labels(pred_labels)
    if len(labels) != len(pred_labels) or len(labels) == 0:
        raise NeuroarenaError(f"confusion matrix got {len(labels)} labels and {len(pred_labels)} predictions",
                              fix="pass one prediction per label, at least one")
    both = np.concatenate([labels, pred_labels])
    if not np.issubdtype(both.dtype, np.integer) or both.min() < 0 or both.max() >= n_classes:
        raise NeuroarenaError(f"confusion matrix needs integer classes in 0..{n_classes - 1}, "
                              f"got {both.min()}..{both.max()} ({both.dtype})",
                              fix="encode the classes as integers 0..n_classes-1")
    return sklearn_confusion_matrix(labels, pred_labels, labels=np.arange(n_classes))


def per_group_scores(metric_fn: Callable[..., float], groups: np.ndarray, *arrays: np.ndarray,
                     **shared: Any) -> tuple[dict, float]:
    """One metric computed on the rows of each group (e.g. each subject) and on all rows pooled.

    Parameters
    ----------
    metric_fn : callable
        ``metric_fn(*arrays, **shared) -> float``.
    groups : ndarray, shape (n,)
        Group of each row.
    *arrays : ndarray, shape (n, ...)
        Per-row inputs of ``metric_fn``, cut by group.
    **shared
        Inputs that every group shares (e.g. the candidate set), passed unchanged.

    Returns
    -------
    by_group : dict
        Group -> score, groups sorted.
    pooled : float
        The score of all rows together.
    """
    groups = np.asarray(groups)
    arrays = tuple(np.asarray(array) for array in arrays)
    if groups.ndim != 1 or len(groups) == 0 or any(len(array) != len(groups) for array in arrays):
        raise NeuroarenaError(f"per-group scores got {len(groups)} groups for arrays of lengths "
                              f"{[len(array) for array in arrays]}", fix="pass one group per row, at least one row")
    by_group = {}
    for group in np.unique(groups).tolist():
        mask = groups == group
        by_group[group] = float(metric_fn(*(array[mask] for array in arrays), **shared))
    return by_group, float(metric_fn(*arrays, **shared))


def per_subject_accuracy(labels: np.ndarray, pred: np.ndarray, subject: np.ndarray) -> tuple[dict, float]:
    """Category accuracy of each subject and of all subjects pooled.

    Parameters
    ----------
    labels : ndarray, shape (n,)
    pred : ndarray, shape (n,) or (n, n_classes)
        Labels or logits.
    subject : ndarray, shape (n,)

    Returns
    -------
    by_subject : dict
        Subject -> accuracy.
    pooled : float
    """
    return per_group_scores(accuracy, subject, labels, pred)


def per_subject_topk(pred: np.ndarray, stimulus: np.ndarray, subject: np.ndarray, candidate_ids: np.ndarray,
                     candidate_emb: np.ndarray, ks: tuple[int, ...] = (1, 5)) -> dict[int, tuple[dict, float]]:
    """Full-set top-k image retrieval of each subject and of all subjects pooled.

    A subject's repeated presentations are averaged within the subject; pooled, the
    presentations of every subject are averaged together.

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    stimulus : ndarray, shape (n,)
    subject : ndarray, shape (n,)
    candidate_ids : ndarray, shape (m,)
    candidate_emb : ndarray, shape (m, d)
    ks : tuple of int

    Returns
    -------
    dict
        k -> (subject -> top-k accuracy, pooled top-k accuracy).
    """
    return {k: per_group_scores(full_set_topk, subject, pred, stimulus, candidate_ids=candidate_ids,
                                candidate_emb=candidate_emb, k=k) for k in ks}
