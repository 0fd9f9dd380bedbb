from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.retrieval import (
    TopK, average_by_stimulus, batch_topk, cosine_similarity, full_set_topk, retrieval_ranks, topk_accuracy,
)

CANDIDATES = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]])


def test_average_by_stimulus_sorts_ids_and_averages_repeats():
    ids, averaged = average_by_stimulus(np.array([[1.0, 0.0], [3.0, 2.0], [0.0, 4.0]]), np.array(["b", "a", "b"]))
    assert ids.tolist() == ["a", "b"]
    np.testing.assert_allclose(averaged, [[3.0, 2.0], [0.5, 2.0]])


def test_topk_rank_by_cosine():
    # cosines of (1, 0.2): c0 0.981, c2 0.832, c1 0.196, c3 -0.981; true c2 has rank 1
    pred = np.array([[1.0, 0.2]])
    assert topk_accuracy(pred, CANDIDATES, np.array([2]), k=1) == 0.0
    assert topk_accuracy(pred, CANDIDATES, np.array([2]), k=2) == 1.0
    # the scale of a prediction does not matter
    assert topk_accuracy(10 * pred, CANDIDATES, np.array([0]), k=1) == 1.0


def test_ties_count_against_the_prediction():
    # (1, 1) is equally similar to c0 and c1: the other one ties, so rank 1
    pred = np.array([[1.0, 1.0], [1.0, 1.0]])
    candidates = CANDIDATES[:2]
    assert topk_accuracy(pred, candidates, np.array([0, 1]), k=1) == 0.0
    assert topk_accuracy(pred, candidates, np.array([0, 1]), k=2) == 1.0
    # an all-zero prediction ties with all 4 candidates: rank 3
    zero = np.zeros((1, 2))
    assert topk_accuracy(zero, CANDIDATES, np.array([0]), k=3) == 0.0
    assert topk_accuracy(zero, CANDIDATES, np.array([0]), k=4) == 1.0


def test_ties_split_by_float_rounding_are_still_ties():
    # (1, 1) is orthogonal to (-1, 1) and the zero candidate has cosine 0: an exact tie, whatever the
    # rounding of the matrix product, so neither candidate is a top-1 hit
    candidates = np.array([[0.0, 0.0], [-1.0, 1.0]])
    pred = np.array([[1.0, 1.0], [1.0, 1.0]])
    assert retrieval_ranks(pred, candidates, np.array([0, 1])).tolist() == [1, 1]
    assert topk_accuracy(pred, candidates, np.array([0, 1]), k=1) == 0.0
    # a difference far below the rounding is a tie, one above it is not
    assert cosine_similarity(np.array([[1.0, 1e-12]]), np.array([[1.0, 0.0], [1.0, 1e-12]])).tolist() == [[1.0, 1.0]]
    assert retrieval_ranks(np.array([[1.0, 1e-4]]), np.array([[1.0, 0.0], [1.0, 1e-4]]), np.array([1])).tolist() == [0]


def test_duplicate_candidates_always_tie():
    rng = np.random.default_rng(3)
    unique = rng.standard_normal((7, 33))
    candidates = unique[[0, 1, 2, 3, 4, 5, 6, 6, 3, 0]]  # rows 6/7, 3/8 and 0/9 are the same embedding
    pred = candidates[[9, 7, 8]] + 1e-3 * rng.standard_normal((3, 33))
    similarity = cosine_similarity(pred, candidates)
    for a, b in ((6, 7), (3, 8), (0, 9)):
        assert np.array_equal(similarity[:, a], similarity[:, b])
    # each prediction is closest to its own embedding, which its duplicate ties: rank 1, never a top-1 hit
    assert retrieval_ranks(pred, candidates, np.array([9, 7, 8])).tolist() == [1, 1, 1]
    assert retrieval_ranks(pred, candidates, np.array([0, 6, 3])).tolist() == [1, 1, 1]
    assert topk_accuracy(pred, candidates, np.array([9, 7, 8]), k=2) == 1.0


def test_full_set_averages_repeated_presentations_first():
    ids = np.array(["a", "b", "c", "d"])
    emb = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    # 'a' twice: alone (0.2, 1) would retrieve 'b', the mean (1, 0) retrieves 'a'
    pred = np.array([[0.2, 1.0], [0.1, 1.0], [1.8, -1.0], [1.0, 0.1]])
    stimulus = np.array(["a", "b", "a", "c"])
    # 'c' (pred (1, 0.1)) ranks behind a, b and d: rank 3
    assert full_set_topk(pred, stimulus, ids, emb, k=1) == pytest.approx(2 / 3)
    assert full_set_topk(pred, stimulus, ids, emb, k=3) == pytest.approx(2 / 3)
    assert full_set_topk(pred, stimulus, ids, emb, k=4) == pytest.approx(1.0)
    # per window, without averaging, 'a' would score 1 of 2 at top-1
    assert topk_accuracy(pred[[0, 2]], emb, np.array([0, 0]), k=1) == pytest.approx(0.5)


def test_full_set_errors_name_the_problem():
    emb = np.eye(2)
    with pytest.raises(NeuroarenaError, match=r"1 predicted stimuli are not among the candidates \(e.g. 'z'\)"):
        full_set_topk(np.eye(2), np.array(["a", "z"]), np.array(["a", "b"]), emb, k=1)
    with pytest.raises(NeuroarenaError, match="distinct"):
        full_set_topk(np.eye(2), np.array(["a", "a"]), np.array(["a", "a"]), emb, k=1)
    with pytest.raises(NeuroarenaError, match="k >= 1"):
        topk_accuracy(np.eye(2), emb, np.array([0, 1]), k=0)


TARGETS = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
PREDS = np.array([[1.0, 0.1], [1.0, 0.2], [0.0, 1.0], [0.0, 1.0], [1.0, 1.0]])


def test_batch_topk_respects_batch_boundaries():
    # batches [0, 1], [2, 3], [4]: hits at rows 0, 3 and 4 (alone in its batch)
    assert batch_topk(PREDS, TARGETS, k=1, batch_size=2) == pytest.approx(3 / 5)


def test_batch_topk_repeats_in_a_batch_share_one_candidate():
    # one batch, distinct candidates (1,0), (0,1), (1,1): rows 0, 3, 4 rank first;
    # row 1 (1,0.2)->(0,1) and row 2 (0,1)->(1,0) rank third
    assert batch_topk(PREDS, TARGETS, k=1, batch_size=5) == pytest.approx(3 / 5)
    assert batch_topk(PREDS, TARGETS, k=2, batch_size=5) == pytest.approx(3 / 5)
    assert batch_topk(PREDS, TARGETS, k=3, batch_size=5) == pytest.approx(1.0)
    # a perfect prediction scores 1 however the repeats fall into batches
    assert batch_topk(TARGETS, TARGETS, k=1, batch_size=5) == pytest.approx(1.0)


def test_topk_metric_class_full_set_and_batch():
    emb = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    pred = np.array([[0.2, 1.0], [0.1, 1.0], [1.8, -1.0], [1.0, 0.1]])
    stimulus = np.array(["a", "b", "a", "c"])
    target = emb[[0, 1, 0, 2]]
    derived = TopK(k=1)
    derived.update(pred[:2], target[:2], stimulus=stimulus[:2])
    derived.update(pred[2:], target[2:], stimulus=stimulus[2:])
    assert derived.compute() == pytest.approx(2 / 3)
    given = TopK(k=2, candidate_ids=np.array(["a", "b", "c"]), candidate_emb=emb)
    given.update(pred, target, stimulus=stimulus)
    assert given.compute() == pytest.approx(2 / 3)
    batch = TopK(k=1, full_set=False, batch_size=2)
    batch.update(PREDS[:3], TARGETS[:3])
    batch.update(PREDS[3:], TARGETS[3:])
    assert batch.compute() == pytest.approx(3 / 5)
    with pytest.raises(NeuroarenaError, match="stimulus"):
        no_ids = TopK(k=1)
        no_ids.update(pred, target)
        no_ids.compute()
