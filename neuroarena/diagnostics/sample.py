"""What an autopsy examines: a trained net, a bounded sample of one part's windows, and how to score it.

The sample is drawn once (seeded) and every diagnostic reads it, so their numbers describe the same windows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

if TYPE_CHECKING:
    from neuroarena.runner.job import JobContext

#: Windows of the training part whose mean is the "no information" input (baselines and ablations).
N_MEAN_WINDOWS = 1000
BATCH = 64


class NetFunction(torch.nn.Module):
    """``net`` as a function of the input alone: a net with subject layers gets the sample's subject indices,
    passed as ``subject`` (batch,) beside ``X``; outputs are float32 (batch, n_outputs)."""

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.net = net
        self.uses_subject = bool(getattr(net, "uses_subject", False))

    def forward(self, X: torch.Tensor, subject: torch.Tensor | None = None) -> torch.Tensor:
        out = self.net(X, subject) if self.uses_subject else self.net(X)
        return out.float()


@dataclass
class AutopsySample:
    """A trained net and the windows it is examined on.

    Attributes
    ----------
    net : NetFunction
        The trained net in eval mode, on the CPU.
    context : JobContext
        The job's task, store, split and targets.
    part : str
        The part the sample comes from (``test``).
    positions : ndarray, shape (n,)
        Positions of the sampled windows in the part, sorted.
    X : ndarray, shape (n, n_chans, n_times)
        The sampled windows, float32.
    subject : ndarray of int, shape (n,)
        Each window's subject index.
    train_mean : ndarray, shape (n_chans, n_times)
        Mean of (up to :data:`N_MEAN_WINDOWS`) training windows.
    outputs : ndarray, shape (n, n_outputs)
        The net's outputs on ``X``.
    metadata : DataFrame
        The store's metadata rows of the sampled windows (subject, session, stimulus, category, rt, ...).
    """

    net: NetFunction
    context: "JobContext"
    part: str
    positions: np.ndarray
    X: np.ndarray
    subject: np.ndarray
    train_mean: np.ndarray
    outputs: np.ndarray
    metadata: pd.DataFrame

    @property
    def times(self) -> np.ndarray:
        """Time of each sample relative to the window's event (s), shape (n_times,)."""
        store = self.context.store
        return float(store.manifest["config"]["window_start"]) + np.arange(store.n_times) / store.sfreq

    @property
    def metric(self) -> str:
        """The task's primary metric."""
        return self.context.task.primary_metric

    @property
    def higher_is_better(self) -> bool:
        from neuroarena.metrics.registry import metric_info

        return metric_info(self.metric).higher_is_better

    def score(self, outputs: np.ndarray, mask: np.ndarray | None = None) -> float:
        """The primary metric of ``outputs`` (n, n_outputs) on the sample (or the windows where ``mask``)."""
        positions = self.positions if mask is None else self.positions[mask]
        outputs = outputs if mask is None else outputs[mask]
        return float(self.context.targets.score(self.part, [self.metric], outputs, positions)[self.metric])

    def predict(self, X: np.ndarray, subject: np.ndarray | None = None) -> np.ndarray:
        """The net's outputs on ``X`` (n, n_chans, n_times), shape (n, n_outputs)."""
        subject = self.subject if subject is None else subject
        out = []
        with torch.inference_mode():
            for start in range(0, len(X), BATCH):
                batch = torch.from_numpy(np.ascontiguousarray(X[start:start + BATCH], dtype=np.float32))
                out.append(self.net(batch, torch.from_numpy(subject[start:start + BATCH])).numpy())
        return np.concatenate(out) if out else np.zeros((0, self.context.targets.n_outputs), np.float32)

    def drop(self, outputs: np.ndarray) -> float:
        """How much worse ``outputs`` score than the intact net's (positive: worse), in metric units."""
        delta = self.score(self.outputs) - self.score(outputs)
        return delta if self.higher_is_better else -delta


def draw_sample(net: torch.nn.Module, context: "JobContext", n_windows: int = 500, seed: int = 0,
                part: str = "test") -> AutopsySample:
    """A seeded sample of at most ``n_windows`` windows of ``part``, with the net's outputs on them.

    Parameters
    ----------
    net : torch.nn.Module
        The trained net (put in eval mode here).
    context : JobContext
        :func:`~neuroarena.runner.job.job_context` of the run.
    n_windows : int
        Upper bound of the sample (the whole part when it is smaller).
    """
    targets, store = context.targets, context.store
    n = len(targets.windows[part])
    if n == 0:
        from neuroarena.errors import NeuroarenaError

        raise NeuroarenaError(f"the {part} part of this run has no windows", fix="check the run's split")
    rng = np.random.default_rng(seed)
    positions = np.sort(rng.choice(n, size=min(n, n_windows), replace=False))
    train = targets.windows["train"]
    pick = np.sort(rng.choice(len(train), size=min(len(train), N_MEAN_WINDOWS), replace=False))
    train_mean = store.take(train[pick]).astype(np.float64).mean(axis=0).astype(np.float32)
    function = NetFunction(net.eval().cpu())
    windows = targets.windows[part][positions]
    sample = AutopsySample(function, context, part, positions, store.take(windows),
                           targets.subject[part][positions].astype(np.int64), train_mean, np.zeros((0, 0)),
                           store.metadata.iloc[windows].reset_index(drop=True))
    sample.outputs = sample.predict(sample.X)
    return sample

