"""Synthetic result records, scores consistent with their test items and analyses: the leaderboard page's
layout checks at 3 and at 30 tasks, and ``benchmarks/report_page.py``.

Each model answers each test item correctly with its own probability; a classification record holds
``y_true``/``y_pred``, its confusion matrix and per-subject balanced accuracy; a retrieval record the rank of
each true item; a regression record true and predicted values. ``dummy`` answers constantly.
"""
from __future__ import annotations

import numpy as np

from neuroarena.metrics.classification import balanced_accuracy
from neuroarena.metrics.regression import nrmse, pearson_r
from neuroarena.results.records import JobKey, ResultRecord

N_CLASSES = 4
#: model -> (probability of a correct answer, parameters, wall time in seconds, family)
MODELS = {
    "dummy": (0.0, 0, 0.5, "baseline"),
    "chance": (0.25, 0, 0.4, "baseline"),
    "cov_ts_lr": (0.45, 1_200, 3.0, "handcrafted"),
    "eegnet": (0.60, 3_500, 40.0, "task-specific"),
    "shallow_fbcsp_net": (0.55, 42_000, 65.0, "task-specific"),
}
MANY_MODELS = {**MODELS, "xdawn_riemann_lr": (0.5, 900, 2.0, "handcrafted"),
               "eegconformer": (0.58, 790_000, 300.0, "task-specific"), "labram_base": (0.62, 5_800_000, 1_900.0, "fm")}
#: (task, dataset) -> (primary metric, number of test items, ceiling or None)
TASKS = {
    ("category", "simulated"): ("balanced_accuracy", 120, 0.9),
    ("category", "simulated-tiny"): ("balanced_accuracy", 80, 0.8),
    ("image", "simulated"): ("top5", 50, 0.7),
}
REGRESSION = {"nrmse": nrmse, "pearson_r": pearson_r}


def _items(metric: str, n: int, p_correct: float, model: str, rng: np.random.Generator) -> dict[str, list]:
    if metric == "balanced_accuracy":
        y_true = np.arange(n) % N_CLASSES
        if model == "dummy":  # the most frequent class
            y_pred = np.zeros(n, dtype=int)
        else:
            wrong = (y_true + rng.integers(1, N_CLASSES, n)) % N_CLASSES
            y_pred = np.where(rng.random(n) < p_correct, y_true, wrong)
        return {"y_true": y_true.tolist(), "y_pred": y_pred.tolist()}
    if metric in REGRESSION:
        y_true = 10 + 3 * np.sin(np.arange(n))
        noise = rng.normal(0, 3, n)
        y_pred = np.full(n, y_true.mean()) if model == "dummy" else y_true.mean() + p_correct * (
            y_true - y_true.mean()) + (1 - p_correct) * noise
        return {"subject": [f"sub-{i % 10:02d}" for i in range(n)], "y_true": y_true.tolist(),
                "y_pred": y_pred.tolist()}
    stimulus = [f"img{i:03d}" for i in range(n)]
    if model == "dummy":  # a constant prediction ties with every candidate: last rank
        rank = np.full(n, n - 1)
    else:
        rank = np.where(rng.random(n) < p_correct, rng.integers(0, 5, n), rng.integers(5, n, n))
    return {"stimulus": stimulus, "rank": rank.tolist()}


def _score(metric: str, items: dict[str, list]) -> float:
    if metric == "balanced_accuracy":
        return balanced_accuracy(np.array(items["y_true"]), np.array(items["y_pred"]))
    if metric in REGRESSION:
        return REGRESSION[metric](np.array(items["y_true"]), np.array(items["y_pred"]))
    return float(np.mean(np.array(items["rank"]) < 5))


def _analyses(metric: str, items: dict[str, list], n_subjects: int) -> dict:
    """Per-subject scores (item i belongs to subject i mod ``n_subjects``) and, for classification, the confusion."""
    if not n_subjects:
        return {}
    n = len(next(iter(items.values())))
    subject = np.arange(n) % n_subjects
    out = {"per_subject": {f"sub-{s:02d}": {metric: _score(metric, {k: [v[i] for i in np.flatnonzero(subject == s)]
                                                                    for k, v in items.items()})}
                           for s in range(n_subjects)}}
    if metric == "balanced_accuracy":
        counts = np.zeros((N_CLASSES, N_CLASSES), dtype=int)
        np.add.at(counts, (items["y_true"], items["y_pred"]), 1)
        out["confusion_matrix"] = {"classes": ["left_hand", "right_hand", "feet", "tongue"][:N_CLASSES],
                                   "counts": counts.tolist()}
    return out


def synthetic_records(tasks: dict | None = None, models: dict | None = None, seeds: tuple[int, ...] = (33, 34, 35),
                      n_subjects: int = 0, recipe_overrides: dict | None = None, seed: int = 7) -> list[ResultRecord]:
    """Every (task, dataset, model, seed) record.

    Parameters
    ----------
    tasks : dict, optional
        (task, dataset) -> (primary metric, number of test items, ceiling or None); default :data:`TASKS`.
    models : dict, optional
        Model -> (probability of a correct answer, parameters, wall time in seconds, family); default
        :data:`MODELS`.
    seeds : tuple of int
    n_subjects : int
        Subjects of the per-subject analyses (0: none).
    recipe_overrides : dict, optional
        What every record ran under (``{"max_epochs": 2, ...}``).
    seed : int
        Of the random answers.
    """
    records = []
    rng = np.random.default_rng(seed)
    for (task, dataset), (metric, n, ceiling) in (TASKS if tasks is None else tasks).items():
        for model, (p_correct, n_params, wall, family) in (MODELS if models is None else models).items():
            for s in seeds:
                items = _items(metric, n, p_correct, model, rng)
                records.append(ResultRecord(
                    key=JobKey(task, dataset, model, s, "h"), status="ok", primary_metric=metric,
                    metrics={metric: _score(metric, items)}, test_items=items, ceiling=ceiling,
                    model_family=family, n_params=n_params, wall_time_s=wall + s - seeds[0],
                    analyses=_analyses(metric, items, n_subjects), recipe_overrides=dict(recipe_overrides or {})))
    return records


def many_tasks(n_tasks: int = 30) -> dict:
    """``n_tasks`` (task, dataset) pairs of the ``full`` suite (then HBN phenotypes and simulated copies), each
    with the metric of its target kind: balanced accuracy, Top-5, NRMSE (rt, externalizing) or Pearson r (age)."""
    from neuroarena.suites.suite import load_suite

    pairs = [(e.task, e.dataset) for e in load_suite("full").entries]
    pairs += [("age", "hbn"), ("sex", "hbn"), ("externalizing", "hbn")]
    pairs += [(t, "simulated-tiny") for t, _ in pairs]
    out = {}
    for i, (task, dataset) in enumerate(dict.fromkeys(pairs)):
        if len(out) == n_tasks:
            break
        metric = ("top5" if task == "image" else "nrmse" if task in ("rt", "externalizing") else
                  "pearson_r" if task == "age" else "balanced_accuracy")
        out[(task, dataset)] = (metric, 60 + 10 * (i % 5), None if i % 3 == 2 else (0.6 if metric == "nrmse" else 0.85))
    return out
