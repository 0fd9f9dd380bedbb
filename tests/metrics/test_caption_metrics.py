from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.caption import (
    average_precision, caption_map, class_average_precision, class_map, class_recall,
    first_relevant_rank, map_per_class, retrieved_top1,
)
from neuroarena.metrics.registry import compute_metrics
from neuroarena.metrics.retrieval import cosine_similarity, full_set_ranks, full_set_topk

# Five captions: a, b animals, c, d tools, e food.
CAPTION_IDS = np.array(["a", "b", "c", "d", "e"])
CAPTION_EMB = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [1.0, 1.0]])
CAPTION_CATEGORY = np.array(["animal", "animal", "tool", "tool", "food"])
# 'c' and 'e' are shown twice; their predictions are averaged to (-1, -1) and (1.5, 1.5).
STIMULUS = np.array(["a", "b", "c", "c", "d", "e", "e"])
CATEGORY = np.array(["animal", "animal", "tool", "tool", "tool", "food", "food"])
PRED = np.array([[1.0, 0.1], [1.0, 0.5], [0.0, -2.0], [-2.0, 0.0], [1.0, 1.2], [3.0, 0.0], [0.0, 3.0]])
# Rankings by cosine (R = caption of the query's category, * = its own caption):
#   a (1, 0.1):    a*R .995, e .774, b R .100, d -.100, c -.995
#   b (1, 0.5):    e .949, a R .894, b*R .447, d -.447, c -.894
#   c (-1, -1):    c*R .707 = d R .707 (exact tie), a -.707 = b -.707, e -1
#   d (1, 1.2):    e .996, b .768, a .640, c R -.640, d*R -.768
#   e (1.5, 1.5):  e*R 1, a .707 = b .707, c -.707 = d -.707
# Own-caption ranks (ties count against): a 0, b 2, c 1 (d ties with it), d 4, e 0.
# First caption of the right class: a 0, b 1, c 0, d 3, e 0.
# Class-aware AP: a (1/1 + 2/3)/2 = 5/6; b (1/2 + 2/3)/2 = 7/12; c 1; d (1/4 + 2/5)/2 = 13/40; e 1.
CLASS_AP = np.array([5 / 6, 7 / 12, 1.0, 13 / 40, 1.0])


def test_instance_ranks_follow_full_set_ranks():
    ids, ranks = full_set_ranks(PRED, STIMULUS, CAPTION_IDS, CAPTION_EMB)
    assert ids.tolist() == ["a", "b", "c", "d", "e"] and ranks.tolist() == [0, 2, 1, 4, 0]


@pytest.mark.parametrize(("k", "expected"), [(1, 2 / 5), (3, 4 / 5), (5, 1.0)])
def test_instance_recall(k, expected):
    assert full_set_topk(PRED, STIMULUS, CAPTION_IDS, CAPTION_EMB, k) == pytest.approx(expected)


@pytest.mark.parametrize(("k", "expected"), [(1, 3 / 5), (3, 4 / 5), (4, 1.0), (5, 1.0)])
def test_class_recall_counts_a_wrong_caption_of_the_right_class(k, expected):
    # at K=1, 'c' is a hit through the tied tool caption 'd' although its own caption ranks 1
    assert class_recall(PRED, STIMULUS, CAPTION_IDS, CAPTION_EMB, CAPTION_CATEGORY, k, category=CATEGORY) \
        == pytest.approx(expected)


def test_instance_map_is_the_mean_reciprocal_rank():
    # 1/1, 1/3, 1/2, 1/5, 1/1
    assert caption_map(PRED, STIMULUS, CAPTION_IDS, CAPTION_EMB) == pytest.approx(91 / 150)


def test_class_average_precision_by_hand():
    ids, query_category, ap = class_average_precision(PRED, STIMULUS, CAPTION_IDS, CAPTION_EMB, CAPTION_CATEGORY)
    assert ids.tolist() == ["a", "b", "c", "d", "e"]
    assert query_category.tolist() == ["animal", "animal", "tool", "tool", "food"]
    np.testing.assert_allclose(ap, CLASS_AP)
    assert class_map(PRED, STIMULUS, CAPTION_IDS, CAPTION_EMB, CAPTION_CATEGORY) == pytest.approx(449 / 600)


def test_map_per_class():
    per_class = map_per_class(PRED, STIMULUS, CAPTION_IDS, CAPTION_EMB, CAPTION_CATEGORY, category=CATEGORY)
    assert list(per_class) == ["animal", "food", "tool"]
    assert per_class == pytest.approx({"animal": 17 / 24, "food": 1.0, "tool": 53 / 80})


def test_ties_count_against_the_first_relevant_rank_and_as_one_cut_off_in_average_precision():
    similarity = np.array([[0.5, 0.5, 0.1], [0.5, 0.5, 0.1], [0.2, 0.9, 0.9], [0.5, 0.5, 0.5]])
    relevant = np.array([[True, False, False], [True, True, False], [True, False, True], [True, True, False]])
    # row 0: the irrelevant tie goes first; row 1: two relevant ties; row 2: relevant tie at the top;
    # row 3: two relevant and one irrelevant tied: one cut-off of precision 2/3 (against: (1/2 + 2/3) / 2)
    assert first_relevant_rank(similarity, relevant).tolist() == [1, 0, 1, 1]
    np.testing.assert_allclose(average_precision(similarity, relevant), [1 / 2, 1.0, (1 / 2 + 2 / 3) / 2, 2 / 3])


@pytest.mark.parametrize("seed", range(5))
def test_average_precision_is_scikit_learns_on_inputs_full_of_ties(seed):
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(seed)
    similarity = rng.integers(0, 4, size=(30, 12)) / 4  # four levels: every row has tie groups
    relevant = rng.random((30, 12)) < 0.4
    relevant[:, 0] |= ~relevant.any(axis=1)
    expected = [average_precision_score(r, s) for r, s in zip(relevant, similarity)]
    np.testing.assert_allclose(average_precision(similarity, relevant), expected, rtol=1e-12)
    distinct = rng.permutation(12)[None].repeat(30, axis=0) + rng.random((30, 12)) * 1e-3  # no ties
    np.testing.assert_allclose(average_precision(distinct, relevant),
                               [average_precision_score(r, s) for r, s in zip(relevant, distinct)], rtol=1e-12)


def test_recall_at_k_is_torchmetrics_without_ties_and_pessimistic_with_them():
    import torch
    from torchmetrics.functional.retrieval import retrieval_hit_rate

    rng = np.random.default_rng(0)
    similarity = rng.permutation(40).reshape(4, 10) / 40.0
    relevant = rng.random((4, 10)) < 0.3
    relevant[:, 0] |= ~relevant.any(axis=1)
    for k in (1, 3, 5):
        ours = first_relevant_rank(similarity, relevant) < k
        theirs = [bool(retrieval_hit_rate(torch.tensor(s), torch.tensor(r), top_k=k))
                  for s, r in zip(similarity, relevant)]
        assert ours.tolist() == theirs
    tied = np.zeros((1, 10))  # a constant prediction: every candidate ties
    assert first_relevant_rank(tied, np.eye(10, dtype=bool)[:1]).tolist() == [9]


def test_one_relevant_candidate_matches_full_set_ranks_on_ties():
    rng = np.random.default_rng(0)
    emb = rng.integers(-1, 2, size=(40, 3)).astype(float)  # many equal cosines
    emb[np.abs(emb).sum(axis=1) == 0, 0] = 1.0
    pred = rng.integers(-1, 2, size=(40, 3)).astype(float)
    ids = np.arange(40)
    _, ranks = full_set_ranks(pred, ids, ids, emb)
    similarity = cosine_similarity(pred, emb)
    own = np.eye(40, dtype=bool)
    assert len(set(np.round(similarity[0], 12))) < 40
    np.testing.assert_array_equal(first_relevant_rank(similarity, own), ranks)
    np.testing.assert_allclose(average_precision(similarity, own), 1 / (ranks + 1))


def test_retrieved_top1_prefers_a_wrong_caption_on_ties():
    ids, retrieved = retrieved_top1(PRED, STIMULUS, CAPTION_IDS, CAPTION_EMB)
    # 'c' ties its own caption with 'd'; 'b' retrieves 'e'; 'd' retrieves 'e'
    assert ids.tolist() == ["a", "b", "c", "d", "e"] and retrieved.tolist() == [0, 4, 3, 4, 4]


def test_registry_caption_metrics():
    names = ["recall1", "recall3", "recall5", "recall1_class", "recall3_class", "recall5_class", "map", "map_class"]
    scores = compute_metrics(names, pred=PRED, stimulus=STIMULUS, candidate_ids=CAPTION_IDS,
                             candidate_emb=CAPTION_EMB, candidate_category=CAPTION_CATEGORY, category=CATEGORY,
                             subject=np.zeros(len(PRED)))
    assert scores == pytest.approx({"recall1": 2 / 5, "recall3": 4 / 5, "recall5": 1.0, "recall1_class": 3 / 5,
                                    "recall3_class": 4 / 5, "recall5_class": 1.0, "map": 91 / 150,
                                    "map_class": 449 / 600})
    with pytest.raises(NeuroarenaError, match="'map_class' needs candidate_category"):
        compute_metrics(["map_class_pooled"], pred=PRED, stimulus=STIMULUS, candidate_ids=CAPTION_IDS,
                        candidate_emb=CAPTION_EMB)


def test_errors_name_the_problem():
    wrong = CATEGORY.copy()
    wrong[3] = "animal"
    with pytest.raises(NeuroarenaError, match=r"1 windows have a category other than their caption's "
                                              r"\(e.g. stimulus 'c': 'animal' vs 'tool'\)"):
        class_map(PRED, STIMULUS, CAPTION_IDS, CAPTION_EMB, CAPTION_CATEGORY, category=wrong)
    with pytest.raises(NeuroarenaError, match="got 4 candidate categories for 5 candidates"):
        class_recall(PRED, STIMULUS, CAPTION_IDS, CAPTION_EMB, CAPTION_CATEGORY[:4], 1)
    with pytest.raises(NeuroarenaError, match="1 queries have no relevant candidate"):
        average_precision(np.ones((2, 2)), np.array([[True, False], [False, False]]))
    with pytest.raises(NeuroarenaError, match="k >= 1"):
        class_recall(PRED, STIMULUS, CAPTION_IDS, CAPTION_EMB, CAPTION_CATEGORY, 0)
