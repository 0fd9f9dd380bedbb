"""Cross-subject contrastive pretraining: the loss, the pair batches and the retrieval monitor."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from neuroarena.errors import NeuroarenaError
from neuroarena.training.cross_subject import CrossSubjectInfoNCE, cross_subject_top1, pair_batches


def test_the_loss_by_hand_and_its_masks():
    loss = CrossSubjectInfoNCE(temperature=1.0)
    # windows: (stimulus, subject) = (0, a), (0, b), (1, a), (0, a) -> row 3 is a's repeat of stimulus 0
    z = torch.tensor([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [1.0, 0.0]])
    batch = {"stimulus": torch.tensor([0, 0, 1, 0]), "subject": torch.tensor([0, 1, 0, 0])}
    s = F.normalize(z, dim=1) @ F.normalize(z, dim=1).T
    # anchor 0: positive 1; candidates 1, 2 (itself and its own repeat 3 excluded)
    l0 = -(s[0, 1] - torch.logsumexp(s[0, [1, 2]], 0))
    # anchor 1 (subject b): positives 0 and 3; candidates 0, 2, 3
    l1 = -((s[1, 0] + s[1, 3]) / 2 - torch.logsumexp(s[1, [0, 2, 3]], 0))
    # anchor 3: positive 1; candidates 1, 2
    l3 = -(s[3, 1] - torch.logsumexp(s[3, [1, 2]], 0))
    # anchor 2 has no positive: left out
    assert loss(z, batch).item() == pytest.approx(((l0 + l1 + l3) / 3).item(), rel=1e-6)
    assert torch.isnan(loss(z[:1], {"stimulus": torch.tensor([0]), "subject": torch.tensor([0])}))


def test_aligned_embeddings_lose_less_and_the_temperature_learns():
    rng = np.random.default_rng(0)
    shared = torch.tensor(rng.standard_normal((8, 16)), dtype=torch.float32)
    batch = {"stimulus": torch.arange(8).repeat(2), "subject": torch.tensor([0] * 8 + [1] * 8)}
    aligned = torch.cat([shared, shared + 0.1 * torch.randn(8, 16)])
    shuffled = torch.cat([shared, shared[torch.randperm(8)]])
    loss = CrossSubjectInfoNCE()
    assert loss(aligned, batch) < loss(shuffled, batch)
    loss(aligned, batch).backward()
    assert loss.log_temperature.grad is not None


def test_pair_batches_pair_different_subjects_of_one_stimulus():
    stimulus = np.repeat(np.arange(10), 3)  # 10 movie times x 3 subjects
    subject = np.tile(np.arange(3), 10)
    stimulus = np.append(stimulus, 99)  # a time one subject saw: never drawn
    subject = np.append(subject, 0)
    batches = pair_batches(stimulus, subject, batch_size=8, seed=0)
    assert len(batches) == len(stimulus) // 8
    for batch in batches:
        assert len(batch) == 8 and 30 not in batch
        pairs = np.asarray(batch).reshape(-1, 2)
        assert (stimulus[pairs[:, 0]] == stimulus[pairs[:, 1]]).all()
        assert (subject[pairs[:, 0]] != subject[pairs[:, 1]]).all()
        assert len(set(stimulus[pairs[:, 0]].tolist())) == 4
    assert pair_batches(stimulus, subject, 8, seed=0) == batches != pair_batches(stimulus, subject, 8, seed=1)
    with pytest.raises(NeuroarenaError, match="even batch size"):
        pair_batches(stimulus, subject, 7, 0)


def test_cross_subject_top1():
    stimulus, subject = np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1])
    good = np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1], [0.1, 0.9]])
    assert cross_subject_top1(good, stimulus, subject) == 1.0
    assert cross_subject_top1(good[[0, 1, 3, 2]], stimulus, subject) == 0.0
