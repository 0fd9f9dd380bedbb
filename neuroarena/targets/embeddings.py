"""Stimulus embeddings from a table: one vector per stimulus id."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    import pandas as pd


class StimulusEmbeddings:
    """A fixed embedding per stimulus, looked up by id.

    Parameters
    ----------
    table : DataFrame, shape (n_stimuli, dim)
        Indexed by stimulus id (compared as strings), numeric columns, no missing values.
    standardize : bool
        Whether :meth:`lookup` returns vectors standardized per dimension with the mean
        and standard deviation of the training stimuli (each counted once), learnt in
        :meth:`fit`. A dimension constant over the training stimuli is only centred.
    source : str or Path, optional
        Where the table came from; named in error messages.

    Attributes
    ----------
    mean_, scale_ : ndarray, shape (dim,)
        Set by :meth:`fit` when ``standardize``.
    """

    def __init__(self, table: "pd.DataFrame", standardize: bool = False, source: str | Path | None = None):
        self.standardize = standardize
        self.source = source
        ids = table.index.astype(str)
        if len(table) == 0 or table.shape[1] == 0:
            raise NeuroarenaError("the stimulus embedding table is empty", path=source,
                                  fix="give one row per stimulus and one column per dimension")
        if not ids.is_unique:
            raise NeuroarenaError(f"the stimulus embedding table repeats id {ids[ids.duplicated()][0]!r}",
                                  path=source, fix="keep one row per stimulus")
        try:
            vectors = table.to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise NeuroarenaError("the stimulus embedding table has non-numeric columns", path=source,
                                  fix="keep only the embedding dimensions as columns") from None
        bad = ~np.isfinite(vectors).all(axis=1)
        if bad.any():
            raise NeuroarenaError(f"{int(bad.sum())} stimulus embeddings hold NaN or infinite values "
                                  f"(e.g. {ids[bad][0]!r})", path=source, fix="recompute those embeddings")
        self._ids = np.asarray(ids)
        self._vectors = vectors
        self._row = {stimulus: row for row, stimulus in enumerate(self._ids.tolist())}

    @property
    def ids(self) -> np.ndarray:
        """The stimulus ids, shape (n_stimuli,), in table order."""
        return self._ids.copy()

    @property
    def dim(self) -> int:
        """Number of dimensions of each embedding."""
        return self._vectors.shape[1]

    def _rows(self, stimulus: np.ndarray) -> np.ndarray:
        stimulus = np.asarray(stimulus).astype(str)
        rows = np.array([self._row.get(s, -1) for s in stimulus.tolist()], dtype=np.int64)
        if (rows < 0).any():
            missing = np.unique(stimulus[rows < 0])
            raise NeuroarenaError(f"{len(missing)} stimuli have no embedding (e.g. {str(missing[0])!r})",
                                  path=self.source, fix="compute embeddings for every stimulus in the data")
        return rows

    def fit(self, train_stimulus: np.ndarray) -> "StimulusEmbeddings":
        """Learn the standardization from the training stimuli (a no-op unless ``standardize``).

        Parameters
        ----------
        train_stimulus : ndarray, shape (n_train,)
            Stimulus id of each training window; repeats count once.
        """
        if self.standardize:
            vectors = self._vectors[self._rows(np.unique(np.asarray(train_stimulus).astype(str)))]
            self.mean_ = vectors.mean(axis=0)
            scale = vectors.std(axis=0)
            self.scale_ = np.where(scale > 0, scale, 1.0)
            self._standardized = ((self._vectors - self.mean_) / self.scale_).astype(np.float32)
        return self

    def lookup(self, stimulus: np.ndarray) -> np.ndarray:
        """Embedding of each stimulus id.

        Parameters
        ----------
        stimulus : ndarray, shape (n,)

        Returns
        -------
        ndarray, shape (n, dim), float32
        """
        if not self.standardize:
            return self._vectors[self._rows(stimulus)].astype(np.float32)
        if not hasattr(self, "_standardized"):
            raise NeuroarenaError("standardized stimulus embeddings are used before fit", path=self.source,
                                  fix="call fit with the training stimuli first")
        return self._standardized[self._rows(stimulus)]
