from __future__ import annotations

import math

import mne
import pytest
import torch

from neuroarena.errors import NeuroarenaError
from neuroarena.models import build_model, get_model
from neuroarena.models.registry import MODEL_SPECS
from neuroarena.runner.job import JobSpec, run_job
from neuroarena.training.contrastive import clip_loss

CLASSIC = [spec.name for spec in MODEL_SPECS if spec.family == "classic"]
NEW = ["deep4net", "bdtcn", "atcnet", "eegconformer", "eegnex", "signal_jepa", "simpleconv_time_agg"]


@pytest.fixture(scope="module")
def easycap22_chs() -> list[dict]:
    """``info["chs"]`` of 22 easycap-M1 channels with their standard positions, at 100 Hz."""
    montage = mne.channels.make_standard_montage("easycap-M1")
    info = mne.create_info(montage.ch_names[:22], sfreq=100.0, ch_types="eeg")
    info.set_montage(montage)
    return info["chs"]


def _outputs(net: torch.nn.Module, X: torch.Tensor) -> torch.Tensor:
    if getattr(net, "uses_subject", False):
        return net(X, torch.arange(len(X)) % 2)
    return net(X)


def test_the_zoo_is_registered_as_classic_nets_for_every_target_kind():
    assert set(NEW) < set(CLASSIC)
    assert {"eegnet", "shallow_fbcsp_net", "ctnet"} < set(CLASSIC)
    for name in CLASSIC:
        spec = get_model(name)
        assert (spec.kind, spec.targets) == ("net", frozenset({"classification", "embedding", "regression"}))


@pytest.mark.parametrize("name", CLASSIC)
@pytest.mark.parametrize("n_times", [100, 200])
@pytest.mark.parametrize("target_kind, n_outputs", [("classification", 3), ("embedding", 8)])
def test_net_forward_shape_and_gradients(name, n_times, target_kind, n_outputs, easycap22_chs):
    torch.manual_seed(0)
    params = {"n_subjects": 2} if name == "simpleconv_time_agg" else {}
    net = build_model(name, n_chans=22, n_outputs=n_outputs, n_times=n_times, sfreq=100.0, chs_info=easycap22_chs,
                      target_kind=target_kind, params=params)
    X = torch.randn(4, 22, n_times, requires_grad=True)
    out = _outputs(net, X)
    assert out.shape == (4, n_outputs)
    if target_kind == "classification":
        loss = torch.nn.functional.cross_entropy(out, torch.tensor([0, 1, 2, 0]))
    else:
        loss = clip_loss(out, torch.randn(4, n_outputs))
    loss.backward()
    assert X.grad.abs().sum() > 0  # the gradient reaches the input
    grads = {parameter_name: p.grad for parameter_name, p in net.named_parameters() if p.requires_grad}
    missing = [parameter_name for parameter_name, g in grads.items() if g is None]
    assert not missing  # every parameter is used
    assert all(torch.isfinite(g).all() for g in grads.values())
    first_layer = next(p for p in net.parameters() if p.requires_grad)
    assert first_layer.grad.abs().sum() > 0


@pytest.mark.parametrize("name, n_times", [("bdtcn", 40), ("eegconformer", 20), ("eegnex", 20),
                                           ("signal_jepa", 20)])
def test_too_short_window_gives_advice(name, n_times, easycap22_chs):
    with pytest.raises(NeuroarenaError, match=rf"'{name}' cannot take windows of {n_times} samples .*longer window"):
        build_model(name, n_chans=22, n_outputs=2, n_times=n_times, sfreq=100.0, chs_info=easycap22_chs,
                    target_kind="classification")


def test_published_lengths_are_rescaled_to_the_sampling_rate(easycap22_chs):
    signal = dict(n_chans=22, n_outputs=2, sfreq=100.0, chs_info=easycap22_chs, target_kind="classification")
    conformer = build_model("eegconformer", n_times=100, **signal)
    assert conformer.patch_embedding.shallownet[0].kernel_size == (1, 10)  # 25 samples at 250 Hz
    atcnet = build_model("atcnet", n_times=100, **signal)
    assert (atcnet.conv_block_kernel_length_1, atcnet.conv_block_pool_size_1, atcnet.conv_block_pool_size_2,
            atcnet.n_windows) == (26, 3, 3, 5)
    assert build_model("deep4net", n_times=100, **signal).pool_time_length == 2  # 1 s fits pooling 2 only
    assert build_model("deep4net", n_times=400, **signal).pool_time_length == 3  # the published pooling
    jepa = build_model("signal_jepa", n_times=100, **signal)
    assert jepa.transformer.decoder is None
    with pytest.raises(NeuroarenaError, match="'signal_jepa' needs channel positions"):
        build_model("signal_jepa", n_times=100, **{**signal, "chs_info": None})


@pytest.fixture(scope="module")
def tiny_home(tmp_path_factory):
    """One home for the module: the tiny simulated dataset is written and prepared once."""
    home = tmp_path_factory.mktemp("zoo-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEUROARENA_HOME", str(home))
        yield home


@pytest.mark.parametrize("name", NEW)
def test_one_epoch_through_the_runner(name, tiny_home):
    record = run_job(JobSpec(task="category", dataset="simulated-tiny", model=name, seed=33,
                             recipe_overrides={"max_epochs": 1, "limit_train_batches": 2, "limit_eval_batches": 2,
                                               "batch_size": 16}))
    assert record.status == "ok", record.error
    assert record.training["epochs"] == 1
    assert record.data["n_evaluated"]["test"] == 32
    assert record.n_params > 0
    for metric in ("balanced_accuracy", "f1_macro"):
        assert math.isfinite(record.metrics[metric]) and 0.0 <= record.metrics[metric] <= 1.0
    assert len(record.test_items["y_pred"]) == 32
    assert record.data["n_subjects"] == 2  # the runner gives subject layers one matrix per subject
