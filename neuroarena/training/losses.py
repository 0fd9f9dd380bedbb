"""Training losses: cross-entropy, MSE and the CLIP / InfoNCE contrastive loss."""
from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from functools import partial
from typing import Any, Literal

import torch
import torch.nn.functional as F

from neuroarena.errors import NeuroarenaError

Normalize = Literal["both", "pred", "target", "none"]


def _check_pairs(pred: torch.Tensor, target: torch.Tensor, loss: str) -> None:
    if pred.ndim != 2 or pred.shape != target.shape:
        raise NeuroarenaError(
            f"{loss} loss needs pred and target of the same shape (batch, dim), got {tuple(pred.shape)} and "
            f"{tuple(target.shape)}",
            fix="make the model's n_outputs equal the target embedding dimension",
        )


def clip_loss(pred: torch.Tensor, target: torch.Tensor, temperature: float | torch.Tensor = 0.07,
              symmetric: bool = True, normalize: Normalize = "both") -> torch.Tensor:
    """CLIP / InfoNCE loss between predicted and target embeddings.

    ``logits = norm(pred) @ norm(target).T / temperature``; row ``i`` of ``pred``
    is paired with row ``i`` of ``target`` (the diagonal) and every other row of
    the batch is a negative, as in CLIP. If the same stimulus occurs twice in a
    batch, its second copy therefore counts as a negative; a batch sampler that
    draws each stimulus once avoids that.

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

    Returns
    -------
    loss : Tensor, shape ()
    """
    _check_pairs(pred, target, "clip")
    if normalize not in ("both", "pred", "target", "none"):
        raise NeuroarenaError(f"clip loss: unknown normalize={normalize!r}",
                              fix="use 'both', 'pred', 'target' or 'none'")
    if not bool(torch.all(torch.as_tensor(temperature) > 0)):
        raise NeuroarenaError(f"clip loss: temperature must be positive, got {temperature!r}",
                              fix="set a temperature such as 0.07")
    target = target.to(pred.dtype)
    if normalize in ("both", "pred"):
        pred = F.normalize(pred, dim=1)
    if normalize in ("both", "target"):
        target = F.normalize(target, dim=1)
    logits = pred @ target.T / temperature
    diagonal = torch.arange(len(logits), device=logits.device)
    loss = F.cross_entropy(logits, diagonal)
    if symmetric:
        loss = (loss + F.cross_entropy(logits.T, diagonal)) / 2
    return loss


def mse_loss(pred: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Torch's MSE, refusing shapes that would silently broadcast.

    Parameters
    ----------
    pred, target : Tensor, shape (batch, dim)

    Returns
    -------
    loss : Tensor, shape () for reductions "mean" and "sum"
    """
    _check_pairs(pred, target, "mse")
    return F.mse_loss(pred, target.to(pred.dtype), reduction=reduction)


LOSSES: dict[str, Callable[..., torch.Tensor]] = {
    "cross_entropy": F.cross_entropy,
    "mse": mse_loss,
    "clip": clip_loss,
}


def make_loss(name: str, **params: Any) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The loss ``name`` with ``params`` bound: ``loss(pred, target) -> Tensor, shape ()``.

    Parameters
    ----------
    name : {"cross_entropy", "mse", "clip"}
        ``cross_entropy`` takes logits ``(batch, n_classes)`` and labels
        ``(batch,)``; ``mse`` and ``clip`` take ``(batch, dim)`` pairs.
    **params
        Keyword arguments of the loss, e.g. ``label_smoothing=0.1`` or
        ``temperature=0.05``.
    """
    if name not in LOSSES:
        close = difflib.get_close_matches(name, LOSSES, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise NeuroarenaError(f"unknown loss {name!r}", fix=f"{hint}use one of {sorted(LOSSES)}")
    loss = LOSSES[name]
    try:
        inspect.signature(loss).bind(None, None, **params)
    except TypeError as exc:
        raise NeuroarenaError(f"loss {name!r} does not take parameters {sorted(params)} ({exc})",
                              fix="fix the loss parameters in the task") from exc
    return partial(loss, **params)
