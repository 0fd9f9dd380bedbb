"""Training losses on (pred, target) pairs: cross-entropy, MSE, cosine, and CLIP / InfoNCE by name."""
from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from functools import partial
from typing import Any

import torch
import torch.nn.functional as F

from neuroarena.errors import NeuroarenaError
from neuroarena.training.contrastive import check_pairs, clip_loss


def mse_loss(pred: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Torch's MSE, refusing shapes that would silently broadcast.

    Parameters
    ----------
    pred, target : Tensor, shape (batch, dim)

    Returns
    -------
    loss : Tensor, shape () for reductions "mean" and "sum"
    """
    check_pairs(pred, target, "mse")
    return F.mse_loss(pred, target.to(pred.dtype), reduction=reduction)


def cosine_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over rows of ``1 - cos(pred_i, target_i)``.

    Parameters
    ----------
    pred, target : Tensor, shape (batch, dim)

    Returns
    -------
    loss : Tensor, shape ()
    """
    check_pairs(pred, target, "cosine")
    return (1 - F.cosine_similarity(pred, target.to(pred.dtype), dim=1)).mean()


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
