"""Scores: the raw value, the ceiling, the ceiled value and its error, with the normalisation named.

The normalisation of an encoding score is an explicit, versioned choice, recorded in every score:

- ``r2/ceiling`` (Brain-Score since 2026): ``sign(r) r² / ρ``, the share of the explainable variance
  explained, where ``ρ`` is the split-half reliability of the mean response (Spearman–Brown corrected):
  a perfect model's ``r`` with the noisy mean is ``sqrt(ρ)``, so it scores 1;
- ``(r/ceiling)^2`` (before): ``sign(r) (r / ρ)²``, which gives a perfect model ``1 / ρ``.

Similarity scores (RSA, CKA) are ``value / ceiling`` and behaviour ``(accuracy − chance) / (ceiling −
chance)``. The ceiled value is kept unclipped; only the leaderboard clips it to [0, 1].
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from neuroarena.errors import NeuroarenaError

NORMALISATIONS = ("r2/ceiling", "(r/ceiling)^2")
#: Raised when the meaning of a ceiled score changes.
SCORE_VERSION = 1
#: Below this ceiling a time bin holds no reliable response: its ceiled value is NaN (not a huge ratio).
MIN_CEILING = 0.05


def normalise(raw: float | np.ndarray, ceiling: float | np.ndarray, normalisation: str) -> np.ndarray:
    """The ceiled value of encoding correlations ``raw`` against reliabilities ``ceiling`` (same shape).

    NaN where the ceiling is below :data:`MIN_CEILING`.
    """
    raw, ceiling = np.asarray(raw, dtype=float), np.asarray(ceiling, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if normalisation == "r2/ceiling":
            value = np.sign(raw) * raw**2 / ceiling
        elif normalisation == "(r/ceiling)^2":
            value = np.sign(raw) * (raw / ceiling) ** 2
        elif normalisation == "ratio":
            value = raw / ceiling
        else:
            raise NeuroarenaError(f"unknown normalisation {normalisation!r}",
                                  fix=f"use one of {', '.join(NORMALISATIONS)}")
    return np.where(ceiling >= MIN_CEILING, value, np.nan)


@dataclass
class AlignmentScore:
    """A benchmark's verdict on one model.

    Attributes
    ----------
    raw, ceiling, ceiled, error : float
        Mean over subjects (behaviour: over triplets); ``error`` is the standard error of ``ceiled``.
    normalisation : str
    per_subject : dict
        Subject -> {raw, ceiling, ceiled}.
    curve : dict
        Time-resolved benchmarks: ``times_ms``, ``raw``, ``ceiling``, ``ceiled`` (n_times,) and the summary
        ``peak`` (value) and ``peak_ms`` (latency); empty otherwise.
    facts : dict
        What else the score rests on (layer committed, neuroids, triplets, ...).
    """

    raw: float
    ceiling: float
    ceiled: float
    error: float
    normalisation: str
    per_subject: dict[str, dict[str, float]] = field(default_factory=dict)
    curve: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    version: int = SCORE_VERSION

    def metrics(self) -> dict[str, float]:
        """The record's metrics: raw, ceiling, ceiled, error (and the curve's peak and latency)."""
        out = {"raw": self.raw, "ceiling": self.ceiling, "ceiled": self.ceiled, "error": self.error}
        if self.curve:
            out |= {"peak": self.curve["peak"], "peak_ms": self.curve["peak_ms"]}
        return {k: float(v) for k, v in out.items()}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def over_subjects(per_subject: dict[str, dict[str, float]], normalisation: str, **extra: Any) -> AlignmentScore:
    """The score whose raw, ceiling and ceiled values are the means over subjects, error their standard error."""
    ceiled = np.array([s["ceiled"] for s in per_subject.values()], dtype=float)
    error = float(np.nanstd(ceiled, ddof=1) / np.sqrt(np.isfinite(ceiled).sum())) if len(ceiled) > 1 else np.nan
    return AlignmentScore(raw=float(np.nanmean([s["raw"] for s in per_subject.values()])),
                          ceiling=float(np.nanmean([s["ceiling"] for s in per_subject.values()])),
                          ceiled=float(np.nanmean(ceiled)), error=error, normalisation=normalisation,
                          per_subject=per_subject, **extra)


def curve_summary(times_ms: np.ndarray, raw: np.ndarray, ceiling: np.ndarray, ceiled: np.ndarray) -> dict[str, Any]:
    """A time-resolved score as a curve, with its peak (ceiled value and latency) and the latency of the raw
    curve's peak (less noisy where the ceiling is low); arrays (n_times,)."""
    finite = np.isfinite(ceiled)
    peak = int(np.nanargmax(np.where(finite, ceiled, -np.inf))) if finite.any() else 0
    raw_peak = int(np.nanargmax(np.where(np.isfinite(raw), raw, -np.inf))) if np.isfinite(raw).any() else 0
    return {"times_ms": np.asarray(times_ms, dtype=float).tolist(), "raw": np.asarray(raw, dtype=float).tolist(),
            "ceiling": np.asarray(ceiling, dtype=float).tolist(), "ceiled": np.asarray(ceiled, dtype=float).tolist(),
            "peak": float(ceiled[peak]) if finite.any() else float("nan"), "peak_ms": float(times_ms[peak]),
            "raw_peak_ms": float(times_ms[raw_peak]), "bins_scored": int(finite.sum())}
