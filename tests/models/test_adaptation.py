"""Adaptation presets: which parameters train, and that frozen ones stay put after a step."""
from __future__ import annotations

import mne
import pytest
import torch

from neuroarena.errors import NeuroarenaError
from neuroarena.models.adaptation import adapt, lora_targets
from neuroarena.models.foundation import build_bendr, build_labram
from neuroarena.models.input_rules import BENDR_CHANNELS

SMALL_LABRAM = dict(num_layers=1, num_heads=2)
SMALL_BENDR = dict(encoder_h=32, contextualizer_hidden=64, transformer_layers=1, transformer_heads=2)
NAMES = ["Fz", "Cz", "Pz", "C3", "C4", "Oz"]


def labram(adaptation: str):
    torch.manual_seed(0)
    chs = mne.create_info(NAMES, 200.0, "eeg")["chs"]
    return build_labram(n_chans=6, n_outputs=3, n_times=200, sfreq=200.0, chs_info=chs, target_kind="classification",
                        pretrained=False, adaptation=adaptation, **SMALL_LABRAM)


def bendr(adaptation: str):
    torch.manual_seed(0)
    chs = mne.create_info(list(BENDR_CHANNELS), 256.0, "eeg")["chs"]
    return build_bendr(n_chans=19, n_outputs=3, n_times=256, sfreq=256.0, chs_info=chs,
                       target_kind="classification", pretrained=False, adaptation=adaptation, **SMALL_BENDR)


def count(net, trainable=True):
    return sum(p.numel() for p in net.parameters() if p.requires_grad or not trainable)


def test_trainable_counts_per_preset():
    full, probe, lora = labram("full"), labram("linear_probe"), labram("lora")
    head = sum(p.numel() for p in full.backbone.final_layer.parameters())
    assert head == 200 * 3 + 3
    assert count(full) == count(full, trainable=False) == 510_779
    assert count(probe) == head
    linears = [m for n, m in labram("full").backbone.named_modules()
               if n in lora_targets(labram("full").backbone, ("final_layer.",))]
    adapters = sum(8 * (m.in_features + m.out_features) for m in linears)  # rank 8: A (8, in) + B (out, 8)
    assert len(linears) == 4  # qkv, proj, fc1, fc2 of the one transformer block
    assert count(lora) == head + adapters
    assert count(lora, trainable=False) == count(full, trainable=False) + adapters


def test_lora_starts_as_the_unadapted_model():
    X = torch.randn(2, 6, 200)
    full, lora = labram("full").eval(), labram("lora").eval()
    with torch.no_grad():
        torch.testing.assert_close(lora(X), full(X))


@pytest.mark.parametrize("make", [labram, bendr], ids=["labram", "bendr"])
@pytest.mark.parametrize("adaptation", ["linear_probe", "lora"])
def test_one_step_moves_only_trainable_weights(make, adaptation):
    net = make(adaptation)
    n_chans, n_times = (6, 200) if make is labram else (19, 256)
    before = {name: p.detach().clone() for name, p in net.named_parameters()}
    trainable = [p for p in net.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-2)
    for _ in range(2):  # LoRA's B starts at zero, so A moves from the second step on
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(torch.randn(4, n_chans, n_times)), torch.tensor([0, 1, 2, 0])).backward()
        optimizer.step()
    changed = {name for name, p in net.named_parameters() if not torch.equal(p, before[name])}
    frozen = {name for name, p in net.named_parameters() if not p.requires_grad}
    # peft adapts a MultiheadAttention by merging and unmerging its adapter in each forward:
    # its frozen weights move by float rounding only
    attention = {name for name in frozen if ".self_attn.base_layer." in name}
    assert frozen and not (changed & (frozen - attention))
    for name in attention:
        torch.testing.assert_close(dict(net.named_parameters())[name], before[name], rtol=0, atol=1e-6)
    assert any(name.startswith("backbone.final_layer.") for name in changed)
    if adaptation == "lora":
        assert any("lora_A" in name for name in changed) and any("lora_B" in name for name in changed)
        assert all("lora_" in name or name.startswith("backbone.final_layer.") for name in changed - attention)
    else:
        assert all(name.startswith("backbone.final_layer.") for name in changed)


def test_bendr_lora_adapts_its_attention_and_runs_in_eval_mode():
    targets = lora_targets(bendr("full").backbone, ("final_layer.",))
    net = bendr("lora")
    assert "contextualizer.transformer_layers.0.self_attn" in targets
    assert not any(".self_attn." in target for target in targets)  # out_proj is covered by the attention's adapter
    net.eval()
    with torch.inference_mode():
        assert net(torch.randn(2, 19, 256)).shape == (2, 3)
    assert 0 < count(net) < count(bendr("full"))


def test_unknown_preset_and_missing_head_are_errors():
    with pytest.raises(NeuroarenaError, match="unknown adaptation 'prompt'"):
        labram("prompt")
    with pytest.raises(NeuroarenaError, match="no parameter under"):
        adapt(torch.nn.Linear(2, 2), "linear_probe", task_prefixes=("final_layer.",))
