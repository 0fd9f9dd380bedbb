"""Regression losses on (pred, target) pairs: MSE and cosine (the contrastive ones are in ``contrastive``)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from neuroarena.training.contrastive import check_pairs


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
