"""Result records with per-item test outcomes, written with ResultStore: 5 models x 3 tasks x 3 seeds."""
from __future__ import annotations

import numpy as np
import pytest

from neuroarena.metrics.classification import balanced_accuracy
from neuroarena.results.records import JobKey, ResultRecord, ResultStore

SEEDS = (33, 34, 35)
# model -> (probability of a correct answer, parameters, wall time in seconds)
MODELS = {
    "dummy": (0.0, 0, 0.5),
    "chance": (0.25, 0, 0.4),
    "cov_ts_lr": (0.45, 1_200, 3.0),
    "eegnet": (0.60, 3_500, 40.0),
    "shallow_fbcsp_net": (0.55, 42_000, 65.0),
}
# (task, dataset) -> (primary metric, number of test items, ceiling)
TASKS = {
    ("category", "simulated"): ("balanced_accuracy", 120, 0.9),
    ("category", "simulated-tiny"): ("balanced_accuracy", 80, 0.8),
    ("image", "simulated"): ("top5", 50, 0.7),
}
N_CLASSES = 4


def _items(metric: str, n: int, p_correct: float, model: str, rng: np.random.Generator) -> dict[str, list]:
    if metric == "balanced_accuracy":
        y_true = np.arange(n) % N_CLASSES
        if model == "dummy":  # the most frequent class
            y_pred = np.zeros(n, dtype=int)
        else:
            wrong = (y_true + rng.integers(1, N_CLASSES, n)) % N_CLASSES
            y_pred = np.where(rng.random(n) < p_correct, y_true, wrong)
        return {"y_true": y_true.tolist(), "y_pred": y_pred.tolist()}
    stimulus = [f"img{i:03d}" for i in range(n)]
    if model == "dummy":  # a constant prediction ties with every candidate: last rank
        rank = np.full(n, n - 1)
    else:
        rank = np.where(rng.random(n) < p_correct, rng.integers(0, 5, n), rng.integers(5, n, n))
    return {"stimulus": stimulus, "rank": rank.tolist()}


def _score(metric: str, items: dict[str, list]) -> float:
    if metric == "balanced_accuracy":
        return balanced_accuracy(np.array(items["y_true"]), np.array(items["y_pred"]))
    return float(np.mean(np.array(items["rank"]) < 5))


def make_records() -> list[ResultRecord]:
    """Every (task, dataset, model, seed) record, scores consistent with their test items."""
    records = []
    rng = np.random.default_rng(7)
    for (task, dataset), (metric, n, ceiling) in TASKS.items():
        for model, (p_correct, n_params, wall) in MODELS.items():
            for seed in SEEDS:
                items = _items(metric, n, p_correct, model, rng)
                records.append(ResultRecord(
                    key=JobKey(task, dataset, model, seed, "h"), status="ok", primary_metric=metric,
                    metrics={metric: _score(metric, items)}, test_items=items, ceiling=ceiling,
                    model_family="net" if n_params > 2000 else "baseline", n_params=n_params,
                    wall_time_s=wall + seed - 33))
    return records


@pytest.fixture(scope="module")
def results_root(tmp_path_factory):
    """A results folder whose ``records`` hold :func:`make_records`."""
    root = tmp_path_factory.mktemp("results")
    store = ResultStore(root / "records")
    for record in make_records():
        store.write(record)
    return root
