from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.registry import METRICS, compute_metrics


def test_registry_entries():
    assert sorted(METRICS) == ["accuracy", "balanced_accuracy", "f1_macro", "map", "map_class", "recall1",
                               "recall1_class", "recall3", "recall3_class", "recall5", "recall5_class", "top1",
                               "top1_batch", "top5", "top5_batch"]
    assert METRICS["top5"].kind == "retrieval" and METRICS["f1_macro"].kind == "classification"
    assert all(info.higher_is_better and info.perfect == 1.0 for info in METRICS.values())


def test_classification_metrics_from_logits():
    labels = np.array([0, 0, 0, 0, 1, 2])
    logits = np.eye(3)[[0, 0, 1, 1, 1, 2]]
    scores = compute_metrics(["balanced_accuracy", "f1_macro"], pred=logits, labels=labels)
    assert scores == pytest.approx({"balanced_accuracy": 5 / 6, "f1_macro": 13 / 18})


def test_retrieval_metrics():
    emb = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    ids = np.array(["a", "b", "c", "d"])
    pred = np.array([[0.2, 1.0], [0.1, 1.0], [1.8, -1.0], [1.0, 0.1]])
    stimulus = np.array(["a", "b", "a", "c"])
    scores = compute_metrics(
        ["top1", "top5", "top1_batch"], pred=pred, target=emb[[0, 1, 0, 2]], stimulus=stimulus,
        candidate_ids=ids, candidate_emb=emb, batch_size=2,
    )
    # full set: 'a' (averaged) and 'b' hit at top-1, everything at top-5 (4 candidates)
    # batches [0, 1], [2, 3]: row 0 (0.2, 1) retrieves b, a miss; rows 1 and 2 hit; row 3 (1, 0.1) misses c
    assert scores == pytest.approx({"top1": 2 / 3, "top5": 1.0, "top1_batch": 2 / 4})


def test_errors_list_known_metrics_and_missing_inputs():
    with pytest.raises(NeuroarenaError, match="unknown metric 'top3' -> use one of accuracy, balanced_accuracy, f1_macro"):
        compute_metrics(["top3"], pred=np.zeros(2))
    with pytest.raises(NeuroarenaError, match="'top1' needs stimulus, candidate_ids, candidate_emb"):
        compute_metrics(["top1"], pred=np.zeros((2, 2)))
    with pytest.raises(NeuroarenaError, match="'f1_macro' needs labels"):
        compute_metrics(["f1_macro"], pred=np.zeros(2))
