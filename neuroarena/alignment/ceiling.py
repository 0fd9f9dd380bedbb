"""Noise ceilings: the split-half reliability of repeated responses, Spearman–Brown corrected.

A neuroid's ceiling is the correlation across stimuli between the mean responses of two random halves of the
repetitions, stepped up by Spearman–Brown to the reliability of the mean over all of them: what a perfect model
of the mean response could reach.
"""
from __future__ import annotations

import warnings

import numpy as np

from neuroarena.errors import NeuroarenaError


def spearman_brown(r: float | np.ndarray, factor: float = 2.0) -> np.ndarray:
    """The reliability of a measure ``factor`` times as long as one of reliability ``r``.

    Parameters
    ----------
    r : float or ndarray, any shape
        Reliabilities (correlations).
    factor : float
        How many times longer the predicted measure is (2: from a half to the whole).

    Returns
    -------
    ndarray, shape of ``r``
        ``factor * r / (1 + (factor - 1) * r)``, elementwise.
    """
    r = np.asarray(r, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return factor * r / (1.0 + (factor - 1.0) * r)


def pearson_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson's r between matching columns of ``a`` and ``b``, leaving out rows where either is NaN.

    Parameters
    ----------
    a, b : ndarray, shape (n, k)

    Returns
    -------
    ndarray, shape (k,)
        NaN for a column that is constant (or has fewer than two complete rows), without a warning.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim != 2 or a.shape != b.shape:
        raise NeuroarenaError(f"pearson_columns got arrays of shapes {a.shape} and {b.shape}",
                              fix="pass two 2-D arrays of the same shape (n, k)")
    both = np.isfinite(a) & np.isfinite(b)
    a, b = np.where(both, a, 0.0), np.where(both, b, 0.0)
    count = both.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(both, a - a.sum(axis=0) / count, 0.0)
        b = np.where(both, b - b.sum(axis=0) / count, 0.0)
        r = (a * b).sum(axis=0) / np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    return np.where(count >= 2, r, np.nan)


def split_half_reliability(responses: np.ndarray, n_splits: int = 10, seed: int = 0) -> np.ndarray:
    """Spearman–Brown corrected split-half reliability of every neuroid, per random split of the repetitions.

    Each split permutes the repetitions (the same permutation for every stimulus), averages each half over its
    repetitions (ignoring NaN, for repetitions a stimulus lacks) and correlates the two half-means across
    stimuli. With an odd number of repetitions the halves hold ``n_reps // 2`` each and one, a different one
    per split, is left out.

    Parameters
    ----------
    responses : ndarray, shape (n_stimuli, n_reps, *neuroid_shape)
        Repeated responses, ``n_reps >= 2``; the neuroid axes (one or more) are kept in the result.
    n_splits : int
        Number of random splits.
    seed : int
        Seed of ``np.random.default_rng`` drawing the splits.

    Returns
    -------
    ndarray, shape (n_splits, *neuroid_shape)
        Take the mean over splits, then e.g. the median over neuroids.
    """
    responses = np.asarray(responses, dtype=float)
    if responses.ndim < 3 or responses.shape[0] < 3 or responses.shape[1] < 2:
        raise NeuroarenaError(f"split-half reliability got responses of shape {responses.shape}",
                              fix="pass (n_stimuli >= 3, n_reps >= 2, n_neuroids) repeated responses")
    n_stimuli, n_reps, neuroid_shape = responses.shape[0], responses.shape[1], responses.shape[2:]
    flat = responses.reshape(n_stimuli, n_reps, -1)
    rng, half = np.random.default_rng(seed), n_reps // 2
    out = np.empty((n_splits, flat.shape[2]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a stimulus with no repetition in one half
        for i in range(n_splits):
            order = rng.permutation(n_reps)
            first = np.nanmean(flat[:, order[:half]], axis=1)
            second = np.nanmean(flat[:, order[half:2 * half]], axis=1)
            out[i] = spearman_brown(pearson_columns(first, second))
    return out.reshape(n_splits, *neuroid_shape)


def ceiling_of(responses: np.ndarray, n_splits: int = 10, seed: int = 0) -> float:
    """The median over neuroids of the mean over splits of :func:`split_half_reliability`.

    Parameters
    ----------
    responses : ndarray, shape (n_stimuli, n_reps, *neuroid_shape)

    Returns
    -------
    float
    """
    return float(np.nanmedian(split_half_reliability(responses, n_splits, seed).mean(axis=0)))
