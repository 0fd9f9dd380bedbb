"""Gradient flow while a net trains: each layer's gradient norm and gradient/parameter ratio, per epoch.

A layer is a module that owns parameters (``conv_temporal``, ``final_layer.linearconstraint``); a constrained
(parametrized) weight counts towards the module it constrains. Norms are taken after each backward pass,
before gradient clipping, so an exploding gradient shows as it is; each epoch keeps their means over steps.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from typing import Any

import lightning as L
import torch

_PARAMETRIZED = re.compile(r"\.parametrizations\.[^.]+\.original\d*$")


def layer_of(parameter_name: str) -> str:
    """The layer a parameter belongs to: ``conv_spatial.parametrizations.weight.original`` -> ``conv_spatial``."""
    name = _PARAMETRIZED.sub("", parameter_name)
    if name == parameter_name:
        name = name.rpartition(".")[0]
    return name or "(net)"


def layer_parameters(net: torch.nn.Module, max_layers: int = 64) -> dict[str, list[torch.nn.Parameter]]:
    """The parameters of each layer of ``net``, in the order the net declares them; a net with more than
    ``max_layers`` layers (a transformer) is grouped by shorter name prefixes (``blocks.3``) until it fits."""
    names = [(layer_of(name), parameter) for name, parameter in net.named_parameters()]
    depth = max((len(layer.split(".")) for layer, _ in names), default=1)
    while True:
        layers: dict[str, list[torch.nn.Parameter]] = defaultdict(list)
        for layer, parameter in names:
            layers[".".join(layer.split(".")[:depth])].append(parameter)
        if len(layers) <= max_layers or depth == 1:
            return dict(layers)
        depth -= 1


class GradientFlow(L.Callback):
    """Records, per epoch and layer of ``module.net``, the mean gradient norm over the epoch's steps and its
    ratio to the layer's parameter norm at the epoch's end (NaN for a layer that got no gradient: frozen or
    not on the path to the loss), and how many of the epoch's steps gave the layer a non-finite gradient (those
steps are left out of its mean). :meth:`summary` gives them as lists, layer by layer."""

    def __init__(self) -> None:
        self.epochs: list[int] = []
        self.grad_norm: list[list[float]] = []
        self.ratio: list[list[float]] = []
        self.nonfinite: list[list[int]] = []
        self.layers: list[str] = []
        self.types: list[str] = []
        self._sums: dict[str, float] = {}
        self._counts: dict[str, int] = {}
        self._bad: dict[str, int] = {}

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.layers = list(layer_parameters(pl_module.net))
        modules = dict(pl_module.net.named_modules())
        self.types = [type(modules[layer]).__name__ if layer in modules else "" for layer in self.layers]

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._sums, self._counts, self._bad = {}, {}, {}

    def on_after_backward(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        for layer, parameters in layer_parameters(pl_module.net).items():
            grads = [p.grad.detach().float().pow(2).sum() for p in parameters if p.grad is not None]
            if not grads:
                continue
            norm = float(torch.stack(grads).sum().sqrt())
            if math.isfinite(norm):
                self._sums[layer] = self._sums.get(layer, 0.0) + norm
                self._counts[layer] = self._counts.get(layer, 0) + 1
            else:
                self._bad[layer] = self._bad.get(layer, 0) + 1

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        layers = layer_parameters(pl_module.net)
        norms, ratios = [], []
        for layer in self.layers:
            weight = float(torch.stack([p.detach().float().pow(2).sum() for p in layers[layer]]).sum().sqrt())
            grad = self._sums[layer] / self._counts[layer] if self._counts.get(layer) else float("nan")
            norms.append(grad)
            ratios.append(grad / weight if weight > 0 and math.isfinite(weight) else float("nan"))
        self.epochs.append(int(trainer.current_epoch))
        self.grad_norm.append(norms)
        self.ratio.append(ratios)
        self.nonfinite.append([self._bad.get(layer, 0) for layer in self.layers])

    def summary(self) -> dict[str, Any]:
        """``layers`` and their module ``types`` (n_layers,), ``epochs`` (n_epochs,), ``grad_norm``, ``ratio`` and
        ``nonfinite``, each (n_epochs, n_layers) as nested lists."""
        return {"layers": list(self.layers), "types": list(self.types), "epochs": list(self.epochs),
                "grad_norm": self.grad_norm, "ratio": self.ratio, "nonfinite": self.nonfinite}
