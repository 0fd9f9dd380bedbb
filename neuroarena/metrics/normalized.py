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
