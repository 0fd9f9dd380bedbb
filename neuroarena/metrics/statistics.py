"""Statistics behind a trustworthy leaderboard: bootstrap intervals, paired tests and rank agreement.

Everything here works on the per-item outcomes a result record keeps in ``test_items``:
classification ``{"y_true": [...], "y_pred": [...]}`` per test window, regression the same with
``subject`` (values in the target's units), retrieval ``{"subject": [...], "stimulus": [...],
"rank": [...]}`` per subject and test stimulus (rank 0 = retrieved first among that subject's
candidates; records without ``subject`` hold one pooled subject). Retrieval scores are the mean over
subjects of each subject's top-k accuracy, and the unit that is resampled or sign-flipped is the test
*stimulus* (with all subjects' items of it), the unit a retrieval benchmark generalises over;
classification resamples windows; regression resamples windows, or *subjects* when the target is a
subject's trait (the same value on all its windows) or the metric is scored per subject. Several seeds of one model
are scored on the same test items; a resample picks units once and every seed is scored on it, then
the seeds' scores are averaged.
"""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    import pandas as pd

CLASSIFICATION_ITEM_METRICS = ("balanced_accuracy", "f1_macro")
# full-set retrieval: instance-level Recall@K is Top-K of the caption among the captions (same ranks)
RETRIEVAL_ITEM_METRICS = {"top1": 1, "top5": 5, "recall1": 1, "recall3": 3, "recall5": 5}
REGRESSION_ITEM_METRICS = ("nrmse", "rmse", "nrmse_subject")
# metrics that are a sum of per-item contributions (the squared score, for the errors), so a paired
# sign-flip test applies
DECOMPOSABLE_METRICS = ("balanced_accuracy", *RETRIEVAL_ITEM_METRICS, "nrmse", "rmse")
EXACT_SIGN_FLIP_MAX_ITEMS = 12
#: Kendall's tau between fewer shared models is +-1 or 0 with p near 1: it says nothing.
MIN_TAU_MODELS = 4
_CHUNK_ELEMENTS = 2_000_000


def supports_items(metric: str) -> bool:
    """Whether ``metric`` can be recomputed from a record's ``test_items``."""
    return metric in CLASSIFICATION_ITEM_METRICS or metric in RETRIEVAL_ITEM_METRICS or \
        metric in REGRESSION_ITEM_METRICS


def _check_metric(metric: str) -> None:
    if not supports_items(metric):
        known = sorted((*CLASSIFICATION_ITEM_METRICS, *RETRIEVAL_ITEM_METRICS, *REGRESSION_ITEM_METRICS))
        raise NeuroarenaError(f"metric {metric!r} cannot be recomputed from per-item test outcomes",
                              fix=f"use one of {', '.join(known)}")


def aligned_items(metric: str, items_per_seed: Sequence[Mapping[str, list]]) -> list[dict[str, np.ndarray]]:
    """Check that every seed (or model) was tested on the same items and put them in one order.

    Parameters
    ----------
    metric : str
        A metric for which :func:`supports_items` is true.
    items_per_seed : sequence of dict
        One record's ``test_items`` per seed.

    Returns
    -------
    list of dict of ndarray, each array shape (n_items,)
        Classification: ``y_true``, ``y_pred`` in the stored window order. Retrieval: ``subject`` (``""``
        when the record has none), ``stimulus``, ``rank``, sorted by subject then stimulus.
    """
    _check_metric(metric)
    if not items_per_seed:
        raise NeuroarenaError("no per-item test outcomes to score", fix="pass at least one record's test_items")
    retrieval, regression = metric in RETRIEVAL_ITEM_METRICS, metric in REGRESSION_ITEM_METRICS
    keys = ("stimulus", "rank") if retrieval else ("y_true", "y_pred")
    out = []
    for items in items_per_seed:
        if any(key not in items for key in keys) or len(items[keys[0]]) != len(items[keys[1]]) or (
                retrieval and len(items.get("subject", items["stimulus"])) != len(items["stimulus"])):
            raise NeuroarenaError(f"test_items for {metric!r} need equally long {' and '.join(keys)}",
                                  fix="re-run the job so that its record stores per-item test outcomes")
        arrays = {key: np.asarray(items[key]) for key in keys}
        if regression:
            arrays = {key: value.astype(np.float64) for key, value in arrays.items()}
            arrays["subject"] = np.asarray(items.get("subject", [""] * len(arrays["y_true"])), dtype=str)
        if retrieval:
            arrays["subject"] = np.asarray(items.get("subject", [""] * len(arrays["stimulus"])), dtype=str)
            order = np.lexsort((arrays["stimulus"], arrays["subject"]))
            arrays = {key: value[order] for key, value in arrays.items()}
        out.append(arrays)
    labels = ("subject", "stimulus") if retrieval else ("subject", "y_true") if regression else ("y_true",)
    for arrays in out[1:]:
        if any(len(arrays[key]) != len(out[0][key]) or not np.array_equal(arrays[key], out[0][key])
               for key in labels):
            raise NeuroarenaError(f"the records were tested on different items ({' or '.join(labels)} differ)",
                                  fix="compare only records of the same task, dataset and split")
    if len(out[0][keys[0]]) == 0:
        raise NeuroarenaError("the records hold no test items", fix="re-run the job on a non-empty test set")
    return out


def item_units(metric: str, items: Mapping[str, np.ndarray]) -> np.ndarray:
    """The resampling unit of each item: its window (classification, regression), its stimulus (retrieval), or
    its subject (regression on a subject's trait, or scored per subject).

    Parameters
    ----------
    metric : str
    items : dict of ndarray, each shape (n_items,)
        One entry of :func:`aligned_items`.

    Returns
    -------
    units : ndarray of int, shape (n_items,)
        Unit index of each item, ``0..n_units-1``.
    """
    if metric in RETRIEVAL_ITEM_METRICS:
        return np.unique(items["stimulus"], return_inverse=True)[1].ravel()
    if metric in REGRESSION_ITEM_METRICS:
        subjects, subject = np.unique(items["subject"], return_inverse=True)
        subject = subject.ravel()
        per_subject_value = [np.unique(items["y_true"][subject == s]).size == 1 for s in range(len(subjects))]
        if metric == "nrmse_subject" or all(per_subject_value):
            return subject
    return np.arange(len(items["y_true"]))


def weighted_scores(metric: str, items: Mapping[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
    """The metric of one seed on each resample, a resample given by how often it draws each item.

    Parameters
    ----------
    metric : str
    items : dict of ndarray, each shape (n_items,)
        One entry of :func:`aligned_items`.
    weights : ndarray, shape (n_resamples, n_items)
        Count of each item in each resample; all ones gives the plain score.

    Returns
    -------
    scores : ndarray, shape (n_resamples,)
        Retrieval: the mean, over the subjects a resample draws from, of each subject's weighted hit rate.
    """
    _check_metric(metric)
    weights = np.asarray(weights, dtype=np.float64)
    if metric in REGRESSION_ITEM_METRICS:
        return _weighted_errors(metric, items, weights)
    if metric in RETRIEVAL_ITEM_METRICS:
        hit = (items["rank"] < RETRIEVAL_ITEM_METRICS[metric]).astype(np.float64)
        subject = items.get("subject", np.zeros(len(hit)))
        per_subject = []
        for s in np.unique(subject):
            mine = subject == s
            drawn = weights[:, mine].sum(axis=1)
            per_subject.append(np.divide(weights[:, mine] @ hit[mine], drawn, out=np.full(len(drawn), np.nan),
                                         where=drawn > 0))
        return np.nanmean(np.stack(per_subject), axis=0)
    y_true, y_pred = items["y_true"], items["y_pred"]
    classes = np.unique(np.concatenate([y_true, y_pred]))
    true_onehot = (y_true[:, None] == classes[None, :]).astype(np.float64)
    pred_onehot = (y_pred[:, None] == classes[None, :]).astype(np.float64)
    support = weights @ true_onehot
    hits = weights @ (true_onehot * (y_true == y_pred)[:, None])
    if metric == "balanced_accuracy":
        present = support > 0
        recall = np.divide(hits, support, out=np.zeros_like(hits), where=present)
        return recall.sum(axis=1) / present.sum(axis=1)
    denominator = support + weights @ pred_onehot
    present = denominator > 0
    f1 = np.divide(2 * hits, denominator, out=np.zeros_like(hits), where=present)
    return f1.sum(axis=1) / present.sum(axis=1)


def _weighted_errors(metric: str, items: Mapping[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
    """RMSE or NRMSE (population std of the drawn targets) of each resample, shape (n_resamples,)."""
    y_true, y_pred = items["y_true"], items["y_pred"]
    if metric == "nrmse_subject":  # one value per subject: its windows' means, the subject drawn as a unit
        subjects, first, subject = np.unique(items["subject"], return_index=True, return_inverse=True)
        counts = np.bincount(subject.ravel())
        y_true = np.bincount(subject.ravel(), weights=y_true) / counts
        y_pred = np.bincount(subject.ravel(), weights=y_pred) / counts
        weights = weights[:, first]
    total = weights.sum(axis=1)
    mse = weights @ (y_pred - y_true) ** 2 / total
    if metric == "rmse":
        return np.sqrt(mse)
    mean = weights @ y_true / total
    variance = weights @ y_true ** 2 / total - mean ** 2
    return np.sqrt(mse / np.where(variance > 0, variance, np.nan))


def bootstrap_ci(metric: str, items_per_seed: Sequence[Mapping[str, list]], n_boot: int = 2000,
                 level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the seed-averaged score, resampling test items.

    Each resample draws as many units (windows, or stimuli for retrieval: see :func:`item_units`) as
    there are, with replacement; every seed is scored on that same resample and the seeds' scores are
    averaged, so the interval reflects test-set sampling of the model's mean score.

    Parameters
    ----------
    metric : str
        One for which :func:`supports_items` is true.
    items_per_seed : sequence of dict
        One record's ``test_items`` per seed.
    n_boot : int
        Number of resamples.
    level : float
        Coverage of the interval.
    seed : int
        Seed of the resampling generator.

    Returns
    -------
    low, high : float
    """
    if not 0 < level < 1 or n_boot < 1:
        raise NeuroarenaError(f"bootstrap needs 0 < level < 1 and n_boot >= 1, got {level}, {n_boot}",
                              fix="pass e.g. level=0.95, n_boot=2000")
    seeds = aligned_items(metric, items_per_seed)
    units = item_units(metric, seeds[0])
    n_units = int(units.max()) + 1
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_ELEMENTS // len(units))
    means = []
    for start in range(0, n_boot, chunk):
        drawn = rng.multinomial(n_units, np.full(n_units, 1.0 / n_units), size=min(chunk, n_boot - start))
        weights = drawn[:, units]
        means.append(np.mean([weighted_scores(metric, items, weights) for items in seeds], axis=0))
    # a resample whose targets are all equal has no NRMSE: it is left out
    low, high = np.nanpercentile(np.concatenate(means), [50 * (1 - level), 50 * (1 + level)])
    return float(low), float(high)


def item_outcomes(metric: str, items_per_seed: Sequence[Mapping[str, list]]) -> np.ndarray:
    """Per-unit contributions to the score, averaged over seeds; they sum to the seed-averaged score.

    Balanced accuracy: ``correct / (n_items of its class * n_classes)`` per window; top-k: per test
    stimulus, the sum over subjects of ``(rank < k) / (n_subjects * n_items of the subject)``; RMSE and
    NRMSE: per unit, its squared errors over ``n_items`` (and over the targets' variance for NRMSE), which
    sum to the *squared* score (a paired test of the squared score tests the score).

    Parameters
    ----------
    metric : str
        One of :data:`DECOMPOSABLE_METRICS`.
    items_per_seed : sequence of dict

    Returns
    -------
    outcomes : ndarray, shape (n_units,)
        In the order of :func:`item_units`.
    """
    if metric not in DECOMPOSABLE_METRICS:
        raise NeuroarenaError(f"metric {metric!r} is not a sum of per-item outcomes",
                              fix=f"use one of {', '.join(DECOMPOSABLE_METRICS)}")
    contributions = []
    for items in aligned_items(metric, items_per_seed):
        if metric in REGRESSION_ITEM_METRICS:
            squared = (items["y_pred"] - items["y_true"]) ** 2 / len(items["y_true"])
            if metric == "nrmse":
                squared = squared / np.var(items["y_true"])
            contributions.append(np.bincount(item_units(metric, items), weights=squared))
            continue
        if metric in RETRIEVAL_ITEM_METRICS:
            hit = (items["rank"] < RETRIEVAL_ITEM_METRICS[metric]).astype(np.float64)
            subjects, subject, per_subject = np.unique(items["subject"], return_inverse=True, return_counts=True)
            share = hit / (per_subject[subject] * len(subjects))
            contributions.append(np.bincount(item_units(metric, items), weights=share))
            continue
        classes, inverse, counts = np.unique(items["y_true"], return_inverse=True, return_counts=True)
        correct = (items["y_true"] == items["y_pred"]).astype(np.float64)
        contributions.append(correct / (counts[inverse] * len(classes)))
    return np.mean(contributions, axis=0)


def paired_sign_flip_test(a: np.ndarray, b: np.ndarray, n_perm: int = 10000, seed: int = 0) -> float:
    """Two-sided paired permutation test of ``sum(a - b) == 0`` by flipping the sign of each difference.

    Exact (all ``2**n`` sign patterns) for ``n <= 12`` items, otherwise ``n_perm`` random patterns with
    ``p = (1 + hits) / (1 + n_perm)``.

    Parameters
    ----------
    a, b : ndarray, shape (n_units,)
        Per-unit outcomes of two models on the same items (see :func:`item_outcomes`).
    n_perm : int
    seed : int

    Returns
    -------
    p_value : float
    """
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if diff.ndim != 1 or len(diff) == 0 or np.shape(a) != np.shape(b):
        raise NeuroarenaError(f"paired test got outcomes of shapes {np.shape(a)} and {np.shape(b)}",
                              fix="pass two 1-d arrays with one outcome per shared test item")
    observed = abs(diff.sum())
    tolerance = 1e-12 * max(1.0, np.abs(diff).sum())
    if len(diff) <= EXACT_SIGN_FLIP_MAX_ITEMS:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=len(diff))))
        return float(np.mean(np.abs(signs @ diff) >= observed - tolerance))
    rng = np.random.default_rng(seed)
    hits = 0
    for start in range(0, n_perm, max(1, _CHUNK_ELEMENTS // len(diff))):
        size = min(max(1, _CHUNK_ELEMENTS // len(diff)), n_perm - start)
        signs = rng.choice(np.array([1.0, -1.0]), size=(size, len(diff)))
        hits += int(np.sum(np.abs(signs @ diff) >= observed - tolerance))
    return (1 + hits) / (1 + n_perm)


def normalized_ranks(table: "pd.DataFrame", group: Sequence[str] = ("task",)) -> "pd.Series":
    """``rank / n_models`` within each group: 1/n for the best model, 1 for the last.

    Parameters
    ----------
    table : DataFrame, columns ``group``, rank
        One row per (group, model), ``rank`` 1 = best (ties averaged).
    group : sequence of str
        Columns that name one task.

    Returns
    -------
    Series, aligned with ``table``
    """
    sizes = table.groupby(list(group), dropna=False)["rank"].transform("size")
    return table["rank"] / sizes


def mean_normalized_rank(table: "pd.DataFrame", group: Sequence[str] = ("task",),
                         by: Sequence[str] = ("model",)) -> "pd.DataFrame":
    """Each model's ``rank / n_models`` averaged over the tasks it ran.

    Parameters
    ----------
    table : DataFrame, columns ``group``, ``by``, rank
        One row per (task, model).
    group : sequence of str
        Columns that name one task.
    by : sequence of str
        Columns that name one model.

    Returns
    -------
    DataFrame, columns ``by``, n_tasks, mean_normalized_rank
        Best (lowest) first.
    """
    frame = table[list(by)].copy()
    frame["normalized_rank"] = normalized_ranks(table, group)
    out = (frame.groupby(list(by), dropna=False)["normalized_rank"]
           .agg(n_tasks="size", mean_normalized_rank="mean").reset_index())
    return out.sort_values(["mean_normalized_rank", *by]).reset_index(drop=True)


def kendall_tau(a: Mapping[str, float], b: Mapping[str, float]) -> tuple[float, float, int]:
    """Kendall's tau-b between two scorings of the models they share.

    Parameters
    ----------
    a, b : mapping of model name -> score (or rank)

    Returns
    -------
    tau, p_value : float
        NaN when fewer than :data:`MIN_TAU_MODELS` models are shared or one side is constant.
    n_models : int
        Models in both.
    """
    from scipy.stats import kendalltau

    shared = sorted(set(a) & set(b))
    if len(shared) < MIN_TAU_MODELS:
        return float("nan"), float("nan"), len(shared)
    result = kendalltau([a[m] for m in shared], [b[m] for m in shared])
    return float(result.statistic), float(result.pvalue), len(shared)
