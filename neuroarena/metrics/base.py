"""The accumulate-then-compute pattern every metric follows."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from neuroarena.errors import NeuroarenaError


class Metric(ABC):
    """A metric that accumulates batches with :meth:`update` and scores them with :meth:`compute`.

    Subclasses implement :meth:`score`, which receives every batch concatenated:
    ``pred``, ``target`` and each keyword passed to :meth:`update`.
    """

    higher_is_better: ClassVar[bool] = True

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget every batch seen so far."""
        self._preds: list[np.ndarray] = []
        self._targets: list[np.ndarray] = []
        self._extras: dict[str, list[np.ndarray]] = {}

    def update(self, pred: Any, target: Any, **kw: Any) -> None:
        """Add one batch.

        Parameters
        ----------
        pred : array-like, shape (n, ...)
            Model outputs for the batch.
        target : array-like, shape (n, ...)
            The true values for the batch.
        **kw : array-like, shape (n,)
            Per-row extras the metric needs (e.g. ``stimulus``); the same keys every batch.
        """
        pred, target = np.asarray(pred), np.asarray(target)
        if len(pred) != len(target):
            raise NeuroarenaError(
                f"{type(self).__name__}.update got {len(pred)} predictions and {len(target)} targets",
                fix="pass one target per prediction",
            )
        if self._preds and set(kw) != set(self._extras):
            raise NeuroarenaError(
                f"{type(self).__name__}.update got keywords {sorted(kw)}, earlier {sorted(self._extras)}",
                fix="pass the same keywords every batch",
            )
        self._preds.append(pred)
        self._targets.append(target)
        for key, value in kw.items():
            self._extras.setdefault(key, []).append(np.asarray(value))

    def compute(self) -> float:
        """The score over every batch since the last :meth:`reset`."""
        if not self._preds:
            raise NeuroarenaError(
                f"{type(self).__name__}.compute called before any update",
                fix="call update with at least one batch",
            )
        try:
            pred, target = np.concatenate(self._preds), np.concatenate(self._targets)
            extras = {key: np.concatenate(values) for key, values in self._extras.items()}
        except ValueError as err:
            raise NeuroarenaError(
                f"{type(self).__name__} got batches of different shapes ({err})",
                fix="pass every batch with the same shape but for the first axis",
            ) from None
        return float(self.score(pred, target, **extras))

    @abstractmethod
    def score(self, pred: np.ndarray, target: np.ndarray, **kw: np.ndarray) -> float:
        """Score all rows at once (``pred`` and ``target`` as passed to :meth:`update`, concatenated)."""
