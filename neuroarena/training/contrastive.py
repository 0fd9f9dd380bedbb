"""Batch-contrastive losses: CLIP / InfoNCE, its debiased variant, SigLIP and similarity distillation.

Each loss compares row ``i`` of the predictions with every row ``j`` of the batch's
targets; the pair ``(i, i)`` is the positive. ``stimulus`` (shape (batch,)), where
given, says which rows show the same stimulus: such a repeat is another copy of the
positive, never a negative.
"""
from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

from neuroarena.errors import NeuroarenaError

Normalize = Literal["both", "pred", "target", "none"]


def check_pairs(pred: torch.Tensor, target: torch.Tensor, loss: str) -> None:
    """Refuse ``pred`` and ``target`` unless both have the same shape (batch, dim)."""
    if pred.ndim != 2 or pred.shape != target.shape:
        raise NeuroarenaError(
            f"{loss} loss needs pred and target of the same shape (batch, dim), got {tuple(pred.shape)} and "
            f"{tuple(target.shape)}",
            fix="make the model's n_outputs equal the target embedding dimension",
        )


def _check_temperature(temperature: float | torch.Tensor, loss: str) -> None:
    if not isinstance(temperature, torch.Tensor) and not temperature > 0:
        raise NeuroarenaError(f"{loss} loss: temperature must be positive, got {temperature!r}",
                              fix="set a temperature such as 0.07")


def cosine_similarities(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of every row of ``a`` (n, d) with every row of ``b`` (m, d): shape (n, m)."""
    return F.normalize(a, dim=1) @ F.normalize(b.to(a.dtype), dim=1).T


def same_group(groups: torch.Tensor) -> torch.Tensor:
    """Boolean (batch, batch): ``[i, j]`` is True where rows ``i`` and ``j`` have the same group (target)."""
    return groups[:, None] == groups[None, :]


def weighted_infonce(logits: torch.Tensor, weights: torch.Tensor | None, symmetric: bool) -> torch.Tensor:
    """InfoNCE on ``logits`` (batch, batch) whose negatives count ``weights[i, j]`` times in the denominator.

    ``loss_i = -log( exp(l_ii) / (exp(l_ii) + sum_{j != i} w_ij exp(l_ij)) )``, averaged over
    rows; ``symmetric`` averages it with the same loss over columns (``w`` must then be
    symmetric). ``w_ij = 0`` removes a negative; ``weights=None`` is plain InfoNCE. The
    diagonal of ``weights`` is ignored (the positive always counts once).
    """
    diagonal = torch.arange(len(logits), device=logits.device)
    if weights is not None:
        positive = diagonal[:, None] == diagonal[None, :]
        logits = logits + torch.where(positive, 1.0, weights.to(logits.dtype)).log()
    loss = F.cross_entropy(logits, diagonal)
    if symmetric:
        loss = (loss + F.cross_entropy(logits.T, diagonal)) / 2
    return loss


def clip_loss(pred: torch.Tensor, target: torch.Tensor, temperature: float | torch.Tensor = 0.07,
              symmetric: bool = True, normalize: Normalize = "both",
              groups: torch.Tensor | None = None) -> torch.Tensor:
    """CLIP / InfoNCE loss between predicted and target embeddings.

    ``logits = norm(pred) @ norm(target).T / temperature``; row ``i`` of ``pred``
    is paired with row ``i`` of ``target`` (the diagonal) and every other row of
    the batch is a negative, as in CLIP, except rows of the same group (removed
    from the denominator) when ``groups`` is given.

    Parameters
    ----------
    pred : Tensor, shape (batch, dim)
        Embeddings predicted from the brain data.
    target : Tensor, shape (batch, dim)
        Target (stimulus) embeddings.
    temperature : float or Tensor
        Positive softmax temperature (a learnable scalar tensor works too).
    symmetric : bool
        Average the pred->target and target->pred cross-entropies (CLIP);
        if False, only pred->target (rows of ``logits``).
    normalize : {"both", "pred", "target", "none"}
        Which side is L2-normalised before the dot product ("both": cosine similarity).
    groups : Tensor, shape (batch,), optional
        Target group of each row (see :class:`~neuroarena.training.objective.ClipTerm`); a row of row
        ``i``'s group is not a negative for it.

    Returns
    -------
    loss : Tensor, shape ()
    """
    check_pairs(pred, target, "clip")
    if normalize not in ("both", "pred", "target", "none"):
        raise NeuroarenaError(f"clip loss: unknown normalize={normalize!r}",
                              fix="use 'both', 'pred', 'target' or 'none'")
    _check_temperature(temperature, "clip")
    target = target.to(pred.dtype)
    if normalize in ("both", "pred"):
        pred = F.normalize(pred, dim=1)
    if normalize in ("both", "target"):
        target = F.normalize(target, dim=1)
    weights = None if groups is None else (~same_group(groups)).to(pred.dtype)
    return weighted_infonce(pred @ target.T / temperature, weights, symmetric)


def debiased_infonce_loss(pred: torch.Tensor, target: torch.Tensor, temperature: float | torch.Tensor = 0.07,
                          threshold: float = 0.9, weight: float = 0.0, symmetric: bool = True) -> torch.Tensor:
    """InfoNCE that removes or down-weights negatives whose target is close to the positive's.

    With ``s_ij = cos(pred_i, target_j) / temperature`` and ``c_ij = cos(target_i, target_j)``::

        w_ij   = weight  if j != i and c_ij > threshold,  else 1
        loss_i = -log( exp(s_ii) / (exp(s_ii) + sum_{j != i} w_ij exp(s_ij)) )
        loss   = mean_i loss_i

    and, if ``symmetric``, the mean of that and the same loss over columns of ``s``
    (``w`` is symmetric). A repeat of the same caption has ``c_ij = 1`` and is treated
    like any near-duplicate.

    Parameters
    ----------
    pred : Tensor, shape (batch, dim)
    target : Tensor, shape (batch, dim)
        Caption (or stimulus) embeddings.
    temperature : float or Tensor
    threshold : float
        Cosine similarity above which a negative counts as a near-duplicate of the positive.
    weight : float in [0, 1)
        Weight of a near-duplicate negative in the denominator (0 removes it).
    symmetric : bool

    Returns
    -------
    loss : Tensor, shape ()
    """
    check_pairs(pred, target, "debiased_infonce")
    _check_temperature(temperature, "debiased_infonce")
    if not 0.0 <= weight < 1.0:
        raise NeuroarenaError(f"debiased_infonce loss: weight must be in [0, 1), got {weight!r}",
                              fix="use 0 to remove near-duplicate negatives, or a weight below 1 to down-weight them")
    target = target.to(pred.dtype)
    close = cosine_similarities(target, target) > threshold
    weights = torch.where(close, weight, 1.0).to(pred.dtype)
    return weighted_infonce(cosine_similarities(pred, target) / temperature, weights, symmetric)


def siglip_loss(pred: torch.Tensor, target: torch.Tensor, scale: float | torch.Tensor = 10.0,
                bias: float | torch.Tensor = -10.0, groups: torch.Tensor | None = None) -> torch.Tensor:
    """Pairwise sigmoid loss of SigLIP (Zhai et al. 2023).

    ``loss = -1/batch * sum_{i,j} log sigmoid(z_ij * (scale * x_i . y_j + bias))`` with
    ``x = norm(pred)``, ``y = norm(target)``, ``z_ij = +1`` on the diagonal (and for rows
    of the same group when ``groups`` is given) and ``-1`` elsewhere.

    Parameters
    ----------
    pred, target : Tensor, shape (batch, dim)
    scale : float or Tensor
        ``t = exp(t')`` of the paper.
    bias : float or Tensor
        ``b`` of the paper.
    groups : Tensor, shape (batch,), optional
        Target group of each row; rows of one group are positives of each other.

    Returns
    -------
    loss : Tensor, shape ()
    """
    check_pairs(pred, target, "siglip")
    logits = cosine_similarities(pred, target) * scale + bias
    positive = torch.eye(len(pred), dtype=torch.bool, device=pred.device)
    if groups is not None:
        positive = same_group(groups)
    signs = positive.to(logits.dtype) * 2 - 1
    return -F.logsigmoid(signs * logits).sum() / len(pred)


def distill_loss(pred: torch.Tensor, target: torch.Tensor, teacher: torch.Tensor,
                 student_temperature: float = 0.07, teacher_temperature: float = 0.07) -> torch.Tensor:
    """KL(teacher || student) between the two distributions over the batch's candidate targets.

    ``p_ij = softmax_j(cos(teacher_i, target_j) / teacher_temperature)`` and
    ``q_ij = softmax_j(cos(pred_i, target_j) / student_temperature)``;
    ``loss = mean_i sum_j p_ij (log p_ij - log q_ij)``.

    Parameters
    ----------
    pred : Tensor, shape (batch, dim)
        Student embeddings predicted from the brain data.
    target : Tensor, shape (batch, dim)
        Candidate embeddings (e.g. captions), one per row.
    teacher : Tensor, shape (batch, dim)
        The teacher's embedding of each row's stimulus (e.g. CLIP image), in the space of ``target``.
    student_temperature, teacher_temperature : float

    Returns
    -------
    loss : Tensor, shape ()
    """
    check_pairs(pred, target, "distill")
    if teacher.shape != target.shape:
        raise NeuroarenaError(
            f"distill loss needs teacher embeddings of the targets' shape {tuple(target.shape)}, "
            f"got {tuple(teacher.shape)}",
            fix="embed stimuli and targets with the same joint model (e.g. CLIP image and CLIP text)",
        )
    _check_temperature(student_temperature, "distill")
    _check_temperature(teacher_temperature, "distill")
    student = F.log_softmax(cosine_similarities(pred, target) / student_temperature, dim=1)
    teacher_log = F.log_softmax(cosine_similarities(teacher.to(pred.dtype), target) / teacher_temperature, dim=1)
    return F.kl_div(student, teacher_log, reduction="batchmean", log_target=True)
