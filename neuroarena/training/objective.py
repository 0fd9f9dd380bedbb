"""Training objectives: a weighted sum of loss terms, each reading what it needs from the batch.

A batch is a dict of tensors: ``"y"`` (target embeddings (batch, d) or class indices
(batch,)) and, when the task provides them, ``"label"`` (category index (batch,)),
``"teacher"`` (the teacher's embedding of each stimulus (batch, d_t)), ``"stimulus"``
(stimulus index (batch,); equal values are the same stimulus), ``"target_group"`` (batch,; equal values
have identical targets: the same stimulus, or stimuli with one caption) and ``"subject"`` (batch,).
"""
from __future__ import annotations

import difflib
import inspect
import math
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from neuroarena.errors import NeuroarenaError
from neuroarena.training.contrastive import Normalize, clip_loss, debiased_infonce_loss, distill_loss, siglip_loss
from neuroarena.training.losses import cosine_loss, mse_loss

if TYPE_CHECKING:
    from neuroarena.tasks.config import ObjectiveConfig

Batch = Mapping[str, torch.Tensor]

#: CLIP's cap on a learned logit scale (1 / temperature).
MAX_LOGIT_SCALE = 100.0
_CONTEXT = ("dim", "n_classes")


class Term(nn.Module):
    """One loss term, ``forward(pred, batch) -> Tensor, shape ()``; ``requires`` names the batch keys it reads."""

    requires: tuple[str, ...] = ("y",)

    def missing_key_fix(self, key: str) -> str:
        """What to do when the task does not provide batch key ``key``."""
        return f"use a task that provides '{key}', or drop this term"


class Temperature(nn.Module):
    """A softmax temperature, fixed, or learned as CLIP's log-scale ``log(1/temperature)`` capped at 100.

    Parameters
    ----------
    initial : float
        The (initial) temperature; a learnable one must be at least ``1 / MAX_LOGIT_SCALE``.
    learnable : bool
        Learn ``log_scale`` (initialised to ``-log(initial)``); the temperature is
        ``1 / exp(min(log_scale, log 100))``, so above the cap it stays 0.01 and ``log_scale`` gets no gradient.
    """

    def __init__(self, initial: float, learnable: bool):
        super().__init__()
        if not initial > 0 or (learnable and 1 / initial > MAX_LOGIT_SCALE):
            need = f"at least {1 / MAX_LOGIT_SCALE:g} when learnable" if learnable else "positive"
            raise NeuroarenaError(f"temperature must be {need}, got {initial!r}",
                                  fix="set a temperature such as 0.07")
        self.initial = initial
        log_scale = nn.Parameter(torch.tensor(-math.log(initial))) if learnable else None
        self.register_parameter("log_scale", log_scale)

    def forward(self) -> float | torch.Tensor:
        """The temperature: a float if fixed, a scalar tensor (with gradient) if learned."""
        if self.log_scale is None:
            return self.initial
        return torch.exp(-self.log_scale.clamp(max=math.log(MAX_LOGIT_SCALE)))


class ClipTerm(Term):
    """CLIP / InfoNCE (:func:`~neuroarena.training.contrastive.clip_loss`) of ``pred`` against ``y``.

    ``mask_repeats`` removes from the negatives every row of the positive's ``target_group``: a repeat
    of its stimulus, or another stimulus with an identical target (two images with the same caption);
    it needs the batch key ``"target_group"``.
    """

    def __init__(self, temperature: float = 0.07, learnable_temperature: bool = False, symmetric: bool = True,
                 normalize: Normalize = "both", mask_repeats: bool = True):
        super().__init__()
        if normalize not in ("both", "pred", "target", "none"):
            raise NeuroarenaError(f"clip normalize must be 'both', 'pred', 'target' or 'none', got {normalize!r}",
                                  fix="use normalize: both (cosine similarity)")
        self.temperature = Temperature(temperature, learnable_temperature)
        self.symmetric, self.normalize, self.mask_repeats = symmetric, normalize, mask_repeats
        self.requires = ("y", "target_group") if mask_repeats else ("y",)

    def forward(self, pred: torch.Tensor, batch: Batch) -> torch.Tensor:
        groups = batch["target_group"] if self.mask_repeats else None
        return clip_loss(pred, batch["y"], self.temperature(), self.symmetric, self.normalize, groups)

    def missing_key_fix(self, key: str) -> str:
        return f"set mask_repeats: false, or {super().missing_key_fix(key)}"


class SiglipTerm(Term):
    """SigLIP's sigmoid loss (:func:`~neuroarena.training.contrastive.siglip_loss`), ``t = exp(t')`` and ``b`` learned.

    ``scale`` and ``bias`` are the initial ``t`` and ``b`` (the paper's 10 and -10);
    with ``mask_repeats`` a pair of the same ``"target_group"`` (a repeat, or an identical target) is a positive.
    """

    def __init__(self, scale: float = 10.0, bias: float = -10.0, mask_repeats: bool = True):
        super().__init__()
        if not scale > 0:
            raise NeuroarenaError(f"siglip scale must be positive, got {scale!r}", fix="use the paper's 10")
        self.log_scale = nn.Parameter(torch.tensor(math.log(scale)))
        self.bias = nn.Parameter(torch.tensor(float(bias)))
        self.mask_repeats = mask_repeats
        self.requires = ("y", "target_group") if mask_repeats else ("y",)

    def forward(self, pred: torch.Tensor, batch: Batch) -> torch.Tensor:
        groups = batch["target_group"] if self.mask_repeats else None
        return siglip_loss(pred, batch["y"], self.log_scale.exp(), self.bias, groups)

    def missing_key_fix(self, key: str) -> str:
        return f"set mask_repeats: false, or {super().missing_key_fix(key)}"


class DebiasedInfonceTerm(Term):
    """InfoNCE with near-duplicate negatives removed or down-weighted
    (:func:`~neuroarena.training.contrastive.debiased_infonce_loss`)."""

    def __init__(self, temperature: float = 0.07, learnable_temperature: bool = False, threshold: float = 0.9,
                 weight: float = 0.0, symmetric: bool = True):
        super().__init__()
        self.temperature = Temperature(temperature, learnable_temperature)
        self.threshold, self.weight, self.symmetric = threshold, weight, symmetric

    def forward(self, pred: torch.Tensor, batch: Batch) -> torch.Tensor:
        return debiased_infonce_loss(pred, batch["y"], self.temperature(), self.threshold, self.weight,
                                     self.symmetric)


class DistillTerm(Term):
    """KL(teacher || student) over the batch's candidates ``y`` (:func:`~neuroarena.training.contrastive.distill_loss`)."""

    requires = ("y", "teacher")

    def __init__(self, student_temperature: float = 0.07, teacher_temperature: float = 0.07):
        super().__init__()
        self.student_temperature, self.teacher_temperature = student_temperature, teacher_temperature

    def forward(self, pred: torch.Tensor, batch: Batch) -> torch.Tensor:
        return distill_loss(pred, batch["y"], batch["teacher"], self.student_temperature, self.teacher_temperature)


class CosineTerm(Term):
    """Mean ``1 - cos(pred_i, y_i)``."""

    def forward(self, pred: torch.Tensor, batch: Batch) -> torch.Tensor:
        return cosine_loss(pred, batch["y"])


class MseTerm(Term):
    """Mean squared error between ``pred`` and ``y``."""

    def forward(self, pred: torch.Tensor, batch: Batch) -> torch.Tensor:
        return mse_loss(pred, batch["y"])


def _class_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, key: str, smoothing: float) -> torch.Tensor:
    if logits.ndim != 2 or labels.shape != logits.shape[:1] or labels.is_floating_point():
        raise NeuroarenaError(
            f"cross-entropy needs logits (batch, n_classes) and integer '{key}' (batch,), got "
            f"{tuple(logits.shape)} and {tuple(labels.shape)} {labels.dtype}",
            fix="use a classification target, or an embedding loss such as clip",
        )
    return F.cross_entropy(logits, labels, label_smoothing=smoothing)


class CrossEntropyTerm(Term):
    """Cross-entropy of the logits ``pred`` (batch, n_classes) against class indices ``batch[target]``."""

    def __init__(self, target: str = "y", label_smoothing: float = 0.0):
        super().__init__()
        if target not in ("y", "label"):
            raise NeuroarenaError(f"cross_entropy target must be 'y' or 'label', got {target!r}",
                                  fix="set target: y (the task's target) or target: label (the category)")
        self.target, self.label_smoothing = target, label_smoothing
        self.requires = (target,)

    def forward(self, pred: torch.Tensor, batch: Batch) -> torch.Tensor:
        return _class_cross_entropy(pred, batch[self.target], self.target, self.label_smoothing)


class CategoryCETerm(Term):
    """Auxiliary category cross-entropy through a linear head ``Linear(dim, n_classes)`` on the embedding."""

    requires = ("label",)

    def __init__(self, dim: int, n_classes: int | None, label_smoothing: float = 0.0):
        super().__init__()
        if not n_classes:
            raise NeuroarenaError("objective term 'category_ce' needs the number of categories, and none was given",
                                  fix="use a task whose stimuli have categories, or drop the term")
        self.head = nn.Linear(dim, n_classes)
        self.label_smoothing = label_smoothing

    def forward(self, pred: torch.Tensor, batch: Batch) -> torch.Tensor:
        return _class_cross_entropy(self.head(pred), batch["label"], "label", self.label_smoothing)


TERMS: dict[str, type[Term]] = {
    "clip": ClipTerm,
    "siglip": SiglipTerm,
    "debiased_infonce": DebiasedInfonceTerm,
    "distill": DistillTerm,
    "cosine": CosineTerm,
    "mse": MseTerm,
    "cross_entropy": CrossEntropyTerm,
    "category_ce": CategoryCETerm,
}


def make_term(name: str, params: Mapping[str, Any], dim: int, n_classes: int | None) -> Term:
    """The term ``name`` built with ``params`` (and ``dim``/``n_classes`` where it takes them)."""
    if name not in TERMS:
        close = difflib.get_close_matches(name, TERMS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise NeuroarenaError(f"unknown objective term {name!r}", fix=f"{hint}use one of {sorted(TERMS)}")
    cls = TERMS[name]
    takes = inspect.signature(cls).parameters
    accepted = [p for p in takes if p not in _CONTEXT]
    wrong = sorted(set(params) - set(accepted))
    if wrong:
        raise NeuroarenaError(f"objective term {name!r} does not take parameters {wrong}",
                              fix=f"use only {accepted}" if accepted else "remove its params")
    context = {k: v for k, v in {"dim": dim, "n_classes": n_classes}.items() if k in takes}
    return cls(**params, **context)


def _labels(names: Sequence[str]) -> list[str]:
    """``["clip", "mse", "clip"]`` -> ``["clip", "mse", "clip_2"]``."""
    labels: list[str] = []
    for name in names:
        labels.append(name if name not in labels else f"{name}_{sum(n == name for n in labels) + 1}")
    return labels


class Objective(nn.Module):
    """Weighted sum of loss terms: ``objective(pred, batch) = sum_k weight_k * term_k(pred, batch)``.

    Parameters
    ----------
    terms : sequence of (name, weight, params)
        Term names from :data:`TERMS`, weights >= 0 (not all 0), and keyword parameters.
    dim : int
        Width of ``pred``: embedding dimension, or number of classes for logits.
    n_classes : int, optional
        Number of categories (for ``category_ce``).
    available_keys : collection of str, optional
        Batch keys the task provides; a term needing another one is refused here.

    Attributes
    ----------
    names : list of str
        One label per term (its name, ``name_2`` for a second term of the same name).
    last_values : dict of str to Tensor, shape ()
        Unweighted, detached value of each term in the last call (for logging).
    """

    def __init__(self, terms: Sequence[tuple[str, float, Mapping[str, Any]]], dim: int,
                 n_classes: int | None = None, available_keys: Collection[str] | None = None):
        super().__init__()
        if not terms:
            raise NeuroarenaError("an objective needs at least one term", fix="add a term such as {loss: clip}")
        self.weights = [float(weight) for _, weight, _ in terms]
        if not all(math.isfinite(w) and w >= 0 for w in self.weights) or sum(self.weights) == 0:
            raise NeuroarenaError(f"objective weights must be finite, >= 0 and not all 0, got {self.weights}",
                                  fix="give each term a weight such as 1.0")
        self.names = _labels([name for name, _, _ in terms])
        self.terms = nn.ModuleList(make_term(name, params, dim, n_classes) for name, _, params in terms)
        self.last_values: dict[str, torch.Tensor] = {}
        if available_keys is not None:
            self._check_keys(available_keys)

    def _check_keys(self, keys: Collection[str]) -> None:
        for name, term in zip(self.names, self.terms):
            for key in term.requires:
                if key not in keys:
                    raise NeuroarenaError(f"objective term '{name}' needs batch key '{key}', which the task does "
                                          f"not provide (it has {sorted(keys)})", fix=term.missing_key_fix(key))

    def forward(self, pred: torch.Tensor, batch: Batch) -> torch.Tensor:
        """Weighted total loss, shape (), of ``pred`` (batch, dim) on ``batch``; fills ``last_values``."""
        self._check_keys(batch.keys())
        values = [term(pred, batch) for term in self.terms]
        self.last_values = {name: value.detach() for name, value in zip(self.names, values)}
        return sum(weight * value for weight, value in zip(self.weights, values))


def make_objective(config: ObjectiveConfig, dim: int, n_classes: int | None,
                   available_keys: Collection[str]) -> Objective:
    """The :class:`Objective` of a task's ``objective:`` section.

    Parameters
    ----------
    config : ObjectiveConfig
    dim : int
        Width of the model's output (batch, dim).
    n_classes : int or None
        Number of categories, or None if the task has none.
    available_keys : collection of str
        Batch keys the task provides (``"y"``, ``"label"``, ``"teacher"``, ``"stimulus"``, ``"target_group"``,
        ``"subject"``).
    """
    return Objective([(t.loss, t.weight, t.params) for t in config.terms], dim, n_classes, available_keys)
