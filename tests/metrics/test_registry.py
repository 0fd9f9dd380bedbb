from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.registry import METRICS, compute_metrics


def test_registry_entries():
    full_set = ["map", "map_class", "recall1", "recall1_class", "recall3", "recall3_class", "recall5",
                "recall5_class", "top1", "top5"]
    regression = ["nrmse", "nrmse_subject", "rmse", "pearson_r", "pearson_r_subject"]
    assert sorted(METRICS) == sorted(["accuracy", "balanced_accuracy", "f1_macro", "top1_batch", "top5_batch",
                                      *full_set, *(f"{name}_pooled" for name in full_set), *regression])
    assert [name for name, info in METRICS.items() if info.per_subject] == [
        name for name in METRICS if name in full_set]
    assert METRICS["top5"].kind == "retrieval" and METRICS["f1_macro"].kind == "classification"
    assert all(info.higher_is_better and info.perfect == 1.0 for name, info in METRICS.items()
               if name not in regression)
    # errors: lower is better, 0 is perfect; NRMSE's mean predictor is its normalized zero
    assert [(METRICS[n].higher_is_better, METRICS[n].perfect, METRICS[n].zero) for n in regression] == [
        (False, 0.0, 1.0), (False, 0.0, 1.0), (False, 0.0, None), (True, 1.0, None), (True, 1.0, None)]


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
        candidate_ids=ids, candidate_emb=emb, subject=np.zeros(4), batch_size=2,
    )
    # full set: 'a' (averaged) and 'b' hit at top-1, everything at top-5 (4 candidates)
    # batches [0, 1], [2, 3]: row 0 (0.2, 1) retrieves b, a miss; rows 1 and 2 hit; row 3 (1, 0.1) misses c
    assert scores == pytest.approx({"top1": 2 / 3, "top5": 1.0, "top1_batch": 2 / 4})


def test_errors_list_known_metrics_and_missing_inputs():
    with pytest.raises(NeuroarenaError, match="unknown metric 'top3' -> use one of accuracy, balanced_accuracy, f1_macro"):
        compute_metrics(["top3"], pred=np.zeros(2))
    with pytest.raises(NeuroarenaError, match="'top1' needs subject"):
        compute_metrics(["top1"], pred=np.zeros((2, 2)))
    with pytest.raises(NeuroarenaError, match="'top1' needs stimulus, candidate_ids, candidate_emb"):
        compute_metrics(["top1_pooled"], pred=np.zeros((2, 2)))
    with pytest.raises(NeuroarenaError, match="'f1_macro' needs labels"):
        compute_metrics(["f1_macro"], pred=np.zeros(2))


def test_retrieval_is_the_mean_over_subjects_and_pooled_is_named():
    # four candidates on the unit circle; each subject sees a, b and c twice
    emb = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    ids = np.array(["a", "b", "c", "d"])
    stimulus = np.array(["a", "a", "b", "b", "c", "c"] * 2)
    subject = np.repeat([0, 1], 6)
    pred = np.concatenate([
        emb[[0, 0, 1, 1, 2, 2]],                                  # subject 0: all three right
        [[0.5, 1.0], [0.5, -1.0], [1.0, 0.2], [-1.0, 0.2], [0.2, 1.0], [0.2, -1.0]],  # subject 1
    ])
    kw = dict(pred=pred, stimulus=stimulus, candidate_ids=ids, candidate_emb=emb, subject=subject)
    scores = compute_metrics(["top1", "top1_pooled"], **kw)
    # subject 1 alone: its averages are (0.5, 0), (0, 0.2) and (0.2, 0): a and b right, c wrong -> 2/3;
    # the candidates of a subject are the stimuli it saw (d is not one), so the mean over subjects is 5/6.
    # Pooled, a = (0.75, 0), b = (0, 0.6), c = (-0.4, 0): all three right.
    assert scores == pytest.approx({"top1": (1 + 2 / 3) / 2, "top1_pooled": 1.0})
    # a subject that saw only a and b: a prediction of a closest to d is still a hit among its candidates
    alone = dict(pred=np.array([[0.1, -1.0], [0.0, 1.0]]), stimulus=np.array(["a", "b"]), candidate_ids=ids,
                 candidate_emb=emb, subject=np.zeros(2))
    assert compute_metrics(["top1", "top1_pooled"], **alone) == pytest.approx({"top1": 1.0, "top1_pooled": 0.5})
