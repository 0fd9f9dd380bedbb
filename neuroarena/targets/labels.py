"""Class labels as integers, and regression values standardized on the training rows."""
from __future__ import annotations

import numpy as np

from neuroarena.errors import NeuroarenaError


def _as_text(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype(str)


def map_labels(values: np.ndarray, labels: dict[str, str]) -> np.ndarray:
    """Each value's class under ``labels`` (value or shell-style pattern -> class, the first match wins), ``""``
    where none matches; the values themselves when ``labels`` is empty.

    Parameters
    ----------
    values : ndarray, shape (n,)
    labels : dict of str to str

    Returns
    -------
    ndarray of str, shape (n,)
    """
    from fnmatch import fnmatchcase

    values = _as_text(values)
    if not labels:
        return values
    distinct = np.unique(values)
    classes = {value: next((name for pattern, name in labels.items() if fnmatchcase(value, pattern)), "")
               for value in distinct.tolist()}
    return np.asarray([classes[value] for value in values.tolist()], dtype=object).astype(str)


class LabelEncoding:
    """Category strings to integers 0..K-1, in sorted order of the categories seen in training.

    Attributes
    ----------
    classes_ : ndarray of str, shape (n_classes,)
        The training categories, sorted; code i stands for ``classes_[i]``.
    """

    def fit(self, categories: np.ndarray) -> "LabelEncoding":
        """Learn the classes from the training rows.

        Parameters
        ----------
        categories : ndarray, shape (n_train,)
            Category of each training window; none may be empty.
        """
        categories = _as_text(categories)
        empty = int((categories == "").sum() + (categories == "nan").sum())
        if len(categories) == 0 or empty:
            raise NeuroarenaError(f"{empty} of {len(categories)} training windows have no category",
                                  fix="keep only windows with a category for a classification task")
        self.classes_ = np.unique(categories)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "classes_"):
            raise NeuroarenaError("LabelEncoding is used before fit", fix="call fit on the training categories first")

    @property
    def n_classes(self) -> int:
        """Number of classes learnt in :meth:`fit`."""
        self._check_fitted()
        return len(self.classes_)

    def transform(self, categories: np.ndarray) -> np.ndarray:
        """Codes of ``categories``, shape (n,), int64; a category unseen in training is an error."""
        self._check_fitted()
        categories = _as_text(categories)
        unseen = ~np.isin(categories, self.classes_)
        if unseen.any():
            raise NeuroarenaError(
                f"{int(unseen.sum())} windows have a category not seen in training (e.g. "
                f"{str(categories[unseen][0])!r})",
                fix="make sure every evaluated category has training windows (use a stratified split)",
            )
        return np.searchsorted(self.classes_, categories).astype(np.int64)

    def inverse_transform(self, codes: np.ndarray) -> np.ndarray:
        """Category strings of ``codes``, shape (n,)."""
        self._check_fitted()
        codes = np.asarray(codes, dtype=np.int64)
        if codes.size and (codes.min() < 0 or codes.max() >= len(self.classes_)):
            raise NeuroarenaError(f"class codes must lie in 0..{len(self.classes_) - 1}",
                                  fix="pass codes produced by this encoding")
        return self.classes_[codes]


class StandardizedTarget:
    """Regression values shifted and scaled by the training mean and standard deviation.

    Attributes
    ----------
    mean_, scale_ : ndarray, shape (n_outputs,) or ()
        Per-column mean and standard deviation (ddof 0) of the training values.
    """

    @staticmethod
    def _finite(y: np.ndarray, what: str) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        bad = ~np.isfinite(y)
        if bad.any():
            raise NeuroarenaError(f"{int(bad.sum())} {what} values are NaN or infinite",
                                  fix="drop the windows without a value (e.g. no response) first")
        return y

    def fit(self, y: np.ndarray) -> "StandardizedTarget":
        """Learn mean and scale from the training values.

        Parameters
        ----------
        y : ndarray, shape (n_train,) or (n_train, n_outputs)
        """
        y = self._finite(y, "training target")
        if len(y) < 2:
            raise NeuroarenaError(f"cannot standardize {len(y)} training values", fix="use at least 2 training windows")
        self.mean_, self.scale_ = y.mean(axis=0), y.std(axis=0)
        if np.any(self.scale_ == 0):
            raise NeuroarenaError("the training target is constant, so it cannot be standardized",
                                  fix="check the target column; a constant target cannot be learnt")
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "mean_"):
            raise NeuroarenaError("StandardizedTarget is used before fit", fix="call fit on the training values first")

    def transform(self, y: np.ndarray) -> np.ndarray:
        """``(y - mean_) / scale_``, same shape as ``y``, float32."""
        self._check_fitted()
        return ((self._finite(y, "target") - self.mean_) / self.scale_).astype(np.float32)

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        """``z * scale_ + mean_``, same shape as ``z``, float64 (back in the target's units)."""
        self._check_fitted()
        return np.asarray(z, dtype=np.float64) * self.scale_ + self.mean_
