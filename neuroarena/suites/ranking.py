"""The cross-task ranking of a suite: each model's mean normalized rank over the suite's tasks, per category,
with a bootstrap interval over tasks; Kendall's tau between the model orders of two suites (or versions).

Normalized ranks are recomputed within the suite's tasks (``rank / n_models`` per task, 1/n best, 1 last),
so models that ran other tasks too are compared on the suite alone. A task whose records carry a caveat (a
test set of one class, where every model that names it scores 1) does not enter the ranking.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from neuroarena.suites.suite import Suite

COLUMNS = ["model", "n_tasks", "mean_normalized_rank", "ci_low", "ci_high"]


def suite_rows(table: pd.DataFrame, suite: Suite) -> pd.DataFrame:
    """The leaderboard's rows of the suite's tasks, with their ``category`` and ranks within the suite (a task
    whose records carry a caveat is left out).

    Parameters
    ----------
    table : DataFrame
        From :func:`~neuroarena.report.leaderboard.leaderboard` (``task``, ``dataset``, ``model``, ``rank``).
    """
    categories = suite.categories()
    keys = list(zip(table["task"], table["dataset"]))
    flagged = table["caveats"].fillna("") != "" if "caveats" in table.columns else pd.Series(False, table.index)
    caveated = set(zip(table.loc[flagged, "task"], table.loc[flagged, "dataset"]))
    rows = table[[key in categories and key not in caveated for key in keys]].copy()
    rows["category"] = [categories[key] for key in zip(rows["task"], rows["dataset"])]
    rows["normalized_rank"] = rows["rank"] / rows.groupby(["task", "dataset"])["rank"].transform("size")
    return rows


def suite_ranking(table: pd.DataFrame, suite: Suite, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Each model's mean normalized rank over the suite's tasks (best first), a 95 % bootstrap interval over
    tasks, and one column per category (its mean normalized rank there).

    Returns
    -------
    DataFrame, columns :data:`COLUMNS` then one per category
    """
    rows = suite_rows(table, suite)
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    wide = rows.pivot_table(index="model", columns=["task", "dataset"], values="normalized_rank")
    tasks = wide.to_numpy()  # (n_models, n_tasks), NaN where a model did not run a task
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, tasks.shape[1], (n_boot, tasks.shape[1]))
    with np.errstate(invalid="ignore"):
        boot = np.stack([np.nanmean(tasks[:, p], axis=1) for p in picks])  # (n_boot, n_models)
    out = pd.DataFrame({"model": wide.index, "n_tasks": np.isfinite(tasks).sum(axis=1),
                        "mean_normalized_rank": np.nanmean(tasks, axis=1),
                        "ci_low": np.nanquantile(boot, 0.025, axis=0), "ci_high": np.nanquantile(boot, 0.975, axis=0)})
    per_category = rows.groupby(["model", "category"])["normalized_rank"].mean().unstack("category")
    out = out.merge(per_category.reset_index(), on="model", how="left")
    return out.sort_values("mean_normalized_rank", ignore_index=True)


def suite_agreement(table: pd.DataFrame, first: Suite, second: Suite) -> tuple[float, float, int]:
    """Kendall's tau-b between the models' mean normalized ranks under two suites: (tau, p value, models)."""
    from neuroarena.metrics.statistics import kendall_tau

    a, b = (suite_ranking(table, s).set_index("model")["mean_normalized_rank"] for s in (first, second))
    return kendall_tau((-a).to_dict(), (-b).to_dict())
