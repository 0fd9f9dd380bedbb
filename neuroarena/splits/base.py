"""What a split is, and what every splitter provides."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Union

import numpy as np
from pydantic import BaseModel, ConfigDict

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    import pandas as pd

#: The three parts of a split, in order.
PARTS: tuple[str, ...] = ("train", "val", "test")

#: A metadata column, or a tuple of columns forming one composite key.
Key = Union[str, tuple[str, ...]]


@dataclass(frozen=True)
class Split:
    """Window indices of the train, validation and test parts.

    Parameters
    ----------
    train, val, test : ndarray of int64, shape (n_part,)
        Values of the metadata ``window`` column; each sorted, no window in two parts.
    """

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def __post_init__(self) -> None:
        for part in PARTS:
            indices = np.asarray(getattr(self, part), dtype=np.int64)
            if indices.ndim != 1 or np.any(np.diff(indices) <= 0):
                raise NeuroarenaError(f"the {part} part of a split is not a sorted 1-d array of distinct windows",
                                      fix="sort the window indices and drop repeats")
            object.__setattr__(self, part, indices)
        shared = np.intersect1d(self.train, self.val).size + np.intersect1d(self.train, self.test).size \
            + np.intersect1d(self.val, self.test).size
        if shared:
            raise NeuroarenaError(f"{shared} windows are in two parts of a split", fix="give each window one part")

    def sizes(self) -> dict[str, int]:
        """Number of windows in each part."""
        return {part: int(getattr(self, part).size) for part in PARTS}


class Splitter(BaseModel, ABC):
    """Cuts a window metadata table into a :class:`Split`, deterministically given its parameters.

    ``forbidden`` names the metadata columns (or column tuples, for composite keys)
    whose values must not occur in two parts; ``forbidden_from_test`` those that train and val may share but
    the test part may share with neither (validation windows carved from the training sessions); the audit
    enforces both. ``forbid_shared_samples`` (a parameter
    of every splitter) also forbids a window of one part to share samples with a window of another
    (overlapping epochs of one recording, as in fast ERP paradigms); the audit always counts them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    forbidden: ClassVar[tuple[Key, ...]] = ()
    forbidden_from_test: ClassVar[tuple[Key, ...]] = ()
    forbid_shared_samples: bool = False

    @abstractmethod
    def split(self, metadata: "pd.DataFrame") -> Split:
        """Split the windows.

        Parameters
        ----------
        metadata : DataFrame, one row per window
            The window store's metadata: ``window`` (0..N-1), ``recording``, ``subject``,
            ``session``, ``run``, ``onset``, ``kind``, ``stimulus``, ``category``,
            ``caption``, ``rt``, ``split``.
        """


def require_columns(metadata: "pd.DataFrame", columns: tuple[str, ...], who: str) -> None:
    """Raise when ``metadata`` lacks any of ``columns`` (``who`` names the splitter)."""
    missing = [column for column in columns if column not in metadata.columns]
    if missing:
        raise NeuroarenaError(f"{who} needs metadata columns {missing}, which are missing",
                              fix="split a window store's metadata table")
    if len(metadata) == 0:
        raise NeuroarenaError(f"{who} got an empty metadata table", fix="prepare some windows first")


def part_counts(n: int, test_fraction: float, val_fraction: float, what: str, who: str) -> tuple[int, int]:
    """How many of ``n`` units go to test and val: each rounded, at least 1, leaving at least 1 for train."""
    n_test = max(1, round(test_fraction * n))
    n_val = max(1, round(val_fraction * n))
    if n - n_test - n_val < 1:
        raise NeuroarenaError(
            f"{who} cannot split {n} {what} into train, val and test ({n_test} test, {n_val} val)",
            fix=f"use at least 3 {what} or smaller fractions",
        )
    return n_test, n_val


def windows_where(metadata: "pd.DataFrame", mask: np.ndarray) -> np.ndarray:
    """Sorted ``window`` values of the rows where ``mask`` holds, shape (n_selected,)."""
    return np.sort(metadata["window"].to_numpy(dtype=np.int64)[np.asarray(mask, dtype=bool)])
