"""The names of the objective's terms, importable without torch (a task file is checked against them)."""
from __future__ import annotations

#: Every term :func:`neuroarena.training.objective.make_objective` builds (its ``TERMS``, in that order).
TERM_NAMES: tuple[str, ...] = (
    "clip", "siglip", "debiased_infonce", "distill", "cosine", "mse", "cross_entropy", "category_ce",
)
