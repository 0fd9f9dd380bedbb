from __future__ import annotations

import numpy as np
import pytest
import torch

from neuroarena.errors import NeuroarenaError
from neuroarena.models import build_model
from neuroarena.models.simpleconv import project_to_plane


def _build(chs_info, n_outputs=3, **params):
    torch.manual_seed(0)
    return build_model("simpleconv_time_agg", n_chans=len(chs_info), n_outputs=n_outputs, n_times=100,
                       sfreq=100.0, chs_info=chs_info, target_kind="classification", params=params)


def test_projection_keeps_left_right_and_front_back_and_fills_the_unit_square(biosemi16_chs):
    names = [ch["ch_name"] for ch in biosemi16_chs]
    plane = project_to_plane(np.array([ch["loc"][:3] for ch in biosemi16_chs]))
    assert plane.shape == (16, 2)
    np.testing.assert_allclose(plane.min(axis=0), 0.0)
    np.testing.assert_allclose(plane.max(axis=0), 1.0)
    x, y = dict(zip(names, plane[:, 0])), dict(zip(names, plane[:, 1]))
    assert x["C3"] < x["Cz"] < x["C4"]  # left to right
    assert y["Oz"] < y["Cz"] < y["Fz"]  # back to front
    assert abs(x["Fz"] - x["Cz"]) < 0.05  # midline


def test_positions_from_chs_info_change_the_attention(biosemi16_chs):
    reference = _build(biosemi16_chs, n_subjects=2)
    same = _build(biosemi16_chs, n_subjects=2)
    moved = [dict(ch) for ch in biosemi16_chs]
    moved[0], moved[15] = {**moved[0], "loc": moved[15]["loc"]}, {**moved[15], "loc": moved[0]["loc"]}
    swapped = _build(moved, n_subjects=2)
    logits = reference.spatial.logits().detach()
    assert logits.shape == (64, 16)
    assert torch.equal(logits, same.spatial.logits().detach())
    # swapping two sensors' positions swaps their attention logits, and changes nothing else
    expected = logits[:, [15, *range(1, 15), 0]]
    torch.testing.assert_close(swapped.spatial.logits().detach(), expected)
    assert (logits[:, 0] - expected[:, 0]).abs().max() > 1e-3


def test_subject_layer_trains_only_the_subjects_in_the_batch(biosemi16_chs):
    net = _build(biosemi16_chs, n_subjects=2)
    before = [m.detach().clone() for m in net.subject_layer.matrices]
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-2, weight_decay=0.05)
    X = torch.randn(8, 16, 100)
    loss = torch.nn.functional.cross_entropy(net(X, torch.zeros(8, dtype=torch.int64)),
                                             torch.tensor([0, 1, 2, 0, 1, 2, 0, 1]))
    loss.backward()
    assert net.subject_layer.matrices[1].grad is None
    assert net.subject_layer.matrices[0].grad.abs().sum() > 0
    optimizer.step()
    assert torch.equal(net.subject_layer.matrices[1], before[1])
    assert (net.subject_layer.matrices[0] - before[0]).abs().max() > 1e-3


def test_each_window_goes_through_its_own_subject_matrix(biosemi16_chs):
    net = _build(biosemi16_chs, n_subjects=2).eval()
    with torch.no_grad():
        net.subject_layer.matrices[1].mul_(2.0)
    X = torch.randn(6, 16, 100)
    subject = torch.tensor([0, 1, 0, 1, 1, 0])
    mixed = net(X, subject)
    torch.testing.assert_close(mixed[subject == 0], net(X[subject == 0], torch.zeros(3, dtype=torch.int64)))
    torch.testing.assert_close(mixed[subject == 1], net(X[subject == 1], torch.ones(3, dtype=torch.int64)))
    assert (mixed[subject == 0] - net(X[subject == 0], torch.ones(3, dtype=torch.int64))).abs().max() > 1e-4
    with pytest.raises(NeuroarenaError, match="subject index 2 is outside the 2 subject"):
        net(X, torch.full((6,), 2))


@pytest.mark.parametrize("target_kind, n_outputs", [("classification", 4), ("embedding", 12)])
def test_forward_backward_shapes(target_kind, n_outputs, biosemi16_chs):
    torch.manual_seed(1)
    net = build_model("simpleconv_time_agg", n_chans=16, n_outputs=n_outputs, n_times=200, sfreq=100.0,
                      chs_info=biosemi16_chs, target_kind=target_kind, params={"n_subjects": 3})
    assert net.uses_subject is True
    assert len(net.subject_layer.matrices) == 3
    X = torch.randn(5, 16, 200, requires_grad=True)
    out = net(X, torch.tensor([0, 2, 1, 2, 0]))
    assert out.shape == (5, n_outputs)
    out.square().sum().backward()
    assert X.grad.shape == (5, 16, 200) and X.grad.abs().sum() > 0
    grads = {name: p.grad for name, p in net.named_parameters()}
    assert all(g is not None and torch.isfinite(g).all() for g in grads.values())
    assert grads["spatial.weight"].abs().sum() > 0


def test_spatial_dropout_removes_the_sensors_near_a_point_in_training_only(biosemi16_chs):
    net = _build(biosemi16_chs, dropout_radius=0.3)
    X = torch.zeros(64, 16, 100)
    X[:, 0] = 1.0  # only the first sensor carries signal
    torch.manual_seed(2)
    train_out = net.spatial(X)[:, :, 0]  # (batch, spatial channels)
    net.eval()
    eval_out = net.spatial(X)[:, :, 0]
    weights = torch.softmax(net.spatial.logits(), dim=-1)[:, 0]
    torch.testing.assert_close(eval_out, weights.expand(64, -1))
    dropped = (train_out == 0).all(dim=1)
    assert 0 < int(dropped.sum()) < 64  # sensor 0 was dropped for some windows, not all
    kept = ~dropped
    assert (train_out[kept] >= weights - 1e-6).all()  # renormalised over fewer sensors


def test_missing_positions_raise(biosemi16_chs):
    no_position = [dict(ch) for ch in biosemi16_chs]
    no_position[3] = {**no_position[3], "loc": np.full(12, np.nan)}
    name = no_position[3]["ch_name"]
    with pytest.raises(NeuroarenaError, match=rf"channel\(s\) \['{name}'\] have none -> set the montage"):
        _build(no_position)
    with pytest.raises(NeuroarenaError, match="needs channel positions but got no channel info"):
        build_model("simpleconv_time_agg", n_chans=16, n_outputs=2, n_times=100, sfreq=100.0, chs_info=None,
                    target_kind="classification")
    with pytest.raises(NeuroarenaError, match=r"does not take parameter\(s\) \['width'\]"):
        _build(biosemi16_chs, width=3)
