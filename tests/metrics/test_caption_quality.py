from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.caption_quality import (
    bertscore_f1, bertscore_model_path, bertscore_summary, clipscore, clipscore_distributions,
    retrieved_caption_bertscore,
)

REFERENCE = "a dog runs on the grass"
# identical, a close rewording, a looser paraphrase, an unrelated sentence; then two more pairs
CANDIDATES = ["a dog runs on the grass", "a dog is running on the grass", "a puppy is running across a lawn",
              "the stock market fell sharply today", "a red car parked by the road", "two cats sleep on a sofa"]
REFERENCES = [REFERENCE] * 4 + ["a red car is parked near the road", "a man plays the guitar on stage"]


@pytest.fixture(scope="module")
def f1():
    return bertscore_f1(CANDIDATES, REFERENCES)


def test_bertscore_orders_identical_paraphrase_unrelated(f1):
    assert f1.shape == (6,)
    assert f1[0] > 0.999
    assert f1[1] > f1[2] > f1[3]
    assert f1[4] > f1[5]


def test_bertscore_share_above_threshold(f1):
    # the identical, reworded and near-identical car captions pass 0.7; the loose paraphrase and unrelated do not
    assert (f1 > 0.7).tolist() == [True, True, False, False, True, False]
    assert bertscore_summary(f1) == pytest.approx({"mean": float(np.mean(f1)), "share_above": 0.5})


def test_bertscore_summary_by_hand():
    assert bertscore_summary(np.array([0.9, 0.7, 0.5, 0.8])) == pytest.approx({"mean": 0.725, "share_above": 0.5})
    assert bertscore_summary(np.array([0.9, 0.7]), threshold=0.6)["share_above"] == 1.0


def test_bertscore_rescales_with_a_local_baseline(f1, tmp_path):
    baseline = tmp_path / "baseline.csv"
    rows = "\n".join(f"{layer},0.1,0.1,{0.1 * layer}" for layer in range(7))
    baseline.write_text("LAYER,P,R,F\n" + rows + "\n")
    # the 6-layer model uses row 6: F baseline 0.6
    rescaled = bertscore_f1(CANDIDATES[:2], REFERENCES[:2], baseline_path=baseline)
    np.testing.assert_allclose(rescaled, (f1[:2] - 0.6) / 0.4, atol=1e-5)


def test_retrieved_caption_bertscore():
    captions = [REFERENCE, "a puppy is running across a lawn", "the stock market fell sharply today"]
    ids = np.array(["s0", "s1", "s2"])
    emb = np.eye(3)
    # s0 retrieves its own caption, s1 retrieves s0's (the paraphrase pair), s2 retrieves s0's
    pred = np.array([[1.0, 0.0, 0.0], [1.0, 0.5, 0.0], [1.0, 0.0, 0.2]])
    stim_ids, scores, summary = retrieved_caption_bertscore(pred, np.array(["s0", "s1", "s2"]), ids, emb, captions)
    expected = bertscore_f1([REFERENCE] * 3, captions)
    assert stim_ids.tolist() == ["s0", "s1", "s2"]
    np.testing.assert_allclose(scores, expected, atol=1e-6)
    assert scores[0] > 0.999 and summary["share_above"] == pytest.approx(1 / 3)


def test_bertscore_errors(tmp_path):
    assert (bertscore_model_path() / "config.json").is_file()
    with pytest.raises(NeuroarenaError, match="got 2 candidates and 1 references"):
        bertscore_f1(["a", "b"], ["a"])
    with pytest.raises(NeuroarenaError, match="no config.json in the BERTScore model folder"):
        bertscore_f1(["a"], ["a"], model_path=tmp_path)
    with pytest.raises(NeuroarenaError, match="baseline file not found"):
        bertscore_f1(["a"], ["a"], baseline_path=tmp_path / "missing.csv")


def test_clipscore_formula():
    a = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    b = np.array([[2.0, 0.0], [1.0, 0.0], [-1.0, 1.0], [1.0, 0.0]])
    # cosines 1, 1/sqrt(2), -1/sqrt(2) (clipped to 0), 0 for the all-zero row
    np.testing.assert_allclose(clipscore(a, b), [2.5, 2.5 / np.sqrt(2), 0.0, 0.0])
    np.testing.assert_allclose(clipscore(a, b, w=1.0), [1.0, 1 / np.sqrt(2), 0.0, 0.0])


def test_clipscore_distributions_by_hand():
    captions = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    pred = np.array([[1.0, 0.0], [0.0, 1.0]])
    matched, mismatched, summary = clipscore_distributions(pred, captions, np.array([0, 2]))
    # pred 0 with caption 0: 2.5; with 1: 0, with 2: 2.5/sqrt(2). pred 1 with caption 2: 2.5/sqrt(2); with 0: 0, 1: 2.5
    r = 2.5 / np.sqrt(2)
    np.testing.assert_allclose(matched, [2.5, r])
    np.testing.assert_allclose(mismatched, [0.0, r, 0.0, 2.5])
    # matched above mismatched: 2.5 beats 0, 0, r and ties 2.5 (3.5 of 4); r beats 0, 0, ties r (2.5 of 4)
    assert summary == pytest.approx({"matched_mean": (2.5 + r) / 2, "mismatched_mean": (r + 2.5) / 4,
                                     "difference": (2.5 + r) / 4, "auc": 6 / 8})


def test_clipscore_auc_perfect_and_noise():
    rng = np.random.default_rng(0)
    n, d = 200, 32
    captions = rng.standard_normal((n, d))
    _, _, perfect = clipscore_distributions(captions, captions, np.arange(n))
    assert perfect["auc"] == 1.0 and perfect["matched_mean"] == pytest.approx(2.5)
    _, mismatched, noise = clipscore_distributions(rng.standard_normal((n, d)), captions, np.arange(n))
    assert mismatched.shape == (n * (n - 1),)
    # standard error of an AUC of n positives and N negatives under no effect: sqrt((n + N + 1) / (12 n N))
    se = np.sqrt((n + len(mismatched) + 1) / (12 * n * len(mismatched)))
    assert abs(noise["auc"] - 0.5) < 4 * se
    assert abs(noise["difference"]) < 0.2


def test_clipscore_errors():
    with pytest.raises(NeuroarenaError, match=r"CLIPScore got arrays of shapes \(2, 2\) and \(2, 3\)"):
        clipscore(np.ones((2, 2)), np.ones((2, 3)))
    with pytest.raises(NeuroarenaError, match="one caption row"):
        clipscore_distributions(np.ones((2, 2)), np.eye(2), np.array([0, 2]))
    with pytest.raises(NeuroarenaError, match="m >= 2"):
        clipscore_distributions(np.ones((2, 2)), np.ones((1, 2)), np.array([0, 0]))
