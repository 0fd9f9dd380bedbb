from __future__ import annotations

import pytest
import torch

from neuroarena.errors import NeuroarenaError
from neuroarena.models import build_model, get_model
from neuroarena.training.contrastive import clip_loss

NETS = ["eegnet", "shallow_fbcsp_net", "ctnet", "chance"]


@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize("target_kind, n_outputs", [("classification", 3), ("embedding", 8)])
def test_net_forward_shape_and_gradients(name, target_kind, n_outputs, biosemi16_chs):
    torch.manual_seed(0)
    net = build_model(name, n_chans=16, n_outputs=n_outputs, n_times=100, sfreq=100.0, chs_info=biosemi16_chs,
                      target_kind=target_kind)
    X = torch.randn(4, 16, 100)
    out = net(X)
    assert out.shape == (4, n_outputs)
    if target_kind == "classification":
        loss = torch.nn.functional.cross_entropy(out, torch.tensor([0, 1, 2, 0]))
    else:
        loss = clip_loss(out, torch.randn(4, n_outputs))
    loss.backward()
    grads = [p.grad for p in net.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    first_layer = next(p for p in net.parameters() if p.requires_grad)
    assert first_layer.grad.abs().sum() > 0  # the gradient reaches the input layer


@pytest.mark.parametrize("name, n_times", [("eegnet", 10), ("shallow_fbcsp_net", 30), ("ctnet", 30)])
def test_too_short_window_gives_advice(name, n_times):
    with pytest.raises(NeuroarenaError, match=rf"'{name}' cannot take windows of {n_times} samples .*longer window"):
        build_model(name, n_chans=16, n_outputs=2, n_times=n_times, sfreq=100.0, chs_info=None,
                    target_kind="classification")


def test_chance_is_its_seeded_initialisation():
    assert get_model("chance").trainable is False

    def weights(seed):
        torch.manual_seed(seed)
        net = build_model("chance", n_chans=16, n_outputs=2, n_times=100, sfreq=100.0, chs_info=None,
                          target_kind="classification")
        return torch.cat([p.detach().flatten() for p in net.parameters()])

    assert torch.equal(weights(3), weights(3))
    assert not torch.equal(weights(3), weights(4))


@pytest.mark.parametrize("n_times", [8, 30, 36, 60, 80])
def test_chance_takes_windows_shorter_than_shallow_fbcsp_nets_default_field(n_times):
    with pytest.raises(NeuroarenaError, match="cannot take windows"):  # the trained net keeps its defaults
        net = build_model("shallow_fbcsp_net", n_chans=8, n_outputs=3, n_times=n_times, sfreq=100.0, chs_info=None,
                          target_kind="classification")
        net(torch.zeros(2, 8, n_times))
    net = build_model("chance", n_chans=8, n_outputs=3, n_times=n_times, sfreq=100.0, chs_info=None,
                      target_kind="classification")
    assert net(torch.zeros(2, 8, n_times)).shape == (2, 3)


def test_build_leaves_net_in_training_mode_and_eegnet_uses_constrained_classifier():
    net = build_model("eegnet", n_chans=16, n_outputs=2, n_times=100, sfreq=100.0, chs_info=None,
                      target_kind="classification")
    assert net.training
    # 100 samples pooled by 4 then 8 -> 3 time steps of F2 = 16 filters
    assert net.final_layer.linearconstraint.in_features == 16 * 3
