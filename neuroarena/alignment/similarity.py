"""Representational similarity: RSA over dissimilarity matrices, unbiased linear CKA, and odd-one-out choices."""
from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from neuroarena.errors import NeuroarenaError

#: Chance accuracy of an odd-one-out choice among three.
CHANCE = 1.0 / 3.0
#: Triplets whose similarities are computed at once.
TRIPLET_CHUNK = 1024


def rdm(features: np.ndarray) -> np.ndarray:
    """The representational dissimilarity matrix: one minus Pearson's r between every two rows.

    Parameters
    ----------
    features : ndarray, shape (n, n_features)

    Returns
    -------
    ndarray, shape (n, n)
        NaN in the rows and columns of constant rows.
    """
    features = np.asarray(features, dtype=float)
    if features.ndim != 2:
        raise NeuroarenaError(f"an RDM needs features of shape (n, n_features) and got {features.shape}",
                              fix="pass one row of features per stimulus")
    centred = features - features.mean(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = centred / np.linalg.norm(centred, axis=1, keepdims=True)
    return 1.0 - unit @ unit.T


def upper_triangle(matrix: np.ndarray) -> np.ndarray:
    """The entries above the diagonal, row by row.

    Parameters
    ----------
    matrix : ndarray, shape (n, n)

    Returns
    -------
    ndarray, shape (n * (n - 1) / 2,)
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise NeuroarenaError(f"upper_triangle needs a square matrix and got shape {matrix.shape}",
                              fix="pass an (n, n) dissimilarity matrix")
    return matrix[np.triu_indices(len(matrix), 1)]


def rsa_score(model_rdm: np.ndarray, brain_rdm: np.ndarray) -> float:
    """Spearman's rho between the upper triangles of two dissimilarity matrices.

    Parameters
    ----------
    model_rdm, brain_rdm : ndarray, shape (n, n)

    Returns
    -------
    float
    """
    model_rdm, brain_rdm = np.asarray(model_rdm), np.asarray(brain_rdm)
    if model_rdm.shape != brain_rdm.shape:
        raise NeuroarenaError(f"RSA got dissimilarity matrices of shapes {model_rdm.shape} and {brain_rdm.shape}",
                              fix="compute both over the same stimuli, in the same order")
    return float(spearmanr(upper_triangle(model_rdm), upper_triangle(brain_rdm)).statistic)


def rsa_subject_bounds(subject_rdms: np.ndarray) -> tuple[float, float]:
    """The noise ceiling of RSA from the subjects' own dissimilarity matrices.

    Parameters
    ----------
    subject_rdms : ndarray, shape (n_subjects, n, n)
        ``n_subjects >= 2``.

    Returns
    -------
    (float, float)
        Lower bound: the mean over subjects of :func:`rsa_score` with the mean of the other subjects; upper
        bound: the same with the mean of all subjects (the subject included).
    """
    subject_rdms = np.asarray(subject_rdms, dtype=float)
    if subject_rdms.ndim != 3 or len(subject_rdms) < 2:
        raise NeuroarenaError(f"RSA bounds need (n_subjects >= 2, n, n) matrices and got {subject_rdms.shape}",
                              fix="pass the dissimilarity matrices of two or more subjects")
    total, n = subject_rdms.sum(axis=0), len(subject_rdms)
    upper = np.mean([rsa_score(s, total / n) for s in subject_rdms])
    lower = np.mean([rsa_score(s, (total - s) / (n - 1)) for s in subject_rdms])
    return float(lower), float(upper)


def _hsic_unbiased(gram_x: np.ndarray, gram_y: np.ndarray) -> float:
    """The unbiased HSIC estimator of two (n, n) Gram matrices (Song et al. 2012), ``n >= 4``."""
    n = len(gram_x)
    k, m = gram_x.copy(), gram_y.copy()
    np.fill_diagonal(k, 0.0)
    np.fill_diagonal(m, 0.0)
    trace = np.sum(k * m)  # tr(K L), both symmetric
    sums = k.sum() * m.sum() / ((n - 1) * (n - 2))
    cross = 2.0 / (n - 2) * k.sum(axis=0) @ m.sum(axis=1)
    return float((trace + sums - cross) / (n * (n - 3)))


def cka_unbiased(X: np.ndarray, Y: np.ndarray) -> float:
    """Linear centred kernel alignment with the unbiased HSIC estimator (Nguyen et al. 2021).

    Parameters
    ----------
    X : ndarray, shape (n, n_features_x)
    Y : ndarray, shape (n, n_features_y)
        The same ``n >= 4`` stimuli, in the same order.

    Returns
    -------
    float
        ``HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L))`` with ``K = X X^T`` and ``L = Y Y^T``; NaN where a
        self-similarity estimate is not positive.
    """
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y) or len(X) < 4:
        raise NeuroarenaError(f"CKA got representations of shapes {X.shape} and {Y.shape}",
                              fix="pass two 2-D arrays over the same four or more stimuli")
    X, Y = X - X.mean(axis=0), Y - Y.mean(axis=0)  # no change to the estimate, less rounding
    gram_x, gram_y = X @ X.T, Y @ Y.T
    self_x, self_y = _hsic_unbiased(gram_x, gram_x), _hsic_unbiased(gram_y, gram_y)
    if self_x <= 0 or self_y <= 0:
        return float("nan")
    return _hsic_unbiased(gram_x, gram_y) / float(np.sqrt(self_x * self_y))


def odd_one_out(features: np.ndarray, triplets: np.ndarray) -> np.ndarray:
    """The odd one out of every triplet: the item outside its pair of largest dot-product similarity.

    Parameters
    ----------
    features : ndarray, shape (n_items, n_features)
    triplets : ndarray of int, shape (n_triplets, 3)
        Item indices (rows of ``features``).

    Returns
    -------
    ndarray of int, shape (n_triplets,)
        The item index of each triplet's odd one out (ties go to the first pair in the order (0, 1), (0, 2),
        (1, 2)).
    """
    features, triplets = np.asarray(features, dtype=float), np.asarray(triplets)
    if features.ndim != 2 or triplets.ndim != 2 or triplets.shape[1] != 3:
        raise NeuroarenaError(f"odd-one-out got features {features.shape} and triplets {triplets.shape}",
                              fix="pass features (n_items, n_features) and triplets (n_triplets, 3)")
    if not np.issubdtype(triplets.dtype, np.integer) or (
            len(triplets) and not 0 <= triplets.min() <= triplets.max() < len(features)):
        raise NeuroarenaError(f"odd-one-out triplets must be item indices below {len(features)}",
                              fix="pass integer rows of the features")
    odd_position = np.empty(len(triplets), dtype=int)
    for start in range(0, len(triplets), TRIPLET_CHUNK):
        a, b, c = (features[triplets[start:start + TRIPLET_CHUNK, i]] for i in range(3))
        pairs = np.stack([np.einsum("ij,ij->i", a, b), np.einsum("ij,ij->i", a, c), np.einsum("ij,ij->i", b, c)])
        odd_position[start:start + TRIPLET_CHUNK] = np.array([2, 1, 0])[np.argmax(pairs, axis=0)]
    return triplets[np.arange(len(triplets)), odd_position]


def odd_one_out_accuracy(predicted: np.ndarray, chosen: np.ndarray) -> float:
    """The share of triplets whose predicted odd one out is the one chosen.

    Parameters
    ----------
    predicted, chosen : ndarray of int, shape (n_triplets,)
        Item indices.

    Returns
    -------
    float
    """
    predicted, chosen = np.asarray(predicted), np.asarray(chosen)
    if predicted.shape != chosen.shape or predicted.ndim != 1 or len(predicted) == 0:
        raise NeuroarenaError(f"odd-one-out accuracy got {predicted.shape} predictions and {chosen.shape} choices",
                              fix="pass one predicted and one chosen item per triplet")
    return float(np.mean(predicted == chosen))


def odd_one_out_score(accuracy: float, ceiling: float) -> float:
    """The accuracy above chance as a share of the ceiling's: ``(accuracy - 1/3) / (ceiling - 1/3)``.

    Parameters
    ----------
    accuracy : float
    ceiling : float
        The accuracy of the human consensus, above chance.

    Returns
    -------
    float
    """
    if not ceiling > CHANCE:
        raise NeuroarenaError(f"an odd-one-out ceiling of {ceiling} is not above chance (1/3)",
                              fix="pass the human consensus accuracy")
    return float((accuracy - CHANCE) / (ceiling - CHANCE))
