"""Every metric by name, with what it needs, its direction and its perfect value.

Full-set retrieval metrics (``top1``, ``recall5``, ``map``, ...) are scored **per subject**, as the
THINGS-EEG literature does: a subject's repeated presentations are averaged within the subject, its
candidates are the stimuli it was tested on, and the score is the mean over subjects. The same metric
with every subject's presentations averaged together, over all test stimuli, is ``<name>_pooled``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Literal

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.caption import caption_map, class_map, class_recall
from neuroarena.metrics.classification import accuracy, balanced_accuracy, f1_macro
from neuroarena.metrics.regression import nrmse, pearson_r, rmse, subject_means
from neuroarena.metrics.retrieval import batch_topk, full_set_topk


@dataclass(frozen=True)
class MetricInputs:
    """The standard bundle every metric is computed from (see :func:`compute_metrics`)."""

    pred: np.ndarray
    target: np.ndarray | None = None
    labels: np.ndarray | None = None
    stimulus: np.ndarray | None = None
    candidate_ids: np.ndarray | None = None
    candidate_emb: np.ndarray | None = None
    candidate_category: np.ndarray | None = None
    category: np.ndarray | None = None
    subject: np.ndarray | None = None
    batch_size: int = 128

    def subset(self, rows: np.ndarray) -> "MetricInputs":
        """The inputs of the rows where ``rows`` (bool, shape (n,)) is true; the candidates are cut to the
        stimuli of those rows."""
        cut = {name: None if getattr(self, name) is None else getattr(self, name)[rows]
               for name in ("pred", "target", "labels", "stimulus", "category", "subject")}
        if self.candidate_ids is not None and self.stimulus is not None:
            keep = np.isin(self.candidate_ids, self.stimulus[rows])
            cut |= {name: None if getattr(self, name) is None else getattr(self, name)[keep]
                    for name in ("candidate_ids", "candidate_emb", "candidate_category")}
        return replace(self, **cut)

    def require(self, metric: str, *names: str) -> list[Any]:
        """The named fields, or an error naming the ones that are missing."""
        missing = [name for name in names if getattr(self, name) is None]
        if missing:
            raise NeuroarenaError(f"metric {metric!r} needs {', '.join(missing)}",
                                  fix=f"pass {', '.join(missing)} to compute_metrics")
        return [getattr(self, name) for name in names]


@dataclass(frozen=True)
class MetricInfo:
    """A named metric.

    Parameters
    ----------
    compute : callable
        ``compute(inputs: MetricInputs) -> float``.
    higher_is_better : bool
    perfect : float
        The score of a perfect model (the 1 of the normalized score).
    kind : {"classification", "retrieval", "regression"}
    per_subject : bool
        Scored on each subject alone and averaged over subjects (needs ``subject``).
    zero : float, optional
        The score the normalized score puts at 0 when the metric defines one (NRMSE: 1.0, the mean
        predictor); None: the dummy model's score.
    """

    compute: Callable[[MetricInputs], float]
    higher_is_better: bool
    perfect: float
    kind: Literal["classification", "retrieval", "regression"]
    per_subject: bool = False
    zero: float | None = None


def _classification(name: str, score: Callable[[np.ndarray, np.ndarray], float]) -> MetricInfo:
    def compute(inputs: MetricInputs) -> float:
        (labels,) = inputs.require(name, "labels")
        return score(labels, inputs.pred)

    return MetricInfo(compute, higher_is_better=True, perfect=1.0, kind="classification")


def _regression(name: str, score: Callable[[np.ndarray, np.ndarray], float], higher_is_better: bool,
                perfect: float, by_subject: bool = False, zero: float | None = None) -> MetricInfo:
    """A regression metric of ``target`` (n, 1) and ``pred`` (n, 1); ``by_subject`` scores each subject's
    mean prediction against its mean target (a subject-level trait: one value per subject)."""
    def compute(inputs: MetricInputs) -> float:
        if by_subject:
            target, subject = inputs.require(name, "target", "subject")
            return score(subject_means(target, subject), subject_means(inputs.pred, subject))
        (target,) = inputs.require(name, "target")
        return score(target, inputs.pred)

    return MetricInfo(compute, higher_is_better=higher_is_better, perfect=perfect, kind="regression", zero=zero)


def _full_set(name: str, k: int) -> MetricInfo:
    def compute(inputs: MetricInputs) -> float:
        stimulus, ids, emb = inputs.require(name, "stimulus", "candidate_ids", "candidate_emb")
        return full_set_topk(inputs.pred, stimulus, ids, emb, k)

    return MetricInfo(compute, higher_is_better=True, perfect=1.0, kind="retrieval")


def _batch(name: str, k: int) -> MetricInfo:
    def compute(inputs: MetricInputs) -> float:
        (target,) = inputs.require(name, "target")
        return batch_topk(inputs.pred, target, k, inputs.batch_size)

    return MetricInfo(compute, higher_is_better=True, perfect=1.0, kind="retrieval")


def _caption(name: str, k: int | None, class_aware: bool) -> MetricInfo:
    def compute(inputs: MetricInputs) -> float:
        fields = ("stimulus", "candidate_ids", "candidate_emb") + (("candidate_category",) if class_aware else ())
        args = inputs.require(name, *fields)
        if class_aware:
            if k is None:
                return class_map(inputs.pred, *args, category=inputs.category)
            return class_recall(inputs.pred, *args, k, category=inputs.category)
        return caption_map(inputs.pred, *args) if k is None else full_set_topk(inputs.pred, *args, k)

    return MetricInfo(compute, higher_is_better=True, perfect=1.0, kind="retrieval")


def subject_mean(name: str, pooled: MetricInfo) -> MetricInfo:
    """``pooled`` computed on each subject's rows alone (see :meth:`MetricInputs.subset`), averaged over subjects."""
    def compute(inputs: MetricInputs) -> float:
        (subject,) = inputs.require(name, "subject")
        return float(np.mean([pooled.compute(inputs.subset(subject == s)) for s in np.unique(subject)]))

    return MetricInfo(compute, pooled.higher_is_better, pooled.perfect, pooled.kind, per_subject=True)


_FULL_SET: dict[str, MetricInfo] = {
    "top1": _full_set("top1", 1),
    "top5": _full_set("top5", 5),
    "recall1": _caption("recall1", 1, class_aware=False),
    "recall3": _caption("recall3", 3, class_aware=False),
    "recall5": _caption("recall5", 5, class_aware=False),
    "recall1_class": _caption("recall1_class", 1, class_aware=True),
    "recall3_class": _caption("recall3_class", 3, class_aware=True),
    "recall5_class": _caption("recall5_class", 5, class_aware=True),
    "map": _caption("map", None, class_aware=False),
    "map_class": _caption("map_class", None, class_aware=True),
}

METRICS: dict[str, MetricInfo] = {
    "accuracy": _classification("accuracy", accuracy),
    "balanced_accuracy": _classification("balanced_accuracy", balanced_accuracy),
    "f1_macro": _classification("f1_macro", f1_macro),
    **{name: subject_mean(name, info) for name, info in _FULL_SET.items()},
    **{f"{name}_pooled": info for name, info in _FULL_SET.items()},
    "nrmse": _regression("nrmse", nrmse, higher_is_better=False, perfect=0.0, zero=1.0),
    "nrmse_subject": _regression("nrmse_subject", nrmse, higher_is_better=False, perfect=0.0, by_subject=True,
                                 zero=1.0),
    "rmse": _regression("rmse", rmse, higher_is_better=False, perfect=0.0),
    "pearson_r": _regression("pearson_r", pearson_r, higher_is_better=True, perfect=1.0),
    "pearson_r_subject": _regression("pearson_r_subject", pearson_r, higher_is_better=True, perfect=1.0,
                                     by_subject=True),
    "top1_batch": _batch("top1_batch", 1),
    "top5_batch": _batch("top5_batch", 5),
}


def metric_info(name: str) -> MetricInfo:
    """The :class:`MetricInfo` called ``name``; an unknown name lists the known ones."""
    if name not in METRICS:
        raise NeuroarenaError(f"unknown metric {name!r}", fix=f"use one of {', '.join(sorted(METRICS))}")
    return METRICS[name]


def compute_metrics(
    names: list[str] | tuple[str, ...],
    *,
    pred: np.ndarray,
    target: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    stimulus: np.ndarray | None = None,
    candidate_ids: np.ndarray | None = None,
    candidate_emb: np.ndarray | None = None,
    candidate_category: np.ndarray | None = None,
    category: np.ndarray | None = None,
    subject: np.ndarray | None = None,
    batch_size: int = 128,
) -> dict[str, float]:
    """Compute the named metrics from one set of test outputs.

    Parameters
    ----------
    names : list of str
        Keys of :data:`METRICS`.
    pred : ndarray, shape (n, n_classes), (n,) or (n, d)
        Classification: logits or labels. Retrieval: one embedding per window. Regression: shape (n, 1).
    target : ndarray, shape (n, d), optional
        Retrieval: the true embedding of each window (batch metrics). Regression: the true value, (n, 1).
    labels : ndarray of int, shape (n,), optional
        Classification: the true labels.
    stimulus : ndarray, shape (n,), optional
        Retrieval: the stimulus id of each window (full-set metrics).
    candidate_ids : ndarray, shape (m,), optional
    candidate_emb : ndarray, shape (m, d), optional
        Retrieval: the full candidate set.
    candidate_category : ndarray, shape (m,), optional
        Caption retrieval: the category of each candidate (class-aware metrics).
    category : ndarray, shape (n,), optional
        Caption retrieval: the category of each window, checked against its caption's.
    subject : ndarray, shape (n,), optional
        The subject of each window (per-subject metrics).
    batch_size : int
        Batch size of the ``*_batch`` metrics.

    Returns
    -------
    dict
        Metric name -> score, in the order of ``names``.
    """
    infos = {name: metric_info(name) for name in names}
    inputs = MetricInputs(
        pred=np.asarray(pred),
        target=None if target is None else np.asarray(target),
        labels=None if labels is None else np.asarray(labels),
        stimulus=None if stimulus is None else np.asarray(stimulus),
        candidate_ids=None if candidate_ids is None else np.asarray(candidate_ids),
        candidate_emb=None if candidate_emb is None else np.asarray(candidate_emb),
        candidate_category=None if candidate_category is None else np.asarray(candidate_category),
        category=None if category is None else np.asarray(category),
        subject=None if subject is None else np.asarray(subject),
        batch_size=batch_size,
    )
    return {name: float(info.compute(inputs)) for name, info in infos.items()}
