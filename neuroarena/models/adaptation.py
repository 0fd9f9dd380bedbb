"""How much of a pretrained backbone trains: ``full``, ``linear_probe`` or ``lora``.

The task-specific parameters (the output head, and layers sized by the task such as a channel
projection) always train; the presets differ in what else does:

- ``full``: every parameter trains (as the model class built it);
- ``linear_probe``: nothing else, the backbone is frozen;
- ``lora``: low-rank adapters (peft LoRA) on the backbone's linear and attention layers, the
  backbone's own weights frozen.

Only parameters with ``requires_grad`` reach the optimiser, and the result record counts them.
peft adapts a ``torch.nn.MultiheadAttention`` by merging its adapter into the frozen weights for
each forward and unmerging it after, so those frozen weights move by float rounding (~1e-7).
"""
from __future__ import annotations

from collections.abc import Iterable

import torch

from neuroarena.errors import NeuroarenaError

ADAPTATIONS = ("full", "linear_probe", "lora")


def adapt(backbone: torch.nn.Module, adaptation: str, *, task_prefixes: Iterable[str], rank: int = 8,
          alpha: int = 16, dropout: float = 0.0) -> torch.nn.Module:
    """Set which parameters of ``backbone`` train under ``adaptation``; modified in place and returned.

    Parameters
    ----------
    backbone : torch.nn.Module
        The model, pretrained weights already loaded (LoRA changes its parameter names).
    adaptation : {"full", "linear_probe", "lora"}
        The preset.
    task_prefixes : iterable of str
        Parameter-name prefixes of the task-specific layers, e.g. ``("final_layer.",)``; they train
        in every preset and get no adapter.
    rank, alpha, dropout : int, int, float
        LoRA rank, scaling numerator (scale ``alpha / rank``) and dropout on the adapter input.

    Returns
    -------
    backbone : torch.nn.Module
    """
    if adaptation not in ADAPTATIONS:
        raise NeuroarenaError(f"unknown adaptation {adaptation!r}", fix=f"use one of {ADAPTATIONS}")
    prefixes = tuple(task_prefixes)
    if not any(name.startswith(prefixes) for name, _ in backbone.named_parameters()):
        raise NeuroarenaError(f"{type(backbone).__name__} has no parameter under {prefixes}",
                              fix="name the model's head in task_prefixes")
    if adaptation == "full":
        return backbone
    if adaptation == "lora":
        _inject_lora(backbone, prefixes, rank=rank, alpha=alpha, dropout=dropout)
    for name, parameter in backbone.named_parameters():
        parameter.requires_grad_(name.startswith(prefixes) or "lora_" in name)
    return backbone


def lora_targets(backbone: torch.nn.Module, task_prefixes: tuple[str, ...]) -> list[str]:
    """Names of the modules that get LoRA adapters: linear and multi-head attention layers outside the head.

    A linear layer inside a ``torch.nn.MultiheadAttention`` is covered by the adapter of that attention.
    """
    attention = [name for name, module in backbone.named_modules()
                 if isinstance(module, torch.nn.MultiheadAttention)]
    targets = []
    for name, module in backbone.named_modules():
        kind_ok = isinstance(module, torch.nn.MultiheadAttention) or (
            isinstance(module, torch.nn.Linear) and not isinstance(module, torch.nn.LazyLinear))
        inside_attention = any(name.startswith(f"{outer}.") for outer in attention)
        if kind_ok and not inside_attention and not f"{name}.".startswith(task_prefixes):
            targets.append(name)
    return targets


def _inject_lora(backbone: torch.nn.Module, task_prefixes: tuple[str, ...], *, rank: int, alpha: int,
                 dropout: float) -> None:
    from peft import LoraConfig, inject_adapter_in_model

    targets = lora_targets(backbone, task_prefixes)
    if not targets:
        raise NeuroarenaError(f"{type(backbone).__name__} has no linear or attention layer for LoRA",
                              fix="use adaptation 'full' or 'linear_probe'")
    config = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=dropout, target_modules=targets, bias="none")
    inject_adapter_in_model(config, backbone)
