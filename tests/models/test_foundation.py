"""Foundation models: build under their input rules, train a step, load weights, run through the runner."""
from __future__ import annotations

import json
from pathlib import Path

import mne
import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from neuroarena.errors import NeuroarenaError
from neuroarena.models.foundation import BendrAmplitudeChannel, WEIGHT_SOURCES, build_labram
from neuroarena.models.input_rules import BENDR_CHANNELS, FM_INPUT_RULES
from neuroarena.models.registry import build_model, get_model
from neuroarena.models.weights import resolve_weights
from neuroarena.runner.job import JobSpec, run_job

#: Small sizes so a CPU test takes a fraction of a second (published sizes: 4 M to 157 M parameters).
SMALL = {
    "bendr": dict(encoder_h=32, contextualizer_hidden=64, transformer_layers=1, transformer_heads=2),
    "labram": dict(num_layers=1, num_heads=2),
    "biot": dict(embed_dim=32, num_heads=2, num_layers=1),
    "cbramod": dict(n_layer=1, nhead=2, dim_feedforward=64),
    "luna": dict(embed_dim=16, num_queries=2, depth=1, num_heads=1),
    "reve": dict(embed_dim=32, depth=1, heads=2, head_dim=16),
    "eegpt": dict(embed_dim=32, depth=1, num_heads=2, embed_num=1),
}
EIGHT = ["Fp1", "Fz", "Cz", "Pz", "Oz", "C3", "C4", "P7"]


def signal_for(name: str, n_patches: int = 2) -> dict:
    """Windows meeting ``name``'s input rules: its rate, whole patches, channels with positions."""
    rules = FM_INPUT_RULES[name]
    names = list(rules.channels or EIGHT)
    info = mne.create_info(names, rules.sfreq, "eeg")
    info.set_montage(mne.channels.make_standard_montage("colin27_1005"), match_case=False)
    n_times = (rules.patch_size or 128) * n_patches
    return dict(n_chans=len(names), n_times=n_times, sfreq=rules.sfreq, chs_info=info["chs"])


@pytest.mark.parametrize("name", list(SMALL))
def test_builds_under_its_rules_and_trains_a_step(name):
    torch.manual_seed(0)
    signal = signal_for(name)
    net = build_model(name, n_outputs=3, target_kind="classification",
                      params={"pretrained": False, **SMALL[name]}, **signal)
    assert get_model(name).family == "fm"
    X = torch.randn(4, signal["n_chans"], signal["n_times"])
    out = net(X)
    assert out.shape == (4, 3) and torch.isfinite(out).all()
    torch.nn.functional.cross_entropy(out, torch.tensor([0, 1, 2, 0])).backward()
    grads = [p.grad for p in net.parameters() if p.requires_grad and p.grad is not None]
    assert all(torch.isfinite(g).all() for g in grads)
    assert sum(float(g.abs().sum()) > 0 for g in grads) > len(grads) // 2


def test_embedding_target_and_wrong_windows():
    signal = signal_for("cbramod")
    net = build_model("cbramod", n_outputs=16, target_kind="embedding", params={"pretrained": False, **SMALL["cbramod"]},
                      **signal)
    assert net(torch.randn(2, signal["n_chans"], signal["n_times"])).shape == (2, 16)
    with pytest.raises(NeuroarenaError, match="pretrained at 200 Hz but the windows are at 100 Hz"):
        build_model("cbramod", n_outputs=3, target_kind="classification", params={"pretrained": False},
                    **{**signal, "sfreq": 100.0})
    chs = [{**ch, "ch_name": "XYZ"} if i == 0 else ch for i, ch in enumerate(signal["chs_info"])]
    with pytest.raises(NeuroarenaError, match=r"\['XYZ'\] have no LaBraM embedding"):
        build_model("labram", n_outputs=3, target_kind="classification", params={"pretrained": False},
                    **{**signal, "chs_info": chs})


def test_bendr_input_adds_the_relative_amplitude_channel():
    X = torch.stack([torch.linspace(-5, 5, 256).repeat(19, 1), torch.linspace(0, 100, 256).repeat(19, 1)])
    out = BendrAmplitudeChannel(max_scale=40.0)(X)
    assert out.shape == (2, 20, 256)
    assert out[:, :19].amin().item() == -1.0 and out[:, :19].amax().item() == 1.0
    np.testing.assert_allclose(out[:, 19].numpy(), np.array([[2 * (10 / 40 - 0.5)], [1.0]]).repeat(256, 1))


def small_labram(n_times: int = 200, seed: int = 0, **options):
    torch.manual_seed(seed)
    return build_labram(n_outputs=3, target_kind="classification", **{**signal_for("labram"), "n_times": n_times},
                        **SMALL["labram"], **options)


def test_pretrained_weights_load_from_a_path_all_but_the_head(tmp_path):
    source = small_labram(n_times=400, pretrained=False)  # checkpoint with a longer temporal table
    save_file({k: v.contiguous() for k, v in source.backbone.state_dict().items()}, tmp_path / "model.safetensors")
    net = small_labram(seed=1, pretrained=True, weights=str(tmp_path))
    saved = source.backbone.state_dict()
    for key, value in net.backbone.state_dict().items():
        if key.startswith("final_layer."):  # the task head starts fresh (its bias at zero both times)
            assert key == "final_layer.bias" or not torch.equal(value, saved[key])
        elif key == "temporal_embedding":
            torch.testing.assert_close(value, saved[key][:, :2])  # 1 patch + cls of the checkpoint's 2 + cls
        else:
            torch.testing.assert_close(value, saved[key], rtol=0, atol=0)


def test_weights_found_in_home_then_in_the_huggingface_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROARENA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    source = WEIGHT_SOURCES["labram"]
    with pytest.raises(NeuroarenaError, match=r"download model\.safetensors of https://huggingface\.co/"
                                              r"braindecode/labram-pretrained.*home/weights/labram"):
        resolve_weights("labram", source)
    snapshot = tmp_path / "hub" / "models--braindecode--labram-pretrained" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("abc123")
    torch.save({"state_dict": small_labram(pretrained=False).backbone.state_dict()}, snapshot / "pytorch_model.bin")
    assert resolve_weights("labram", source) == snapshot / "pytorch_model.bin"
    home = tmp_path / "home" / "weights" / "labram"
    home.mkdir(parents=True)
    torch.save(small_labram(seed=2, pretrained=False).backbone.state_dict(), home / "pytorch_model.bin")
    assert resolve_weights("labram", source) == home / "pytorch_model.bin"
    net = small_labram(seed=3, pretrained=True)  # found in home, torch format, no download
    torch.testing.assert_close(net.backbone.cls_token, torch.load(home / "pytorch_model.bin")["cls_token"])


def test_a_checkpoint_of_another_size_is_a_clear_error(tmp_path):
    torch.manual_seed(0)
    other = build_labram(n_outputs=3, target_kind="classification", **signal_for("labram", 1), pretrained=False,
                         num_layers=1, num_heads=2, mlp_ratio=2.0)
    torch.save(other.backbone.state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(NeuroarenaError, match=r"shapes differ .*blocks\.0\.mlp"):
        small_labram(pretrained=True, weights=str(tmp_path / "pytorch_model.bin"))


@pytest.fixture(scope="module")
def fm_records():
    """One-epoch runs of LaBraM and BENDR (from scratch, small) on the tiny simulated study."""
    recipe = {"max_epochs": 1, "limit_train_batches": 2, "limit_eval_batches": 2}
    return {name: run_job(JobSpec(task="category", dataset="simulated-tiny", model=name, seed=33,
                                  recipe_overrides=recipe, model_params={"pretrained": False, **SMALL[name]}))
            for name in ("labram", "bendr")}


@pytest.mark.parametrize("name, sfreq, n_times, n_chans", [("labram", 200.0, 200, 32), ("bendr", 256.0, 256, 19)])
def test_runner_trains_on_a_store_at_the_models_rate(fm_records, name, sfreq, n_times, n_chans):
    record = fm_records[name]
    assert record.status == "ok", record.error
    assert (record.data["sfreq"], record.data["n_times"], record.data["n_chans"]) == (sfreq, n_times, n_chans)
    assert record.n_trainable_params == record.n_params > 0
    assert 0.0 <= record.metrics["balanced_accuracy"] <= 1.0 and record.training["epochs"] == 1
    manifest = json.loads((Path(record.data["store"]) / "manifest.json").read_text())
    assert manifest["sfreq"] == sfreq and manifest["n_times"] == n_times
    if name == "bendr":
        assert manifest["ch_names"] == list(BENDR_CHANNELS)  # T5/T6 taken from P7/P8 of easycap-M1
        assert (record.recipe["lr"], record.recipe["gradient_clip_val"]) == (1e-5, 0.5)
