"""Activations after each nonlinearity: dead and saturated units, and the statistics of what they pass on.

A unit is a channel of the layer's output (axis 1, the channels-first layout of convolutional nets; the
features of a linear layer). It is **dead** when it is never positive on any sampled window and position (a
ReLU that always outputs 0, an ELU stuck on its negative branch: no gradient flows through it), and
**saturated** when most of its outputs sit on a flat part of the nonlinearity (|tanh| > 0.99, sigmoid within
0.01 of 0 or 1, ELU below -0.95).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from neuroarena.diagnostics.sample import AutopsySample

NONLINEARITIES = (torch.nn.ReLU, torch.nn.ELU, torch.nn.GELU, torch.nn.LeakyReLU, torch.nn.SiLU, torch.nn.Tanh,
                  torch.nn.Sigmoid, torch.nn.ReLU6, torch.nn.SELU, torch.nn.Mish, torch.nn.Hardtanh)
#: A unit is saturated when more than this share of its outputs is on a flat part.
SATURATED_SHARE = 0.9


def _flat(module: torch.nn.Module, out: torch.Tensor) -> torch.Tensor:
    if isinstance(module, torch.nn.Tanh):
        return out.abs() > 0.99
    if isinstance(module, torch.nn.Sigmoid):
        return (out < 0.01) | (out > 0.99)
    if isinstance(module, (torch.nn.ELU, torch.nn.SELU)):
        return out < -0.95 * (module.alpha if isinstance(module, torch.nn.ELU) else 1.7581)
    if isinstance(module, torch.nn.Hardtanh):
        return (out <= module.min_val) | (out >= module.max_val)
    return torch.zeros_like(out, dtype=torch.bool)


class _Tally:
    def __init__(self, module: torch.nn.Module):
        self.module = module
        self.positive: torch.Tensor | None = None
        self.flat: torch.Tensor | None = None
        self.count = 0
        self.sum = self.sq = 0.0
        self.n = 0

    def __call__(self, module: torch.nn.Module, inputs: Any, out: torch.Tensor) -> None:
        out = out.detach().float()
        units = out.transpose(0, 1).reshape(out.shape[1], -1) if out.ndim > 1 else out.reshape(1, -1)
        positive = (units > 0).any(dim=1)
        flat = _flat(self.module, units).sum(dim=1)
        self.positive = positive if self.positive is None else self.positive | positive
        self.flat = flat if self.flat is None else self.flat + flat
        self.count += units.shape[1]
        self.sum += float(units.sum())
        self.sq += float((units ** 2).sum())
        self.n += units.numel()

    def result(self) -> dict[str, Any]:
        mean = self.sum / self.n
        n_units = len(self.positive)
        return {"type": type(self.module).__name__, "n_units": n_units,
                "dead": float((~self.positive).float().mean()),
                "saturated": float((self.flat.float() / self.count > SATURATED_SHARE).float().mean()),
                "mean": mean, "std": float(np.sqrt(max(self.sq / self.n - mean ** 2, 0.0)))}


def activations(sample: AutopsySample) -> dict[str, dict[str, Any]]:
    """Per nonlinearity module of the net (by name): ``type``, ``n_units``, the ``dead`` and ``saturated`` shares
    of its units, and the ``mean`` and ``std`` of its outputs over the sample; empty for a net without
    nonlinearity modules (functional activations cannot be hooked)."""
    tallies, handles = {}, []
    for name, module in sample.net.net.named_modules():
        if isinstance(module, NONLINEARITIES):
            tallies[name] = _Tally(module)
            handles.append(module.register_forward_hook(tallies[name]))
    try:
        sample.predict(sample.X)
    finally:
        for handle in handles:
            handle.remove()
    return {name: tally.result() for name, tally in tallies.items() if tally.n}
