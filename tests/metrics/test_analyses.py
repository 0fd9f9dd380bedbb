from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.analyses import confusion_matrix, per_group_scores, per_subject_accuracy, per_subject_topk
from neuroarena.metrics.classification import balanced_accuracy


def test_confusion_matrix_rows_are_true_classes():
    labels = np.array([0, 0, 1, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 0, 1])
    expected = [[1, 1, 0, 0],   # class 0: once right, once called 1
                [1, 2, 0, 0],   # class 1: twice right, once called 0
                [0, 1, 0, 0],   # class 2: called 1
                [0, 0, 0, 0]]   # class 3: absent, still a row
    np.testing.assert_array_equal(confusion_matrix(labels, pred, 4), expected)
    # logits are reduced by arg-max
    np.testing.assert_array_equal(confusion_matrix(labels, np.eye(4)[pred], 4), expected)


def test_confusion_matrix_errors():
    with pytest.raises(NeuroarenaError, match=r"integer classes in 0..1, got 0..2"):
        confusion_matrix(np.array([0, 2]), np.array([0, 1]), 2)
    with pytest.raises(NeuroarenaError, match="got 2 labels and 1 predictions"):
        confusion_matrix(np.array([0, 1]), np.array([0]), 2)


def test_per_subject_accuracy():
    labels = np.array([0, 1, 2, 0, 1, 2, 2])
    pred = np.array([0, 1, 0, 0, 2, 1, 2])
    subject = np.array(["s1", "s1", "s1", "s2", "s2", "s2", "s2"])
    by_subject, pooled = per_subject_accuracy(labels, np.eye(3)[pred], subject)
    # s1: 2 of 3 right; s2: 2 of 4; pooled 4 of 7
    assert by_subject == pytest.approx({"s1": 2 / 3, "s2": 1 / 2})
    assert pooled == pytest.approx(4 / 7)


def test_per_group_scores_passes_any_metric():
    labels = np.array([0, 0, 1, 1, 0, 1])
    pred = np.array([0, 1, 1, 1, 0, 0])
    by_group, pooled = per_group_scores(balanced_accuracy, np.array([2, 2, 2, 2, 1, 1]), labels, pred)
    # group 1: class 0 right, class 1 wrong -> 1/2; group 2: class 0 1/2, class 1 2/2 -> 3/4
    # pooled: class 0 2 of 3, class 1 2 of 3 -> 2/3
    assert list(by_group) == [1, 2]
    assert by_group == pytest.approx({1: 0.5, 2: 0.75}) and pooled == pytest.approx(2 / 3)
    with pytest.raises(NeuroarenaError, match="got 5 groups for arrays of lengths \\[6, 6\\]"):
        per_group_scores(balanced_accuracy, np.ones(5), labels, pred)


def test_per_subject_topk_averages_repeats_within_each_subject():
    ids = np.array(["a", "b", "c", "d"])
    emb = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    pred = np.array([[1.0, 0.2], [1.0, 0.1], [0.3, 1.0], [-0.8, 1.5]])
    stimulus = np.array(["a", "b", "a", "b"])
    subject = np.array([1, 1, 2, 2])
    scores = per_subject_topk(pred, stimulus, subject, ids, emb)
    # subject 1: a hits; b (1, 0.1) ranks behind a. subject 2: a (0.3, 1) ranks behind b; b hits.
    # pooled means: a (0.65, 0.6) and b (0.1, 0.8) both hit.
    assert scores[1] == (pytest.approx({1: 0.5, 2: 0.5}), pytest.approx(1.0))
    assert scores[5] == (pytest.approx({1: 1.0, 2: 1.0}), pytest.approx(1.0))
