from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.classification import BalancedAccuracy, F1Macro, balanced_accuracy, f1_macro

Y_TRUE = np.array([0, 0, 0, 0, 1, 2])
Y_PRED = np.array([0, 0, 1, 1, 1, 2])


def test_balanced_accuracy_is_the_mean_recall():
    # recalls: class 0 2/4, class 1 1/1, class 2 1/1
    assert balanced_accuracy(Y_TRUE, Y_PRED) == pytest.approx(5 / 6)


def test_f1_macro_by_hand():
    # class 0: P 1, R 1/2 -> 2/3; class 1: P 1/3, R 1 -> 1/2; class 2: 1
    assert f1_macro(Y_TRUE, Y_PRED) == pytest.approx(13 / 18)


def test_logits_are_turned_into_labels_by_argmax():
    logits = np.eye(3)[Y_PRED] * 2.0 - 0.5
    assert balanced_accuracy(Y_TRUE, logits) == pytest.approx(5 / 6)
    assert f1_macro(Y_TRUE, logits) == pytest.approx(13 / 18)


def test_a_predicted_class_absent_from_the_truth():
    y_true, y_pred = np.array([0, 0, 1, 1]), np.array([0, 2, 1, 1])
    assert balanced_accuracy(y_true, y_pred) == pytest.approx(0.75)
    # class 0: 2/3, class 1: 1, class 2 (never true): 0
    assert f1_macro(y_true, y_pred) == pytest.approx(5 / 9)


def test_metric_classes_accumulate_batches_and_reset():
    metric = BalancedAccuracy()
    metric.update(np.eye(3)[Y_PRED[:4]], Y_TRUE[:4])
    metric.update(Y_PRED[4:], Y_TRUE[4:])
    assert metric.compute() == pytest.approx(5 / 6)
    metric.reset()
    metric.update(np.array([1, 1]), np.array([1, 0]))
    assert metric.compute() == pytest.approx(0.5)
    f1 = F1Macro()
    f1.update(Y_PRED[:3], Y_TRUE[:3])
    f1.update(Y_PRED[3:], Y_TRUE[3:])
    assert f1.compute() == pytest.approx(13 / 18)


def test_errors():
    with pytest.raises(NeuroarenaError, match="before any update"):
        BalancedAccuracy().compute()
    with pytest.raises(NeuroarenaError, match="3 predictions and 2 targets"):
        BalancedAccuracy().update(np.zeros(3), np.zeros(2))
    with pytest.raises(NeuroarenaError, match="shape"):
        balanced_accuracy(np.zeros(2), np.zeros((2, 2, 2)))
