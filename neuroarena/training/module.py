"""The Lightning module every net trains in: AdamW, warm-up + cosine, a monitored validation metric."""
from __future__ import annotations

import math
from typing import Callable

import lightning as L
import numpy as np
import torch

from neuroarena.training.recipe import Recipe

#: ``monitor_fn(pred, positions) -> float``: the task's validation metric on the predictions
#: ``pred`` (n, ...) made for the part's windows at ``positions`` (n,).
MonitorFn = Callable[[np.ndarray, np.ndarray], float]


def warmup_cosine(step: int, total_steps: int, warmup_fraction: float) -> float:
    """Learning-rate factor at ``step``: linear warm-up over the first fraction, then cosine to 0."""
    warmup = max(1, int(round(warmup_fraction * total_steps)))
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total_steps - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


class DecoderModule(L.LightningModule):
    """Wraps a net with its loss, the recipe's optimiser and schedule, and the monitored metric.

    Parameters
    ----------
    net : torch.nn.Module
        Maps X, shape (batch, n_chans, n_times), to outputs, shape (batch, n_outputs).
    objective : callable
        ``objective(outputs, batch) -> scalar tensor``, ``batch`` a dict of per-window tensors (``y``,
        ``subject``, ...); an ``nn.Module`` (learnable temperature, auxiliary head) trains with the net.
    recipe : Recipe
        Optimiser and schedule settings.
    total_steps : int
        Optimiser steps in the whole run (sets the schedule's length).
    monitor_fn : MonitorFn
        Computes the validation metric logged as ``val_monitor`` at the end of each validation epoch.
    target_encoder : torch.nn.Module, optional
        Computes each batch's targets ``y`` from its ``stimulus`` indices (an adapted text tower that
        trains with the net); when None the batch's ``y`` is used as it is.
    """

    def __init__(self, net: torch.nn.Module, objective, recipe: Recipe, total_steps: int, monitor_fn: MonitorFn,
                 target_encoder: torch.nn.Module | None = None):
        super().__init__()
        self.net = net
        self.objective = objective
        self.target_encoder = target_encoder
        self.recipe = recipe
        self.total_steps = total_steps
        self.monitor_fn = monitor_fn
        self.history: list[dict[str, float]] = []
        self._val_outputs: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._val_losses: list[float] = []

    def forward(self, X: torch.Tensor, subject: torch.Tensor | None = None) -> torch.Tensor:
        """Outputs, shape (batch, n_outputs); nets with ``uses_subject = True`` also get the subject indices."""
        if getattr(self.net, "uses_subject", False):
            return self.net(X, subject)
        return self.net(X)

    def _with_targets(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        if self.target_encoder is None:
            return batch
        return batch | {"y": self.target_encoder(batch["stimulus"])}

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        batch = self._with_targets(batch)
        loss = self.objective(self(batch["X"], batch["subject"]), batch)
        self.log("train_loss", loss, on_step=False, on_epoch=True, batch_size=len(batch["X"]))
        return loss

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        batch = self._with_targets(batch)
        out = self(batch["X"], batch["subject"])
        self._val_losses.append(float(self.objective(out, batch)))
        self._val_outputs.append((batch["positions"].cpu(), out.detach().float().cpu()))

    def on_validation_epoch_end(self) -> None:
        positions = torch.cat([p for p, _ in self._val_outputs]).numpy()
        outputs = torch.cat([o for _, o in self._val_outputs]).numpy()
        value = float(self.monitor_fn(outputs, positions))
        val_loss = float(np.nanmean(self._val_losses)) if np.isfinite(self._val_losses).any() else float("nan")
        self._val_outputs.clear()
        self._val_losses.clear()
        self.log("val_monitor", value)
        self.log("val_loss", val_loss)
        self.history.append({"epoch": self.current_epoch, "val_monitor": value, "val_loss": val_loss})

    def predict_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        return batch["positions"], self(batch["X"], batch["subject"]).float()

    def configure_optimizers(self):
        """AdamW with the recipe's weight decay on the net (and trainable target encoder); none on the
        objective's own parameters (a learnt temperature or bias must not be pulled towards 0)."""
        own = {id(p) for p in self.objective.parameters()} if isinstance(self.objective, torch.nn.Module) else set()
        trainable = [p for p in self.parameters() if p.requires_grad]
        groups = [{"params": [p for p in trainable if id(p) not in own], "weight_decay": self.recipe.weight_decay},
                  {"params": [p for p in trainable if id(p) in own], "weight_decay": 0.0}]
        optimizer = torch.optim.AdamW([g for g in groups if g["params"]], lr=self.recipe.lr)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer,
            lambda step: warmup_cosine(step, self.total_steps, self.recipe.warmup_fraction),
        )
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}
