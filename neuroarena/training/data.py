"""Batches straight from the window store: one vectorised gather per batch, no per-sample Python."""
from __future__ import annotations

from typing import Protocol

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler


class WindowSource(Protocol):
    """Anything that returns windows by global index (a :class:`~neuroarena.prepare.store.WindowStore`)."""

    def take(self, indices: np.ndarray) -> np.ndarray:
        """Windows ``indices`` as float32, shape (n, n_chans, n_times)."""


class WindowBatches(Dataset):
    """A dataset indexed by *lists* of positions, returning whole batches.

    Parameters
    ----------
    source : WindowSource
        Where the windows live.
    windows : ndarray, shape (n,)
        Global window indices of this part of the split.
    targets : ndarray, shape (n,) or (n, d)
        Class indices (int64) or target embeddings (float32), aligned with ``windows``.
    subjects : ndarray of int, shape (n,), optional
        Subject index of each window (for nets with subject-specific layers); zeros when not given.
    """

    def __init__(self, source: WindowSource, windows: np.ndarray, targets: np.ndarray,
                 subjects: np.ndarray | None = None):
        if len(windows) != len(targets):
            raise ValueError(f"{len(windows)} windows but {len(targets)} targets")
        self.source = source
        self.windows = np.asarray(windows, dtype=np.int64)
        self.targets = torch.from_numpy(np.ascontiguousarray(targets))
        subjects = np.zeros(len(windows), dtype=np.int64) if subjects is None else subjects
        self.subjects = torch.from_numpy(np.asarray(subjects, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, positions: list[int]) -> tuple[torch.Tensor, ...]:
        """``(X, y, subject, positions)``: X float32 (batch, n_chans, n_times), the rest (batch, ...)."""
        pos = np.sort(np.asarray(positions, dtype=np.int64))
        X = torch.from_numpy(self.source.take(self.windows[pos]))
        index = torch.from_numpy(pos)
        return X, self.targets[index], self.subjects[index], index


def make_loader(batches: WindowBatches, batch_size: int, shuffle: bool, seed: int) -> DataLoader:
    """A loader yielding ``(X, y, subject, positions)`` batches; shuffled with a seeded generator when asked.

    ``X`` has shape (batch, n_chans, n_times); positions index into the part, so predictions can be put
    back in order.
    """
    if shuffle:
        generator = torch.Generator().manual_seed(seed)
        sampler = RandomSampler(range(len(batches)), generator=generator)
    else:
        sampler = SequentialSampler(range(len(batches)))
    return DataLoader(
        batches,
        sampler=BatchSampler(sampler, batch_size=batch_size, drop_last=shuffle and len(batches) > batch_size),
        batch_size=None,
        num_workers=0,
    )
