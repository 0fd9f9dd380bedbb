"""One output head per subject on a trunk shared by all subjects.

A trunk (any net mapping ``(batch, n_chans, n_times)`` to ``(batch, trunk_dim)``) runs on the
whole batch; head ``s`` runs only on the rows of subject ``s``. Each head is its own module and
only the heads of the subjects in a batch enter the graph, so another subject's head gets no
gradient (``None``) and torch's optimisers leave it untouched, weight decay included.

Any registered net gets heads by appending ``+heads`` to its name (``-m eegnet+heads``): the net
is built with ``trunk_dim`` outputs and becomes the trunk (see :func:`with_subject_heads`).
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from neuroarena.errors import NeuroarenaError

_SUBJECTS_FIX = "build the net with n_subjects = the number of subjects in the data"


def _head(trunk_dim: int, n_outputs: int, hidden: int, dropout: float) -> nn.Module:
    if hidden == 0:
        return nn.Linear(trunk_dim, n_outputs)
    return nn.Sequential(nn.Linear(trunk_dim, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, n_outputs))


class SubjectHeads(nn.Module):
    """A shared trunk followed by one head per subject.

    Parameters
    ----------
    backbone : torch.nn.Module
        The trunk: ``backbone(X)`` (or ``backbone(X, subject)`` when it has ``uses_subject = True``)
        maps X, shape (batch, n_chans, n_times), to shape (batch, trunk_dim).
    trunk_dim : int
        Width of the trunk's output.
    n_outputs : int
        Output size of every head (classes or embedding dimension).
    n_subjects : int
        Number of heads; subject indices run over ``[0, n_subjects)``.
    head_hidden : int
        0: each head is ``Linear(trunk_dim, n_outputs)``; otherwise a two-layer MLP
        ``Linear(trunk_dim, head_hidden) -> GELU -> Dropout -> Linear(head_hidden, n_outputs)``.
    head_dropout : float
        Dropout between the two layers of an MLP head.
    """

    uses_subject = True

    def __init__(self, backbone: nn.Module, trunk_dim: int, n_outputs: int, n_subjects: int, head_hidden: int = 0,
                 head_dropout: float = 0.0):
        super().__init__()
        for label, value, low in (("trunk_dim", trunk_dim, 1), ("n_outputs", n_outputs, 1),
                                  ("n_subjects", n_subjects, 1), ("head_hidden", head_hidden, 0)):
            if int(value) != value or value < low:
                raise NeuroarenaError(f"subject heads: {label} must be an integer >= {low}, got {value!r}",
                                      fix=f"pass a valid {label}")
        self.backbone = backbone
        self.n_outputs = int(n_outputs)
        self.heads = nn.ModuleList([_head(int(trunk_dim), int(n_outputs), int(head_hidden), head_dropout)
                                    for _ in range(int(n_subjects))])

    def trunk(self, X: torch.Tensor, subject: torch.Tensor | None = None) -> torch.Tensor:
        """The shared features, shape (batch, trunk_dim), of X, shape (batch, n_chans, n_times)."""
        if getattr(self.backbone, "uses_subject", False):
            return self.backbone(X, subject)
        return self.backbone(X)

    def forward(self, X: torch.Tensor, subject: torch.Tensor | None = None) -> torch.Tensor:
        """X (batch, n_chans, n_times), subject (batch,) int64 -> (batch, n_outputs).

        ``subject=None`` (no subject known) averages the outputs of all heads.
        """
        features = self.trunk(X, subject)
        if subject is None:
            return torch.stack([head(features) for head in self.heads]).mean(dim=0)
        if subject.shape != (len(features),):
            raise NeuroarenaError(f"subject heads: got {tuple(subject.shape)} subject indices for a batch of "
                                  f"{len(features)} windows", fix="pass one subject index per window")
        present = torch.unique(subject).tolist()
        if not present:
            return features.new_empty(0, self.n_outputs)
        outside = [s for s in present if not 0 <= s < len(self.heads)]
        if outside:
            raise NeuroarenaError(f"subject index {outside[0]} is outside the {len(self.heads)} subject(s) the "
                                  f"net was built for", fix=_SUBJECTS_FIX)
        rows = [subject == s for s in present]
        outputs = [self.heads[s](features[mask]) for s, mask in zip(present, rows)]
        out = features.new_empty(len(features), self.n_outputs, dtype=outputs[0].dtype)
        for mask, output in zip(rows, outputs):
            out[mask] = output
        return out


def with_subject_heads(builder: Callable[..., nn.Module]) -> Callable[..., SubjectHeads]:
    """A model builder that builds ``builder``'s net as the trunk of :class:`SubjectHeads`.

    The returned builder takes ``builder``'s parameters plus ``n_subjects`` (passed by the runner),
    ``trunk_dim`` (the trunk net's output size, default 128), ``head_hidden`` (0: linear heads) and
    ``head_dropout``. A trunk net that itself takes ``n_subjects`` gets it too.

    Parameters
    ----------
    builder : callable
        A builder of the registry contract (keyword arguments ``n_chans, n_outputs, n_times, sfreq,
        chs_info, target_kind`` and its own parameters) returning a ``torch.nn.Module``.

    Returns
    -------
    build : callable
        Same contract; the net maps ``(X, subject)``, shapes (batch, n_chans, n_times) and (batch,),
        to (batch, n_outputs).
    """
    signature = inspect.signature(builder)
    takes_subjects = "n_subjects" in signature.parameters

    def build(*, n_outputs: int, n_subjects: int = 1, trunk_dim: int = 128, head_hidden: int = 0,
              head_dropout: float = 0.0, **params: Any) -> SubjectHeads:
        if takes_subjects:
            params["n_subjects"] = n_subjects
        backbone = builder(n_outputs=trunk_dim, **params)
        return SubjectHeads(backbone, trunk_dim, n_outputs, n_subjects, head_hidden, head_dropout)

    own = [parameter for name, parameter in inspect.signature(build).parameters.items()
           if name not in signature.parameters and parameter.kind is inspect.Parameter.KEYWORD_ONLY]
    theirs = list(signature.parameters.values())
    var_keyword = [parameter for parameter in theirs if parameter.kind is inspect.Parameter.VAR_KEYWORD]
    fixed = [parameter for parameter in theirs if parameter.kind is not inspect.Parameter.VAR_KEYWORD]
    build.__signature__ = signature.replace(parameters=[*fixed, *own, *var_keyword],
                                            return_annotation=SubjectHeads)
    build.__name__ = build.__qualname__ = f"{builder.__name__}_with_subject_heads"
    build.__doc__ = f"{(builder.__doc__ or builder.__name__).strip().splitlines()[0]} One head per subject."
    return build
