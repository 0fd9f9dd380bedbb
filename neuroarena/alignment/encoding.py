"""Encoding models: features of a model of vision predicting every neuroid, scored by Pearson's r on held-out data.

:class:`KernelRidgeCV` is ridge regression in its dual (kernel) form, with the penalty chosen per neuroid by exact
leave-one-out error. Its memory grows with the number of stimuli and of neuroids, never with their product with
the number of features: a primal weight matrix of 20 000 features by 100 000 neuroids would take 15 GiB.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

from neuroarena.alignment.ceiling import pearson_columns
from neuroarena.errors import NeuroarenaError

#: Penalties relative to the mean squared norm of the centred training samples (``mean(diag(K))``).
DEFAULT_ALPHAS = np.logspace(-3, 6, 19)
#: Targets processed at once when computing leave-one-out errors and dual coefficients.
TARGET_CHUNK = 4096


class KernelRidgeCV:
    """Linear ridge regression with an intercept, fitted in dual form, its penalty chosen by leave-one-out error.

    The intercept is fitted unpenalised, by centring ``X`` and ``Y`` on their training means. The penalties
    tried are ``alphas * alpha_scale_``, where ``alpha_scale_ = mean(diag(K))`` is the mean squared norm of the
    centred training samples (``K = Xc Xc^T``): the grid means the same whatever the scale of the features.
    The kernel is eigendecomposed once; every penalty's leave-one-out residuals then follow in closed form,
    ``(y - H y) / (1 - diag(H))`` with ``H`` the hat matrix, and the penalty of least mean squared residual is
    kept, per target or for all. The exact residuals are computed only for the penalties that bounds from
    ``|y - H y|`` and the extreme values of ``1 - diag(H)`` cannot rule out, which leaves the choice unchanged.

    Parameters
    ----------
    alphas : array-like, shape (n_alphas,)
        Positive penalties, relative to ``mean(diag(K))``.
    alpha_per_target : bool
        Choose a penalty for every target (True) or one for all of them (False).

    Attributes
    ----------
    alpha_ : ndarray, shape (n_targets,), or float
        The chosen values of ``alphas`` (relative); the penalty applied is ``alpha_ * alpha_scale_``.
    alpha_scale_ : float
        ``mean(diag(K))`` of the training data.
    dual_coef_ : ndarray, shape (n_samples, n_targets)
        ``(K + penalty I)^-1 Yc``, per target with its own penalty.
    X_fit_ : ndarray, shape (n_samples, n_features)
        The centred training features.
    x_mean_ : ndarray, shape (n_features,)
    y_mean_ : ndarray, shape (n_targets,)
    """

    def __init__(self, alphas: np.ndarray | list[float] = DEFAULT_ALPHAS, alpha_per_target: bool = True):
        self.alphas = alphas
        self.alpha_per_target = alpha_per_target

    def fit(self, X: np.ndarray, Y: np.ndarray) -> KernelRidgeCV:
        """Fit on features ``X`` and targets ``Y``.

        Parameters
        ----------
        X : ndarray, shape (n_samples, n_features)
        Y : ndarray, shape (n_samples, n_targets)

        Returns
        -------
        KernelRidgeCV
            ``self``.
        """
        X, Y, alphas = _checked(X, "X"), _checked(Y, "Y"), _alpha_grid(self.alphas)
        if len(X) != len(Y) or len(X) < 3:
            raise NeuroarenaError(f"ridge got {len(X)} feature rows and {len(Y)} target rows",
                                  fix="pass the same three or more samples in X and Y")
        self.x_mean_, self.y_mean_ = X.mean(axis=0), Y.mean(axis=0)
        self.X_fit_ = X - self.x_mean_
        kernel = self.X_fit_ @ self.X_fit_.T
        trace = float(np.trace(kernel))
        self.alpha_scale_ = trace / len(X) if trace > 0 else 1.0
        eigenvalues, vectors = scipy.linalg.eigh(kernel, driver="evd")
        eigenvalues, penalties = np.clip(eigenvalues, 0.0, None), alphas * self.alpha_scale_
        projected = _project(vectors, Y, self.y_mean_)  # becomes dual_coef_ in place
        shrink = penalties[:, None] / (eigenvalues[None, :] + penalties[:, None])  # (n_alphas, n)
        gaps = _loo_gaps(vectors, shrink)
        errors = _loo_errors(vectors, projected, shrink, gaps, self.alpha_per_target)
        if self.alpha_per_target:
            best = np.argmin(errors, axis=0)
            self.alpha_ = alphas[best]
        else:
            best = np.full(errors.shape[1], np.argmin(errors.sum(axis=1)))
            self.alpha_ = float(alphas[best[0]])
        self.dual_coef_ = _to_dual(vectors, eigenvalues, projected, penalties[best])
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The predicted targets of features ``X``.

        Parameters
        ----------
        X : ndarray, shape (n_new, n_features)

        Returns
        -------
        ndarray, shape (n_new, n_targets)
        """
        if not hasattr(self, "dual_coef_"):
            raise NeuroarenaError("this KernelRidgeCV is not fitted yet", fix="call fit(X, Y) before predict(X)")
        X = _checked(X, "X")
        if X.shape[1] != self.X_fit_.shape[1]:
            raise NeuroarenaError(f"ridge was fitted on {self.X_fit_.shape[1]} features and got {X.shape[1]}",
                                  fix="predict from the same features it was fitted on")
        return ((X - self.x_mean_) @ self.X_fit_.T) @ self.dual_coef_ + self.y_mean_


def _checked(array: np.ndarray, name: str) -> np.ndarray:
    """``array`` as a finite 2-D float array."""
    array = np.asarray(array, dtype=float)
    if array.ndim != 2 or not np.isfinite(array).all():
        raise NeuroarenaError(f"ridge needs a finite 2-D {name} and got shape {array.shape} or non-finite values",
                              fix=f"pass {name} as (n_samples, n) without NaN or inf")
    return array


def _alpha_grid(alphas: np.ndarray) -> np.ndarray:
    """``alphas`` as a 1-D array of positive floats."""
    alphas = np.atleast_1d(np.asarray(alphas, dtype=float))
    if alphas.ndim != 1 or len(alphas) == 0 or not (alphas > 0).all():
        raise NeuroarenaError(f"ridge got penalties {alphas.tolist()}", fix="pass one or more positive alphas")
    return alphas


def _chunks(n: int) -> list[slice]:
    """Consecutive slices of at most :data:`TARGET_CHUNK` targets covering ``range(n)``."""
    return [slice(start, min(start + TARGET_CHUNK, n)) for start in range(0, n, TARGET_CHUNK)]


def _project(vectors: np.ndarray, Y: np.ndarray, y_mean: np.ndarray) -> np.ndarray:
    """The centred targets in the kernel's eigenbasis, ``V^T (Y - y_mean)``, shape (n, n_targets)."""
    out = np.empty(Y.shape)
    for part in _chunks(Y.shape[1]):
        out[:, part] = vectors.T @ (Y[:, part] - y_mean[part])
    return out


def _loo_gaps(vectors: np.ndarray, shrink: np.ndarray) -> np.ndarray:
    """``1 - diag(H)`` per penalty, shape (n_alphas, n), ``H`` the hat matrix with the unpenalised intercept.

    ``1 - diag(H) = sum_j V_ij^2 a / (w_j + a) - 1/n``: the constant vector, an eigenvector of the centred
    kernel of eigenvalue 0, is fitted by the intercept and not shrunk.
    """
    gaps = shrink @ (vectors**2).T - 1.0 / len(vectors)
    return np.clip(gaps, np.finfo(float).eps, None)


def _loo_errors(vectors: np.ndarray, projected: np.ndarray, shrink: np.ndarray, gaps: np.ndarray,
                per_target: bool) -> np.ndarray:
    """Mean squared leave-one-out residual per penalty and target, shape (n_alphas, n_targets).

    Residual ``y - H y = V (shrink * V^T y)``, leave-one-out residual that over ``1 - diag(H)``. The squared
    norm of the residual is cheap (``V`` is orthogonal), and divided by the largest and smallest squared gap it
    bounds the error; a penalty whose lower bound exceeds another's upper bound cannot win and is left at inf.
    """
    n_alphas, n_targets = len(shrink), projected.shape[1]
    residual_norms = np.empty((n_alphas, n_targets))
    for part in _chunks(n_targets):
        residual_norms[:, part] = shrink**2 @ projected[:, part] ** 2 / len(vectors)
    if not per_target:
        residual_norms = residual_norms.sum(axis=1, keepdims=True)
    lower = residual_norms / gaps.max(axis=1, keepdims=True) ** 2
    upper = residual_norms / gaps.min(axis=1, keepdims=True) ** 2
    candidate = np.broadcast_to(lower <= upper.min(axis=0) * (1 + 1e-9), (n_alphas, n_targets))
    errors = np.full((n_alphas, n_targets), np.inf)
    for part in _chunks(n_targets):
        for a in range(n_alphas):
            columns = part.start + np.flatnonzero(candidate[a, part])
            if len(columns):
                scaled = projected[:, columns]
                scaled *= shrink[a, :, None]
                loo = vectors @ scaled
                loo /= gaps[a, :, None]
                errors[a, columns] = np.einsum("ij,ij->j", loo, loo) / len(vectors)
    return errors


def _to_dual(vectors: np.ndarray, eigenvalues: np.ndarray, projected: np.ndarray,
             penalties: np.ndarray) -> np.ndarray:
    """``(K + penalty I)^-1 Yc`` per target, written over ``projected`` chunk by chunk, shape (n, n_targets)."""
    for part in _chunks(projected.shape[1]):
        projected[:, part] = vectors @ (projected[:, part] / (eigenvalues[:, None] + penalties[None, part]))
    return projected


def ridge_encoding(X_train: np.ndarray, Y_train: np.ndarray, X_test: np.ndarray, Y_test: np.ndarray,
                   alphas: np.ndarray | None = None) -> np.ndarray:
    """Pearson's r per target of a :class:`KernelRidgeCV` fitted on the training part, on the test part.

    Parameters
    ----------
    X_train : ndarray, shape (n_train, n_features)
    Y_train : ndarray, shape (n_train, n_targets)
    X_test : ndarray, shape (n_test, n_features)
    Y_test : ndarray, shape (n_test, n_targets)
    alphas : ndarray, shape (n_alphas,), optional
        Relative penalties (default :data:`DEFAULT_ALPHAS`).

    Returns
    -------
    ndarray, shape (n_targets,)
    """
    model = KernelRidgeCV(DEFAULT_ALPHAS if alphas is None else alphas).fit(X_train, Y_train)
    return pearson_columns(model.predict(X_test), Y_test)


def pls_encoding(X: np.ndarray, Y: np.ndarray, labels: np.ndarray, n_components: int = 25, n_splits: int = 10,
                 test_size: float = 0.1, seed: int = 0) -> np.ndarray:
    """Pearson's r per target of PLS regression on random train/test splits stratified by ``labels``.

    The splits are ``StratifiedShuffleSplit``; where ``labels`` cannot be stratified (a class with one member,
    or more classes than a part has samples) they are plain ``ShuffleSplit``. The number of components is
    capped at the training samples less one and the features.

    Parameters
    ----------
    X : ndarray, shape (n, n_features)
    Y : ndarray, shape (n, n_targets)
    labels : ndarray, shape (n,)
        Class of every sample (e.g. the image's category).
    n_components : int
    n_splits : int
    test_size : float
        Share of the samples held out per split.
    seed : int
        ``random_state`` of the splitter.

    Returns
    -------
    ndarray, shape (n_splits, n_targets)
    """
    from sklearn.cross_decomposition import PLSRegression

    X, Y, labels = np.asarray(X, dtype=float), np.asarray(Y, dtype=float), np.asarray(labels)
    if X.ndim != 2 or Y.ndim != 2 or not len(X) == len(Y) == len(labels):
        raise NeuroarenaError(f"PLS got X {X.shape}, Y {Y.shape} and {len(labels)} labels",
                              fix="pass X (n, n_features), Y (n, n_targets) and n labels")
    out = np.empty((n_splits, Y.shape[1]))
    for i, (train, test) in enumerate(_splits(labels, n_splits, test_size, seed)):
        components = max(1, min(n_components, len(train) - 1, X.shape[1]))
        model = PLSRegression(n_components=components, scale=False).fit(X[train], Y[train])
        out[i] = pearson_columns(model.predict(X[test]), Y[test])
    return out


def _splits(labels: np.ndarray, n_splits: int, test_size: float, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train and test indices of ``n_splits`` random splits, stratified by ``labels`` where that is possible."""
    from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

    n = len(labels)
    counts = np.unique(labels, return_counts=True)[1]
    n_test = int(np.ceil(test_size * n))
    if counts.min() >= 2 and min(n_test, n - n_test) >= len(counts):
        splitter = StratifiedShuffleSplit(n_splits=n_splits, test_size=test_size, random_state=seed)
    else:
        splitter = ShuffleSplit(n_splits=n_splits, test_size=test_size, random_state=seed)
    return list(splitter.split(np.zeros(n), labels))
