from __future__ import annotations

import numpy as np
import pytest
import torch

from neuroarena.errors import NeuroarenaError
from neuroarena.training.contrastive import clip_loss
from neuroarena.training.losses import mse_loss

PRED = np.array([[1.0, 0.0, 2.0], [0.5, -1.0, 0.0], [0.0, 3.0, 1.0], [-2.0, 0.5, 0.5]])
TARGET = np.array([[0.8, 0.1, 1.5], [1.0, -0.5, 0.3], [-0.2, 2.0, 0.0], [-1.0, -1.0, 1.0]])


def numpy_clip(pred, target, temperature, symmetric):
    """CLIP loss written out: cosine logits, log-softmax, mean of the diagonal."""
    pred = pred / np.linalg.norm(pred, axis=1, keepdims=True)
    target = target / np.linalg.norm(target, axis=1, keepdims=True)
    logits = pred @ target.T / temperature

    def diagonal_cross_entropy(z):
        log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -np.mean(np.diag(log_softmax))

    one_way = diagonal_cross_entropy(logits)
    return (one_way + diagonal_cross_entropy(logits.T)) / 2 if symmetric else one_way


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("temperature", [0.07, 1.0])
def test_clip_loss_matches_numpy(symmetric, temperature):
    loss = clip_loss(torch.tensor(PRED), torch.tensor(TARGET), temperature=temperature, symmetric=symmetric)
    assert loss.shape == ()
    assert loss.item() == pytest.approx(numpy_clip(PRED, TARGET, temperature, symmetric), rel=1e-9)


def test_symmetric_differs_from_one_way_and_swapping_inputs_mirrors_it():
    pred, target = torch.tensor(PRED), torch.tensor(TARGET)
    one_way = clip_loss(pred, target, temperature=1.0, symmetric=False)
    other_way = clip_loss(target, pred, temperature=1.0, symmetric=False)
    symmetric = clip_loss(pred, target, temperature=1.0)
    assert one_way.item() != pytest.approx(other_way.item())
    assert symmetric.item() == pytest.approx((one_way.item() + other_way.item()) / 2)


def test_perfect_alignment_at_low_temperature_gives_near_zero_loss():
    embeddings = torch.diag(torch.tensor([1.0, 2.0, 0.5, 3.0]))  # orthogonal rows: cosine 1 on the diagonal, 0 off
    assert clip_loss(embeddings, embeddings * 7.0, temperature=0.01).item() < 1e-30
    # uniform logits (temperature huge) give log(batch size)
    assert clip_loss(embeddings, embeddings, temperature=1e9).item() == pytest.approx(np.log(4))


def test_normalize_none_uses_raw_dot_products():
    pred, target = torch.tensor(PRED), torch.tensor(TARGET)
    logits = PRED @ TARGET.T
    expected = -np.mean(np.diag(logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))))
    loss = clip_loss(pred, target, temperature=1.0, symmetric=False, normalize="none")
    assert loss.item() == pytest.approx(expected, rel=1e-9)


def test_clip_loss_refuses_bad_input():
    with pytest.raises(NeuroarenaError, match=r"same shape \(batch, dim\), got \(4, 3\) and \(4, 2\)"):
        clip_loss(torch.zeros(4, 3), torch.zeros(4, 2))
    with pytest.raises(NeuroarenaError, match="temperature must be positive"):
        clip_loss(torch.ones(4, 3), torch.ones(4, 3), temperature=0.0)
    with pytest.raises(NeuroarenaError, match="unknown normalize='l1'"):
        clip_loss(torch.ones(4, 3), torch.ones(4, 3), normalize="l1")


def test_mse_loss():
    assert mse_loss(torch.tensor([[1.0, 2.0]]), torch.tensor([[0.0, 0.0]], dtype=torch.float64)).item() == 2.5
    with pytest.raises(NeuroarenaError, match=r"same shape .* got \(2, 1\) and \(2,\)"):
        mse_loss(torch.zeros(2, 1), torch.zeros(2))
