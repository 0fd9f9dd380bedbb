"""Lightning's learning-rate range test and largest-batch search on a job's training windows, with the net,
objective and recipe the job itself trains with (``neuroarena tune``: :mod:`~neuroarena.diagnostics.tune_command`)."""
from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:

    from neuroarena.runner.job import JobSpec

NO_GPU = "no GPU (CUDA) here, and on CPU memory does not bound the batch: nothing searched"
_QUIET = ".*(no `val_dataloader`|Total length of `list`).*"  # both finders train only


def _trainable_net(spec: "JobSpec"):
    """The model spec of ``spec``; a model that is no trainable net is an error (raised before any data is read)."""
    from neuroarena.models.registry import get_model

    model_spec = get_model(spec.model)
    if model_spec.kind != "net" or not model_spec.trainable:
        what = "an estimator" if model_spec.kind != "net" else "a net that never trains"
        raise NeuroarenaError(f"tune needs a trainable net; {spec.model!r} is {what}",
                              fix="pass a net with -m, e.g. -m eegnet (`neuroarena list models`)")
    return model_spec


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _net_and_windows(spec: "JobSpec"):
    """The job's seeded net in a :class:`DecoderModule` that keeps each step's loss in ``raw_losses``, the job's
    training :class:`WindowBatches` and its recipe (as :func:`~neuroarena.runner.job.run_job` builds them)."""
    import lightning as L

    from neuroarena.models.registry import build_model
    from neuroarena.runner.home import use_home
    from neuroarena.runner.job import _data_params, _parts, job_context
    from neuroarena.training.module import DecoderModule
    from neuroarena.training.objective import make_objective

    class Recording(DecoderModule):  # Lightning's lr finder keeps only a moving average of the loss
        def on_train_batch_end(self, outputs, batch, batch_idx: int) -> None:
            super().on_train_batch_end(outputs, batch, batch_idx)
            self.raw_losses.append(float(outputs["loss"] if isinstance(outputs, dict) else outputs))

    model_spec = _trainable_net(spec)
    use_home(spec.home)
    task = spec.task_config()
    recipe, context = spec.recipe(task), job_context(spec, task)
    store, targets = context.store, context.targets
    L.seed_everything(spec.seed, verbose=False)
    net = build_model(model_spec, n_chans=store.n_chans, n_outputs=targets.n_outputs, n_times=store.n_times,
                      sfreq=store.sfreq, chs_info=store.chs_info, target_kind=targets.kind,
                      params={**_data_params(model_spec, len(targets.subjects)), **spec.model_params})
    n_classes = len(targets.categories) if targets.categories else (
        targets.n_outputs if targets.kind == "classification" else None)
    objective = make_objective(task.objective, dim=targets.n_outputs, n_classes=n_classes,
                               available_keys={"y", "subject", *targets.extras.get("train", {})})
    module = Recording(net, objective, recipe, 1, lambda outputs, positions: math.nan, target_encoder=context.encoder)
    module.raw_losses = []
    return module, _parts(store, targets)["train"], recipe


def find_lr(spec: "JobSpec", min_lr: float = 1e-6, max_lr: float = 1.0, num_training: int = 100) -> dict[str, Any]:
    """Lightning's learning-rate range test: ``num_training`` optimiser steps on the job's shuffled training batches,
    the rate growing exponentially from ``min_lr`` to ``max_lr`` (stopped early if the loss diverges); the net and
    recipe are left as they were.

    Returns
    -------
    dict
        ``lrs``, ``raw_losses`` (each step's training loss) and ``losses`` (their moving average over about a tenth
        of the steps), lists of shape (n_steps,); ``suggestion`` (where ``losses`` fall fastest against log10(lr);
        None with too few finite steps), ``lightning_suggestion`` (Lightning's own), ``current_lr`` (the recipe's),
        ``batch_size``, ``n_train_windows``, ``min_lr``, ``max_lr``.
    """
    import numpy as np
    from lightning.pytorch.tuner import Tuner

    from neuroarena.fileio import scratch_dir
    from neuroarena.home import cache_dir
    from neuroarena.training.data import make_loader
    from neuroarena.training.fit import _trainer

    if not (0 < min_lr < max_lr < math.inf):
        raise NeuroarenaError(f"--min-lr {min_lr:g} and --max-lr {max_lr:g} make no range",
                              fix="give 0 < --min-lr < --max-lr, e.g. 1e-6 and 1")
    if num_training < 5:
        raise NeuroarenaError(f"--num-training {num_training}: too few steps to suggest a rate", fix="pass 20 or more")
    module, train, recipe = _net_and_windows(spec)
    loader = make_loader(train, recipe.batch_size, shuffle=True, seed=spec.seed)
    per_epoch = max(1, min(len(loader), recipe.limit_train_batches or len(loader)))
    with scratch_dir(cache_dir(), "neuroarena-tune-") as workdir, warnings.catch_warnings():
        warnings.filterwarnings("ignore", _QUIET)
        trainer = _trainer(recipe, Path(workdir), [], max_epochs=math.ceil(num_training / per_epoch) + 1)
        finder = Tuner(trainer).lr_find(module, train_dataloaders=loader, min_lr=min_lr, max_lr=max_lr,
                                        num_training=num_training, update_attr=False)
    lrs = np.asarray(finder.results["lr"], float)[: len(module.raw_losses)]
    raw = np.asarray(module.raw_losses, float)[: len(lrs)]
    losses = _moving_average(raw, beta=min(0.98, max(0.0, 1 - 10 / num_training)))
    skip = min(10, num_training // 5)
    return {"lrs": lrs.tolist(), "losses": losses.tolist(), "raw_losses": raw.tolist(),
            "suggestion": _steepest(lrs, losses, skip), "lightning_suggestion": finder.suggestion(skip_begin=skip),
            "current_lr": recipe.lr, "batch_size": recipe.batch_size, "n_train_windows": len(train),
            "min_lr": min_lr, "max_lr": max_lr}


def _moving_average(raw, beta: float):
    """Bias-corrected exponential moving average of ``raw``, ndarray (n_steps,); non-finite steps are skipped (and
    stay non-finite). Lightning's own (beta 0.98) lags 50 steps and divides by 1 - beta**(t+1) where 1 - beta**t is
    due, so its curve climbs over the first tens of steps (Lightning-AI/pytorch-lightning#14167)."""
    import numpy as np

    out, avg, n = np.full(len(raw), np.nan), 0.0, 0
    for i, value in enumerate(raw):
        if np.isfinite(value):
            avg, n = beta * avg + (1 - beta) * value, n + 1
            out[i] = avg / (1 - beta**n)
    return out


def _steepest(lrs, losses, skip_begin: int, skip_end: int = 1) -> float | None:
    """The rate of ``lrs`` where ``losses`` (ndarrays, (n_steps,)) fall fastest against log10(lr), the first
    ``skip_begin`` and last ``skip_end`` steps left out; None with under 2 finite points. (Lightning 2.6 takes the
    slope against lr itself, which on this grid favours the noise of the smallest rates: issue #21141.)"""
    import numpy as np

    keep = np.arange(len(lrs))[skip_begin:len(lrs) - skip_end]
    keep = keep[np.isfinite(losses[keep])]
    if len(keep) < 2:
        return None
    return float(lrs[keep[int(np.argmin(np.gradient(losses[keep], np.log10(lrs[keep]))))]])


def plot_lr(result: dict[str, Any], path: str | Path) -> Path:
    """Write :func:`find_lr`'s loss against learning rate (log x axis; each step, the moving average, the suggestion
    and the recipe's rate) as a PNG at ``path``, atomically; returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from neuroarena.fileio import atomic_path

    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    ax.plot(result["lrs"], result["raw_losses"], color="C0", alpha=0.3, linewidth=0.8, label="each step")
    ax.plot(result["lrs"], result["losses"], color="C0", label="moving average")
    ax.axvline(result["current_lr"], color="0.5", linestyle="--", label=f"recipe {result['current_lr']:.1e}")
    if result["suggestion"] is not None:
        at = result["lrs"].index(result["suggestion"])
        ax.plot([result["suggestion"]], [result["losses"][at]], "o", color="C3",
                label=f"suggestion {result['suggestion']:.1e}")
    ax.set(xscale="log", xlabel="learning rate", ylabel="training loss",
           title=f"learning-rate range test: {result['n_train_windows']} windows, batch {result['batch_size']}")
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=80)
    plt.close(fig)
    return Path(path)


def find_batch_size(spec: "JobSpec", mode: str = "power", max_trials: int = 8,
                    init_val: int | None = None) -> dict[str, Any]:
    """The largest training batch that fits the GPU, at most the training windows: Lightning's search, doubling from
    ``init_val`` (default the recipe's batch size), in ``"binsearch"`` mode then bisecting after an out-of-memory.

    Returns
    -------
    dict
        Without CUDA, ``available`` False and a ``reason`` (nothing is searched); else ``available`` True,
        ``batch_size``, ``device``, ``current_batch_size`` (the recipe's) and ``n_train_windows``.
    """
    if mode not in ("power", "binsearch"):
        raise NeuroarenaError(f"unknown batch-size search mode {mode!r}", fix="use power or binsearch")
    _trainable_net(spec)
    if not _has_cuda():
        return {"available": False, "reason": NO_GPU}
    import lightning as L
    import torch
    from lightning.pytorch.tuner import Tuner

    from neuroarena.fileio import scratch_dir
    from neuroarena.home import cache_dir
    from neuroarena.training.data import make_loader
    from neuroarena.training.fit import _trainer

    module, train, recipe = _net_and_windows(spec)

    class TrainWindows(L.LightningDataModule):  # the finder sets batch_size, then rebuilds the loader
        def __init__(self, batch_size: int):
            super().__init__()
            self.batch_size = batch_size

        def train_dataloader(self):
            return make_loader(train, self.batch_size, shuffle=True, seed=spec.seed)

        def val_dataloader(self):  # the search trains only
            return []

    with scratch_dir(cache_dir(), "neuroarena-tune-") as workdir, warnings.catch_warnings():
        warnings.filterwarnings("ignore", _QUIET)
        trainer = _trainer(recipe, Path(workdir), [], max_epochs=1)
        size = Tuner(trainer).scale_batch_size(module, datamodule=TrainWindows(recipe.batch_size), mode=mode,
                                               max_trials=max_trials, init_val=init_val or recipe.batch_size)
    device = trainer.strategy.root_device
    return {"available": True, "batch_size": int(min(size, len(train))), "current_batch_size": recipe.batch_size,
            "device": torch.cuda.get_device_name(device) if device.type == "cuda" else str(device),
            "n_train_windows": len(train)}
