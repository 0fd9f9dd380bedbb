"""Fit and predict: Lightning for nets under the one recipe, ``fit`` for scikit-learn estimators."""
from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import lightning as L
import numpy as np
import torch

from neuroarena.training.data import WindowBatches, make_loader
from neuroarena.training.gradient_flow import GradientFlow
from neuroarena.training.module import DecoderModule, MonitorFn
from neuroarena.training.recipe import Recipe

for _name in ("lightning", "lightning.pytorch", "lightning.fabric"):
    logging.getLogger(_name).setLevel(logging.ERROR)
warnings.filterwarnings("ignore", ".*does not have many workers.*")
warnings.filterwarnings("ignore", ".*LeafSpec.*")


@dataclass
class NetFit:
    """What training a net produced: the best-checkpoint weights are loaded into ``module``."""

    module: DecoderModule
    trainer: L.Trainer
    epochs: int
    best_epoch: int
    best_monitor: float
    history: list[dict[str, float]] = field(default_factory=list)
    gradient_flow: dict = field(default_factory=dict)


def precision_for(recipe: Recipe) -> str:
    """bf16 mixed precision on a GPU, fp32 on CPU, unless the recipe names one."""
    if recipe.precision != "auto":
        return recipe.precision
    return "bf16-mixed" if torch.cuda.is_available() else "32-true"


def _trainer(recipe: Recipe, workdir: Path, callbacks: list, max_epochs: int) -> L.Trainer:
    limit_eval = recipe.limit_eval_batches if recipe.limit_eval_batches is not None else 1.0
    return L.Trainer(
        max_epochs=max_epochs,
        accelerator="auto",
        devices=1,
        precision=precision_for(recipe),
        gradient_clip_val=recipe.gradient_clip_val,
        limit_train_batches=recipe.limit_train_batches if recipe.limit_train_batches is not None else 1.0,
        limit_val_batches=limit_eval,
        limit_predict_batches=limit_eval,
        callbacks=callbacks,
        default_root_dir=workdir,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        deterministic="warn",
    )


def fit_net(
    net: torch.nn.Module,
    train: WindowBatches,
    val: WindowBatches,
    objective,
    monitor_fn: MonitorFn,
    recipe: Recipe,
    seed: int,
    workdir: Path,
    monitor_mode: str = "max",
    target_encoder: torch.nn.Module | None = None,
    train_sampler: torch.utils.data.Sampler | None = None,
) -> NetFit:
    """Train ``net`` under ``recipe`` with early stopping on the monitored metric; load the best checkpoint.
    Each layer's gradient flow is recorded per epoch (:class:`~neuroarena.training.gradient_flow.GradientFlow`).

    Parameters
    ----------
    net : torch.nn.Module
        Maps X, shape (batch, n_chans, n_times), to (batch, n_outputs); initialised (seeded) by the caller.
    train, val : WindowBatches
        The training and validation parts.
    objective : callable
        ``objective(outputs, batch) -> scalar tensor`` (see :class:`DecoderModule`).
    monitor_fn : MonitorFn
        The validation metric; early stopping and the best checkpoint follow it.
    recipe : Recipe
        The training recipe.
    seed : int
        Seeds the shuffling.
    workdir : Path
        Where the best checkpoint is written.
    monitor_mode : {"max", "min"}
    target_encoder : torch.nn.Module, optional
        Trained with the net to produce the targets (see :class:`DecoderModule`).
    train_sampler : Sampler, optional
        Yields each training batch's positions (e.g. pairs of subjects per movie time); default shuffled
        batches of ``recipe.batch_size``.
    """
    if train_sampler is None:
        train_loader = make_loader(train, recipe.batch_size, shuffle=True, seed=seed)
    else:  # the sampler yields whole batches of positions
        train_loader = torch.utils.data.DataLoader(train, sampler=train_sampler, batch_size=None, num_workers=0)
    val_loader = make_loader(val, recipe.batch_size, shuffle=False, seed=seed)
    steps_per_epoch = len(train_loader)
    if recipe.limit_train_batches is not None:
        steps_per_epoch = min(steps_per_epoch, recipe.limit_train_batches)
    module = DecoderModule(net, objective, recipe, max(1, steps_per_epoch * recipe.max_epochs), monitor_fn,
                           target_encoder=target_encoder)
    checkpoint = L.pytorch.callbacks.ModelCheckpoint(
        dirpath=workdir, filename="best", monitor="val_monitor", mode=monitor_mode, save_top_k=1,
        save_weights_only=True, enable_version_counter=False,
    )
    stopping = L.pytorch.callbacks.EarlyStopping(
        monitor="val_monitor", mode=monitor_mode, patience=recipe.patience, check_finite=False
    )
    flow = GradientFlow()
    trainer = _trainer(recipe, workdir, [checkpoint, stopping, flow], recipe.max_epochs)
    trainer.fit(module, train_loader, val_loader)
    best = torch.load(checkpoint.best_model_path, map_location="cpu", weights_only=True)
    module.load_state_dict(best["state_dict"])
    scores = [h["val_monitor"] for h in module.history]
    pick = np.nanargmax if monitor_mode == "max" else np.nanargmin
    best_index = int(pick(scores)) if scores and not all(math.isnan(s) for s in scores) else 0
    return NetFit(
        module=module,
        trainer=trainer,
        epochs=len(module.history),
        best_epoch=int(module.history[best_index]["epoch"]) if module.history else 0,
        best_monitor=float(scores[best_index]) if scores else float("nan"),
        history=list(module.history),
        gradient_flow=flow.summary(),
    )


def predict_net(module: DecoderModule, part: WindowBatches, recipe: Recipe, workdir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Outputs of ``module`` on ``part``.

    Returns
    -------
    positions : ndarray, shape (n,)
        Positions within ``part`` that were predicted (all of them unless the recipe limits batches).
    outputs : ndarray, shape (n, n_outputs)
    """
    loader = make_loader(part, recipe.batch_size, shuffle=False, seed=0)
    trainer = _trainer(recipe, workdir, [], max_epochs=1)
    batches = trainer.predict(module, loader)
    positions = torch.cat([p for p, _ in batches]).numpy()
    outputs = torch.cat([o for _, o in batches]).numpy()
    return positions, outputs


def count_parameters(model) -> tuple[int, int]:
    """(total, trainable) parameter counts of a torch module; (0, 0) for other estimators."""
    if not isinstance(model, torch.nn.Module):
        return 0, 0
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return int(total), int(trainable)
