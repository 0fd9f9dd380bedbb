"""Scores made comparable: 0 = the dummy model, 1 = perfect; ranks per task."""
from __future__ import annotations

from typing import TYPE_CHECKING

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    import pandas as pd


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


def rank_models(table: "pd.DataFrame", higher_is_better: bool = True) -> "pd.DataFrame":
    """Rank the models within each task; 1 is the best, tied models share the average rank.

    Parameters
    ----------
    table : DataFrame, columns task, model, score
        One row per (task, model); average seeds before ranking.
    higher_is_better : bool

    Returns
    -------
    DataFrame
        ``table`` with a float ``rank`` column added.
    """
    missing = {"task", "model", "score"} - set(table.columns)
    if missing:
        raise NeuroarenaError(f"rank_models needs columns task, model, score; missing {sorted(missing)}",
                              fix="pass a table with those columns")
    duplicated = table.duplicated(["task", "model"])
    if duplicated.any():
        row = table[duplicated].iloc[0]
        raise NeuroarenaError(
            f"{int(duplicated.sum())} repeated (task, model) rows, e.g. ({row['task']!r}, {row['model']!r})",
            fix="average over seeds first, one row per (task, model)",
        )
    ranked = table.copy()
    ranked["rank"] = ranked.groupby("task")["score"].rank(method="average", ascending=not higher_is_better)
    return ranked
