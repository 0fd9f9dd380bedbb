"""Subject heads: each head learns only from its subject's windows; any net gets heads with ``+heads``."""
from __future__ import annotations

import inspect

import pytest
import torch
from torch import nn

from neuroarena.errors import NeuroarenaError
from neuroarena.models import build_model, get_model
from neuroarena.models.subject_heads import SubjectHeads
from neuroarena.runner.api import _params_for


def _net(head_hidden: int = 0) -> SubjectHeads:
    torch.manual_seed(0)
    trunk = nn.Sequential(nn.Flatten(), nn.Linear(4 * 10, 8), nn.GELU())
    return SubjectHeads(trunk, trunk_dim=8, n_outputs=2, n_subjects=3, head_hidden=head_hidden)


def _step(net: SubjectHeads, optimizer: torch.optim.Optimizer, subject: torch.Tensor) -> None:
    generator = torch.Generator().manual_seed(int(subject.sum()))
    X = torch.randn(len(subject), 4, 10, generator=generator)
    y = torch.randint(0, 2, (len(subject),), generator=generator)
    optimizer.zero_grad(set_to_none=True)
    nn.functional.cross_entropy(net(X, subject), y).backward()
    optimizer.step()


def _snapshot(module: nn.Module) -> list[torch.Tensor]:
    return [parameter.detach().clone() for parameter in module.parameters()]


def _changed(module: nn.Module, before: list[torch.Tensor]) -> bool:
    return all(not torch.equal(parameter, old) for parameter, old in zip(module.parameters(), before))


def test_a_head_trains_only_on_batches_holding_its_subject():
    net = _net()
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-2, weight_decay=0.1)
    heads, trunk = [_snapshot(head) for head in net.heads], _snapshot(net.backbone)
    _step(net, optimizer, torch.tensor([0, 2, 2, 0, 0, 2]))
    assert all(parameter.grad is None for parameter in net.heads[1].parameters())
    assert all(torch.equal(parameter, old) for parameter, old in zip(net.heads[1].parameters(), heads[1]))
    assert _changed(net.heads[0], heads[0]) and _changed(net.heads[2], heads[2]) and _changed(net.backbone, trunk)
    # weight decay alone would have moved head 1 by lr * wd = 1e-3 of its weights: it did not run
    seen = _snapshot(net.heads[1])
    _step(net, optimizer, torch.tensor([1, 0, 1, 1]))
    assert _changed(net.heads[1], seen)


@pytest.mark.parametrize("head_hidden", [0, 16])
def test_each_row_goes_through_its_own_head(head_hidden):
    net = _net(head_hidden).eval()
    X, subject = torch.randn(7, 4, 10), torch.tensor([2, 0, 1, 2, 2, 0, 1])
    features = net.backbone(X)
    expected = torch.stack([net.heads[s](features[i:i + 1])[0] for i, s in enumerate(subject.tolist())])
    torch.testing.assert_close(net(X, subject), expected, rtol=0, atol=1e-6)
    mean_of_heads = torch.stack([head(features) for head in net.heads]).mean(dim=0)
    torch.testing.assert_close(net(X), mean_of_heads)  # no subject known: the heads' average
    per_head = 8 * 2 + 2 if head_hidden == 0 else 8 * 16 + 16 + 16 * 2 + 2
    assert sum(p.numel() for p in net.heads.parameters()) == 3 * per_head


def test_unknown_subject_is_an_error():
    net = _net()
    with pytest.raises(NeuroarenaError, match=r"subject index 3 is outside the 3 subject\(s\).*n_subjects"):
        net(torch.randn(2, 4, 10), torch.tensor([0, 3]))
    with pytest.raises(NeuroarenaError, match="subject index -1"):
        net(torch.randn(2, 4, 10), torch.tensor([-1, 0]))
    with pytest.raises(NeuroarenaError, match=r"got \(3,\) subject indices for a batch of 2"):
        net(torch.randn(2, 4, 10), torch.tensor([0, 1, 2]))


def test_any_registered_net_gets_heads_by_name(biosemi16_chs):
    signal = dict(n_chans=16, n_outputs=3, n_times=100, sfreq=100.0, chs_info=biosemi16_chs,
                  target_kind="classification")
    torch.manual_seed(0)
    net = build_model("eegnet+heads", **signal, params={"n_subjects": 4, "trunk_dim": 32})
    assert isinstance(net, SubjectHeads) and net.uses_subject is True
    assert [tuple(head.weight.shape) for head in net.heads] == [(3, 32)] * 4
    assert net.backbone(torch.randn(2, 16, 100)).shape == (2, 32)  # EEGNet built with trunk_dim outputs
    spec = get_model("eegnet+heads")
    assert (spec.name, spec.family, spec.kind) == ("eegnet+heads", "classic", "net")
    assert "n_subjects" in inspect.signature(spec.resolve_builder()).parameters  # the runner passes it
    # a trunk with its own subject layer gets n_subjects too
    simpleconv = build_model("simpleconv_time_agg+heads", **signal, params={"n_subjects": 2})
    assert len(simpleconv.backbone.subject_layer.matrices) == len(simpleconv.heads) == 2
    assert simpleconv(torch.randn(3, 16, 100), torch.tensor([1, 0, 1])).shape == (3, 3)
    # the base net's own parameters stay reachable and checked
    assert _params_for("labram+heads", {"adaptation": "lora", "pretrained": False}) == {
        "adaptation": "lora", "pretrained": False}
    with pytest.raises(NeuroarenaError, match=r"EEGNet does not take parameter\(s\) \['bogus'\]"):
        build_model("eegnet+heads", **signal, params={"bogus": 1})
    with pytest.raises(NeuroarenaError, match="'dummy' is an estimator and cannot get subject heads"):
        get_model("dummy+heads")
    with pytest.raises(NeuroarenaError, match="unknown model 'nonet\\+heads'"):
        get_model("nonet+heads")
