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
    extras : dict of str to ndarray, shape (n, ...), optional
        More per-window fields a training objective uses: ``label`` (category index), ``teacher``
        (a teacher embedding), ``stimulus`` (stimulus index), ...
    """

    def __init__(self, source: WindowSource, windows: np.ndarray, targets: np.ndarray,
                 subjects: np.ndarray | None = None, extras: dict[str, np.ndarray] | None = None):
        subjects = np.zeros(len(windows), dtype=np.int64) if subjects is None else np.asarray(subjects, np.int64)
        self.source = source
        self.windows = np.asarray(windows, dtype=np.int64)
        self.fields = {name: torch.from_numpy(np.ascontiguousarray(values))
                       for name, values in {"y": targets, "subject": subjects, **(extras or {})}.items()}
        for name, values in self.fields.items():
            if len(values) != len(self.windows):
                raise ValueError(f"{len(self.windows)} windows but {len(values)} values of {name!r}")

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, positions: list[int]) -> dict[str, torch.Tensor]:
        """One batch: ``X`` float32 (batch, n_chans, n_times), ``positions`` (batch,) into the part, and every
        per-window field (``y``, ``subject``, extras), each (batch, ...)."""
        pos = np.sort(np.asarray(positions, dtype=np.int64))
        index = torch.from_numpy(pos)
        batch = {"X": torch.from_numpy(self.source.take(self.windows[pos])), "positions": index}
        return batch | {name: values[index] for name, values in self.fields.items()}


def make_loader(batches: WindowBatches, batch_size: int, shuffle: bool, seed: int) -> DataLoader:
    """A loader yielding the batches of ``batches`` (dicts, see :meth:`WindowBatches.__getitem__`); shuffled
    with a seeded generator when asked. ``positions`` index into the part, so predictions can be put back in
    order.
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
