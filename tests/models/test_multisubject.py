"""The multi-subject electrode transformer: shapes, shared per-electrode convolutions, training, registry."""
from __future__ import annotations

import math

import pytest
import torch

from neuroarena.errors import NeuroarenaError
from neuroarena.models import build_model, expand_models, get_model
from neuroarena.models.multisubject import electrode_positions
from neuroarena.models.subject_heads import SubjectHeads


def _build(chs_info, n_chans=16, n_times=100, n_subjects=3, **params):
    torch.manual_seed(0)
    return build_model("multisubject_transformer", n_chans=n_chans, n_outputs=3, n_times=n_times, sfreq=100.0,
                       chs_info=chs_info, target_kind="classification", params={"n_subjects": n_subjects, **params})


def test_registered_with_its_defaults_and_one_head_per_subject(biosemi16_chs):
    spec = get_model("multisubject_transformer")
    assert (spec.family, spec.kind, spec.targets) == ("task-specific", "net",
                                                      frozenset({"classification", "embedding", "regression"}))
    assert expand_models(["all_task_specific"]) == ["multisubject_transformer"]
    net = _build(biosemi16_chs)
    assert isinstance(net, SubjectHeads) and net.uses_subject is True and len(net.heads) == 3
    assert net(torch.randn(5, 16, 100), torch.tensor([0, 1, 2, 0, 1])).shape == (5, 3)
    assert net.backbone(torch.randn(5, 16, 100)).shape == (5, 64)
    # conv 1->16 and 16->16 (kernel 7) with batch norms, token map 16->64, position map 3->64,
    # 2 pre-norm encoder layers (d=64, feed-forward 128), final norm, 3 linear heads 64->3
    conv = (16 * 7 + 16) + 32 + (16 * 16 * 7 + 16) + 32
    layer = (64 * 192 + 192) + (64 * 64 + 64) + (64 * 128 + 128) + (128 * 64 + 64) + 4 * 64
    expected = conv + (16 * 64 + 64) + (3 * 64 + 64) + 2 * layer + 2 * 64 + 3 * (64 * 3 + 3)
    assert sum(p.numel() for p in net.parameters()) == expected == 71_001


def test_permuting_channels_with_their_positions_permutes_the_tokens_only(biosemi16_chs):
    order = torch.randperm(16, generator=torch.Generator().manual_seed(3))
    net = _build(biosemi16_chs).eval()
    permuted = _build([biosemi16_chs[i] for i in order.tolist()]).eval()
    X, subject = torch.randn(4, 16, 100), torch.tensor([0, 2, 1, 0])
    with torch.no_grad():
        tokens = net.backbone.electrode_tokens(X)
        torch.testing.assert_close(permuted.backbone.electrode_tokens(X[:, order]), tokens[:, order])
        torch.testing.assert_close(permuted(X[:, order], subject), net(X, subject))
        # the same convolution stack on every electrode: two channels with the same signal get
        # the same temporal features, the tokens differing by their electrode embeddings only
        X[:, 7] = X[:, 3]
        features = net.backbone.electrode_tokens(X) - net.backbone.electrode_embedding()
    torch.testing.assert_close(features[:, 7], features[:, 3])
    assert (tokens[:, 7] - tokens[:, 3]).abs().max() > 1e-2


def test_electrode_embedding_from_positions_or_a_table(biosemi16_chs):
    positions = electrode_positions(biosemi16_chs)
    assert positions.shape == (16, 3)
    assert math.isclose(float((positions ** 2).sum(axis=1).max()), 1.0)
    assert _build(biosemi16_chs).backbone.electrode_table is None
    table = _build(None).backbone
    assert table.position_map is None and table.electrode_table.shape == (16, 64)
    assert _build(biosemi16_chs, electrodes="table").backbone.position_map is None
    with pytest.raises(NeuroarenaError, match="electrodes='position' needs every channel's position"):
        _build(None, electrodes="position")
    with pytest.raises(NeuroarenaError, match="embed_dim a multiple of n_heads"):
        _build(None, embed_dim=30)
    cls = _build(None, pool="cls")
    assert cls(torch.randn(2, 16, 100), torch.tensor([0, 1])).shape == (2, 3)


def _opposite_mappings() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """32 windows, 8 channels: a 10 Hz burst on channels 0-1 means class 1 for subject 0, class 0 for subject 1."""
    generator = torch.Generator().manual_seed(1)
    burst = torch.randint(0, 2, (32,), generator=generator)
    subject = torch.arange(32) % 2
    X = torch.randn(32, 8, 40, generator=generator)
    X[:, :2] += 2.0 * burst[:, None, None] * torch.sin(2 * math.pi * 10 * torch.arange(40) / 40.0)
    return X, subject, torch.where(subject == 0, burst, 1 - burst)


def _train(n_subjects: int) -> tuple[float, float, float]:
    X, subject, y = _opposite_mappings()
    subject = subject if n_subjects == 2 else torch.zeros_like(subject)
    torch.manual_seed(0)
    net = build_model("multisubject_transformer", n_chans=8, n_outputs=2, n_times=40, sfreq=40.0, chs_info=None,
                      target_kind="classification", params={"n_subjects": n_subjects})
    optimizer = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=0.01)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(X, subject), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        accuracy = (net.eval()(X, subject).argmax(dim=1) == y).float().mean().item()
    return losses[0], losses[-1], accuracy


def test_subject_heads_learn_opposite_mappings_that_one_shared_head_cannot():
    first, last, accuracy = _train(n_subjects=2)
    assert first > 0.6 and last < 0.02 and accuracy == 1.0
    first, last, accuracy = _train(n_subjects=1)
    assert first > 0.6 and last > 0.6  # without the subject the two classes look alike: chance, ln 2
