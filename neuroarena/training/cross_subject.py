"""Cross-subject contrastive pretraining: windows of one movie at one time, seen by different subjects, agree.

Every subject of HBN watched the same movies, so the EEG of two subjects at the same movie time shares
the stimulus-driven part and differs in the rest. The loss pulls those pairs together and pushes
windows of other clips and other times apart (InfoNCE over the batch, several positives per anchor as
in supervised contrastive learning, a learnable temperature); windows of the same time from the same
subject are neither. A batch holds pairs, so every anchor has a positive.
"""
from __future__ import annotations

import math
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from neuroarena.errors import NeuroarenaError


class CrossSubjectInfoNCE(torch.nn.Module):
    """InfoNCE between embeddings of different subjects' windows of one stimulus (a movie time).

    ``loss = mean over anchors i with a positive of -mean_{j in P(i)} log softmax_j(s_ij / t)``, where
    ``s_ij`` is the cosine of embeddings ``i`` and ``j``, ``P(i)`` the other subjects' windows of ``i``'s
    stimulus, and the softmax runs over every ``j != i`` except the same subject's windows of the same
    stimulus. ``t = exp(log_temperature)`` is learnt. A batch without any such pair has no loss (NaN):
    training batches come from :func:`pair_batches`, which always pairs.

    Parameters
    ----------
    temperature : float
        Initial temperature.
    """

    def __init__(self, temperature: float = 0.1):
        super().__init__()
        if not temperature > 0:
            raise NeuroarenaError(f"temperature must be positive, got {temperature!r}", fix="use e.g. 0.1")
        self.log_temperature = torch.nn.Parameter(torch.tensor(math.log(temperature)))

    def forward(self, embeddings: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """The loss of ``embeddings`` (batch, dim); ``batch`` holds ``stimulus`` and ``subject`` (batch,)."""
        stimulus, subject = batch["stimulus"], batch["subject"]
        z = F.normalize(embeddings.float(), dim=1)
        logits = z @ z.T / self.log_temperature.exp()
        same_stimulus = stimulus[:, None] == stimulus[None, :]
        same_subject = subject[:, None] == subject[None, :]
        positive = same_stimulus & ~same_subject
        excluded = same_stimulus & same_subject  # itself and its own repeats: no positive, no negative
        logits = logits.masked_fill(excluded, float("-inf"))
        log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
        anchors = positive.any(dim=1)
        if not anchors.any():  # a validation batch in recording order may hold no pair: no loss to give
            return embeddings.new_tensor(float("nan"))
        per_anchor = (log_prob.masked_fill(~positive, 0.0)).sum(dim=1) / positive.sum(dim=1).clamp(min=1)
        return -per_anchor[anchors].mean()


def pair_batches(stimulus: np.ndarray, subject: np.ndarray, batch_size: int, seed: int,
                 n_batches: int | None = None) -> list[list[int]]:
    """Batches of positions, each of ``batch_size // 2`` stimuli with two windows of different subjects.

    Parameters
    ----------
    stimulus, subject : ndarray, shape (n,)
        Each window's stimulus (movie time) and subject.
    batch_size : int
        Even, at least 4.
    seed : int
    n_batches : int, optional
        Batches per epoch; default ``n // batch_size``.

    Returns
    -------
    list of list of int
        Positions into ``stimulus``; a stimulus seen by one subject only is never drawn.
    """
    if batch_size < 4 or batch_size % 2:
        raise NeuroarenaError(f"pair batches need an even batch size of at least 4, got {batch_size}",
                              fix="pass --batch-size 64 (or another even number)")
    rng = np.random.default_rng(seed)
    groups: dict[object, np.ndarray] = {}
    for key in np.unique(stimulus):
        members = np.flatnonzero(stimulus == key)
        if len(np.unique(subject[members])) >= 2:
            groups[key] = members
    keys = list(groups)
    per_batch = batch_size // 2
    if len(keys) < per_batch:
        raise NeuroarenaError(f"{len(keys)} movie times are seen by two subjects or more; a batch needs {per_batch}",
                              fix="use more subjects or movie recordings, or a smaller --batch-size")
    out = []
    for _ in range(n_batches or max(1, len(stimulus) // batch_size)):
        batch = []
        for k in rng.choice(len(keys), size=per_batch, replace=False):
            members = groups[keys[k]]
            first = rng.choice(members)
            others = members[subject[members] != subject[first]]
            batch += [int(first), int(rng.choice(others))]
        out.append(batch)
    return out


class PairSampler(torch.utils.data.Sampler):
    """Yields :func:`pair_batches`, drawn afresh (seed + epoch) each epoch."""

    def __init__(self, stimulus: np.ndarray, subject: np.ndarray, batch_size: int, seed: int):
        self.stimulus, self.subject, self.batch_size, self.seed = stimulus, subject, batch_size, seed
        self.epoch = 0
        self._length = len(pair_batches(stimulus, subject, batch_size, seed))

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[list[int]]:
        batches = pair_batches(self.stimulus, self.subject, self.batch_size, self.seed + self.epoch)
        self.epoch += 1
        return iter(batches)


def cross_subject_top1(embeddings: np.ndarray, stimulus: np.ndarray, subject: np.ndarray) -> float:
    """Share of windows whose most similar window of *another* subject shows the same stimulus.

    Parameters
    ----------
    embeddings : ndarray, shape (n, dim)
    stimulus, subject : ndarray, shape (n,)

    Returns
    -------
    float
        Over the windows whose stimulus another subject saw; chance is about 1 / n_stimuli.
    """
    z = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    similarity = z @ z.T
    similarity[subject[:, None] == subject[None, :]] = -np.inf
    has_pair = ((stimulus[:, None] == stimulus[None, :]) & (subject[:, None] != subject[None, :])).any(axis=1)
    if not has_pair.any():
        return float("nan")
    best = similarity.argmax(axis=1)
    return float(np.mean(stimulus[best][has_pair] == stimulus[has_pair]))
