"""Scores made comparable: 0 = the reference (dummy) model, 1 = perfect."""
from __future__ import annotations

from neuroarena.errors import NeuroarenaError

#: The model every normalized score is measured against; it runs beside every request.
REFERENCE_MODEL = "dummy"


def normalized_score(score: float, dummy: float, perfect: float = 1.0) -> float:
    """``(score - dummy) / (perfect - dummy)``: 0 for the dummy model, 1 for a perfect one.

    Works for lower-is-better metrics too (then ``perfect < dummy``).
    """
    if perfect == dummy:
        raise NeuroarenaError(
            f"cannot normalize: the dummy score equals the perfect score ({perfect})",
            fix="check the dummy model's score; it cannot already be perfect",
        )
    return float((score - dummy) / (perfect - dummy))


def normalization_zero(metric: str, dummy: float) -> float:
    """The score the normalized score puts at 0: the metric's own (NRMSE: 1.0, the mean predictor of the
    test targets) when it defines one, else the reference model's ``dummy`` score."""
    from neuroarena.metrics.registry import metric_info

    zero = metric_info(metric).zero
    return dummy if zero is None else zero


def normalized(metric: str, score: float, dummy: float, ceiling: float | None = None) -> float:
    """``(score - zero) / (perfect - zero)`` (:func:`normalization_zero`), or with ``ceiling`` in place of the
    metric's perfect score the ceiling-normalized score; NaN when the zero or the ceiling is missing or the
    ceiling is no better than the zero in the metric's direction."""
    import math

    from neuroarena.metrics.registry import metric_info

    info = metric_info(metric)
    if dummy is None or math.isnan(dummy):
        return float("nan")
    zero = normalization_zero(metric, dummy)
    top = info.perfect if ceiling is None else ceiling
    if top is None or math.isnan(top) or (top <= zero if info.higher_is_better else top >= zero):
        return float("nan")
    return normalized_score(score, zero, top)
