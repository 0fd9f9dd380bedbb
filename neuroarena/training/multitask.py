"""Several regression tasks learnt by one net: a head per task on a shared encoder, trained on all their windows.

The heads are the net's output columns (column ``h`` of the last layer predicts task ``h``), so any net of
the zoo becomes a shared encoder with a linear head per task. A batch mixes the tasks' windows; each
window's target fills its own task's column and leaves the others NaN, so a head learns only from its
task's windows. An optional auxiliary head (the last column) learns a binary trait of some windows, such
as whether a contrast-change response was correct, with a small weight; it is used in training only.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from neuroarena.errors import NeuroarenaError
from neuroarena.training.data import WindowBatches


class JointBatches(torch.utils.data.Dataset):
    """The windows of several tasks' parts as one dataset, indexed by lists of positions (whole batches).

    Position ``p`` is window ``p - offset[t]`` of part ``t`` (parts in order). A batch holds ``X`` (batch,
    n_chans, n_times), ``positions`` (batch,), sorted, ``y`` (batch, n_tasks) float32, the window's
    standardized target in its task's column and NaN elsewhere, ``subject`` (batch,) and ``aux``
    (batch,) float32, the auxiliary label or NaN.

    Parameters
    ----------
    parts : sequence of WindowBatches
        One per task, of one-column regression targets ``y`` (n, 1).
    subjects : sequence of ndarray, shape (n,)
        Each part's subject indices into one list shared by all parts.
    aux : sequence of ndarray or None, shape (n,)
        Each part's auxiliary labels (1, 0, NaN), or None where a part has none.
    """

    def __init__(self, parts: Sequence[WindowBatches], subjects: Sequence[np.ndarray],
                 aux: Sequence[np.ndarray | None]):
        self.parts = list(parts)
        self.offsets = np.cumsum([0] + [len(part) for part in self.parts])
        self.subjects = [torch.from_numpy(np.asarray(s, np.int64)) for s in subjects]
        self.aux = [torch.full((len(part),), float("nan")) if a is None else torch.from_numpy(np.asarray(a, np.float32))
                    for part, a in zip(self.parts, aux)]

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def part_positions(self, positions: np.ndarray, task: int) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``positions`` (n,) are task ``task``'s (a mask, (n,)) and their positions in its part."""
        positions = np.asarray(positions)
        mine = (positions >= self.offsets[task]) & (positions < self.offsets[task + 1])
        return mine, positions[mine] - self.offsets[task]

    def __getitem__(self, positions: list[int]) -> dict[str, torch.Tensor]:
        pos = np.sort(np.asarray(positions, dtype=np.int64))
        n_tasks = len(self.parts)
        pieces = {"X": [], "y": [], "subject": [], "aux": []}
        for task, part in enumerate(self.parts):
            _, local = self.part_positions(pos, task)
            if not len(local):
                continue
            batch = part[local.tolist()]
            y = torch.full((len(local), n_tasks), float("nan"))
            y[:, task] = batch["y"][:, 0]
            index = torch.from_numpy(local)
            pieces["X"].append(batch["X"])
            pieces["y"].append(y)
            pieces["subject"].append(self.subjects[task][index])
            pieces["aux"].append(self.aux[task][index])
        return {name: torch.cat(values) for name, values in pieces.items()} | {"positions": torch.from_numpy(pos)}


class JointObjective(torch.nn.Module):
    """Sum over tasks of the mean squared error of each task's column on its windows, plus
    ``aux_weight`` times the binary cross-entropy of the auxiliary column (logits) on the windows with a label.

    A task without windows in the batch adds nothing; ``names`` and ``weights`` say what the record keeps.
    """

    def __init__(self, tasks: Sequence[str], aux_weight: float = 0.0, aux_name: str = "aux"):
        super().__init__()
        if aux_weight < 0:
            raise NeuroarenaError(f"the auxiliary head's weight must be 0 or more, got {aux_weight}",
                                  fix="pass e.g. 0.1, or 0 for no auxiliary head")
        self.n_tasks, self.aux_weight = len(tasks), float(aux_weight)
        self.names = [f"mse:{task}" for task in tasks] + ([f"bce:{aux_name}"] if aux_weight else [])
        self.weights = [1.0] * len(tasks) + ([self.aux_weight] if aux_weight else [])

    def forward(self, outputs: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """The loss of ``outputs`` (batch, n_tasks [+ 1]) against ``batch['y']`` (batch, n_tasks) and ``aux``."""
        outputs = outputs.float()
        y = batch["y"]
        loss = outputs.new_zeros(())
        for task in range(self.n_tasks):
            has = ~torch.isnan(y[:, task])
            if has.any():
                loss = loss + F.mse_loss(outputs[has, task], y[has, task])
        if self.aux_weight:
            has = ~torch.isnan(batch["aux"])
            if has.any():
                loss = loss + self.aux_weight * F.binary_cross_entropy_with_logits(outputs[has, self.n_tasks],
                                                                                   batch["aux"][has])
        return loss


class OutputColumn(torch.nn.Module):
    """Column ``column`` of ``net``'s outputs, ``(batch, n_outputs) -> (batch, 1)``: one task's head."""

    def __init__(self, net: torch.nn.Module, column: int):
        super().__init__()
        self.net, self.column = net, int(column)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)[:, self.column:self.column + 1]
