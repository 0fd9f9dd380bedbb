"""Retrieval scores: top-k accuracy among a full candidate set or within batches.

Similarity is the cosine, rounded to :data:`SIMILARITY_DECIMALS` decimals
(:func:`cosine_similarity`), so that float rounding in a matrix product never splits an
exact tie: identical candidates always get the same similarity. Tie rule, used
everywhere here: the *rank* of the true candidate is the number of other candidates
whose similarity is greater than **or equal to** the true one's; a hit at k means
rank < k. Ties therefore count against the prediction: a constant (e.g. all-zero)
prediction ties with every candidate and is never a hit unless k exceeds the number of
other candidates.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.base import Metric


def _check_k(k: int) -> None:
    if int(k) != k or k < 1:
        raise NeuroarenaError(f"top-k needs an integer k >= 1, got {k!r}", fix="pass k >= 1")


#: Cosine similarities are compared at this many decimals: closer ones are ties.
SIMILARITY_DECIMALS = 9


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit norm (all-zero rows stay zero, so their cosine is 0)."""
    x = np.asarray(x, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def cosine_similarity(pred: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Cosine similarity of every prediction with every candidate, rounded to :data:`SIMILARITY_DECIMALS`.

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    candidates : ndarray, shape (m, d)

    Returns
    -------
    similarity : ndarray, shape (n, m)
        0 where either row is all zeros.
    """
    return np.round(_unit_rows(pred) @ _unit_rows(candidates).T, SIMILARITY_DECIMALS)


def average_by_stimulus(pred: np.ndarray, stimulus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average the predictions of repeated presentations of each stimulus.

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    stimulus : ndarray, shape (n,)
        Stimulus id of each row.

    Returns
    -------
    ids : ndarray, shape (m,)
        The distinct stimulus ids, sorted.
    averaged : ndarray, shape (m, d)
        Mean prediction of each id, in the order of ``ids``.
    """
    pred, stimulus = np.asarray(pred, dtype=np.float64), np.asarray(stimulus)
    if pred.ndim != 2 or len(pred) != len(stimulus):
        raise NeuroarenaError(
            f"average_by_stimulus got predictions of shape {pred.shape} and {len(stimulus)} stimulus ids",
            fix="pass pred of shape (n, d) and one stimulus id per row",
        )
    ids, inverse = np.unique(stimulus, return_inverse=True)
    sums = np.zeros((len(ids), pred.shape[1]))
    np.add.at(sums, inverse, pred)
    counts = np.bincount(inverse, minlength=len(ids))
    return ids, sums / counts[:, None]


def retrieval_ranks(pred: np.ndarray, candidates: np.ndarray, true_index: np.ndarray) -> np.ndarray:
    """Rank of each prediction's true candidate by cosine similarity (0 = first; ties count against).

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    candidates : ndarray, shape (m, d)
    true_index : ndarray of int, shape (n,)
        Row of ``candidates`` that is the right answer for each prediction.

    Returns
    -------
    ranks : ndarray of int, shape (n,)
    """
    pred, candidates = np.asarray(pred), np.asarray(candidates)
    true_index = np.asarray(true_index, dtype=np.int64)
    if pred.ndim != 2 or candidates.ndim != 2 or pred.shape[1] != candidates.shape[1]:
        raise NeuroarenaError(
            f"top-k got predictions of shape {pred.shape} and candidates of shape {candidates.shape}",
            fix="pass (n, d) predictions and (m, d) candidates with the same d",
        )
    if len(true_index) != len(pred) or len(pred) == 0:
        raise NeuroarenaError(
            f"top-k got {len(pred)} predictions and {len(true_index)} true indices",
            fix="pass one true index per prediction, at least one",
        )
    if true_index.min() < 0 or true_index.max() >= len(candidates):
        raise NeuroarenaError(
            f"top-k true indices span {true_index.min()}..{true_index.max()} but there are "
            f"{len(candidates)} candidates",
            fix="index rows of the candidate matrix",
        )
    similarity = cosine_similarity(pred, candidates)
    true_similarity = similarity[np.arange(len(pred)), true_index]
    return (similarity >= true_similarity[:, None]).sum(axis=1) - 1


def topk_accuracy(pred: np.ndarray, candidates: np.ndarray, true_index: np.ndarray, k: int) -> float:
    """Fraction of predictions whose true candidate ranks among the k most cosine-similar.

    Ties count against the prediction (see the module docstring).

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    candidates : ndarray, shape (m, d)
    true_index : ndarray of int, shape (n,)
        Row of ``candidates`` that is the right answer for each prediction.
    k : int
    """
    _check_k(k)
    return float(np.mean(retrieval_ranks(pred, candidates, true_index) < k))


def full_set_ranks(
    pred: np.ndarray, stimulus: np.ndarray, candidate_ids: np.ndarray, candidate_emb: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rank of each test stimulus among all candidates, predictions of repeated presentations averaged first.

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    stimulus : ndarray, shape (n,)
        Stimulus id of each prediction; each must be among ``candidate_ids``.
    candidate_ids : ndarray, shape (m,)
        Distinct ids of the candidates.
    candidate_emb : ndarray, shape (m, d)
        Embedding of each candidate.

    Returns
    -------
    ids : ndarray, shape (s,)
        The distinct predicted stimuli, sorted.
    ranks : ndarray of int, shape (s,)
    """
    candidate_ids = np.asarray(candidate_ids)
    if len(np.unique(candidate_ids)) != len(candidate_ids) or len(candidate_ids) != len(candidate_emb):
        raise NeuroarenaError(
            f"got {len(candidate_ids)} candidate ids ({len(np.unique(candidate_ids))} distinct) "
            f"for {len(candidate_emb)} candidate embeddings",
            fix="pass one distinct id per candidate embedding",
        )
    ids, averaged = average_by_stimulus(pred, stimulus)
    position = {stim: i for i, stim in enumerate(candidate_ids.tolist())}
    missing = [stim for stim in ids.tolist() if stim not in position]
    if missing:
        raise NeuroarenaError(
            f"{len(missing)} predicted stimuli are not among the candidates (e.g. {missing[0]!r})",
            fix="include every test stimulus in the candidate set",
        )
    true_index = np.array([position[stim] for stim in ids.tolist()], dtype=np.int64)
    return ids, retrieval_ranks(averaged, candidate_emb, true_index)


def full_set_topk(
    pred: np.ndarray, stimulus: np.ndarray, candidate_ids: np.ndarray, candidate_emb: np.ndarray, k: int
) -> float:
    """Top-k accuracy of stimulus-averaged predictions among every candidate (see :func:`full_set_ranks`).

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    stimulus : ndarray, shape (n,)
    candidate_ids : ndarray, shape (m,)
    candidate_emb : ndarray, shape (m, d)
    k : int
    """
    _check_k(k)
    _, ranks = full_set_ranks(pred, stimulus, candidate_ids, candidate_emb)
    return float(np.mean(ranks < k))


def batch_topk(pred: np.ndarray, target: np.ndarray, k: int, batch_size: int) -> float:
    """Per-window top-k accuracy within consecutive batches, averaged over windows.

    Rows are cut in order into batches of ``batch_size`` (the last may be shorter);
    within a batch the candidates are the batch's *distinct* targets, and the true
    candidate of row i is its own target. Repeated presentations of one stimulus in a
    batch share one candidate, so a perfect prediction always scores 1.

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    target : ndarray, shape (n, d)
        True embedding of each row.
    k : int
    batch_size : int
    """
    _check_k(k)
    if int(batch_size) != batch_size or batch_size < 1:
        raise NeuroarenaError(f"batch top-k needs batch_size >= 1, got {batch_size!r}", fix="pass batch_size >= 1")
    pred, target = np.asarray(pred), np.asarray(target)
    if pred.shape != target.shape or pred.ndim != 2 or len(pred) == 0:
        raise NeuroarenaError(
            f"batch top-k got predictions of shape {pred.shape} and targets of shape {target.shape}",
            fix="pass (n, d) predictions and (n, d) targets, n >= 1",
        )
    hits = 0.0
    for start in range(0, len(pred), batch_size):
        stop = min(start + batch_size, len(pred))
        candidates, true_index = np.unique(target[start:stop], axis=0, return_inverse=True)
        hits += topk_accuracy(pred[start:stop], candidates, true_index.ravel(), k) * (stop - start)
    return hits / len(pred)


class TopK(Metric):
    """Accumulating top-k retrieval accuracy.

    ``update(pred, target, stimulus=ids)`` with ``pred`` and ``target`` of shape (n, d).

    Parameters
    ----------
    k : int
    full_set : bool
        True: :func:`full_set_topk` (needs ``stimulus``); the candidates are
        ``candidate_ids``/``candidate_emb`` when given, else every distinct stimulus
        seen, with its target. False: :func:`batch_topk`.
    batch_size : int
        Batch size of the batch variant.
    candidate_ids : ndarray, shape (m,), optional
    candidate_emb : ndarray, shape (m, d), optional
    """

    def __init__(
        self,
        k: int,
        full_set: bool = True,
        batch_size: int = 128,
        candidate_ids: np.ndarray | None = None,
        candidate_emb: np.ndarray | None = None,
    ) -> None:
        self.k = k
        self.full_set = full_set
        self.batch_size = batch_size
        self.candidate_ids = candidate_ids
        self.candidate_emb = candidate_emb
        super().__init__()

    def score(self, pred: np.ndarray, target: np.ndarray, **kw: Any) -> float:
        if not self.full_set:
            return batch_topk(pred, target, self.k, self.batch_size)
        if "stimulus" not in kw:
            raise NeuroarenaError("full-set TopK needs stimulus ids", fix="call update(pred, target, stimulus=ids)")
        stimulus = kw["stimulus"]
        if self.candidate_ids is not None:
            return full_set_topk(pred, stimulus, self.candidate_ids, self.candidate_emb, self.k)
        ids, first = np.unique(stimulus, return_index=True)
        return full_set_topk(pred, stimulus, ids, np.asarray(target)[first], self.k)
