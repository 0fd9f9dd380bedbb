"""Comparisons on top of the leaderboard: is the best model really better, and do rankings agree."""
from __future__ import annotations

import itertools

import pandas as pd

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.statistics import (
    DECOMPOSABLE_METRICS,
    MIN_TAU_MODELS,
    aligned_items,
    item_outcomes,
    kendall_tau,
    mean_normalized_rank,
    paired_sign_flip_test,
)
from neuroarena.report.leaderboard import MODEL_GROUP, TASK_GROUP, fmt, items_of_group, metric_sign

PAIRED_COLUMNS = ["task", "dataset", "recipe_overrides", "metric", "best", "second", "difference", "p_value",
                  "note"]
AGREEMENT_COLUMNS = ["a", "b", "n_models", "tau", "p_value"]


def _paired(records: pd.DataFrame, rows: pd.DataFrame) -> tuple[float, str]:
    metric = rows["metric"].iloc[0]
    if metric not in DECOMPOSABLE_METRICS:
        return float("nan"), f"no per-item test for {metric}"
    items = []
    for _, row in rows.iterrows():
        mask = records["status"] == "ok"
        for column in (*TASK_GROUP, "model"):
            mask &= records[column] == row[column]
        items.append(items_of_group(records[mask]))
    if any(i is None for i in items):
        return float("nan"), "records without test items"
    try:
        aligned_items(metric, items[0] + items[1])
    except NeuroarenaError:
        return float("nan"), "models tested on different items"
    return paired_sign_flip_test(item_outcomes(metric, items[0]), item_outcomes(metric, items[1])), ""


def paired_tests(records: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Paired sign-flip test between the two best models of each task, on the same test items.

    Per-item outcomes are averaged over each model's seeds first
    (:func:`~neuroarena.metrics.statistics.item_outcomes`); ``p_value`` is two-sided.

    Parameters
    ----------
    records : DataFrame
        With ``test_items`` (:func:`~neuroarena.report.leaderboard.records_with_items`).
    table : DataFrame
        From :func:`~neuroarena.report.leaderboard.leaderboard`.

    Returns
    -------
    DataFrame, one row per task with two models or more
        Columns :data:`PAIRED_COLUMNS`; ``note`` says why a p-value is missing.
    """
    out = []
    for key, rows in table.groupby(TASK_GROUP, dropna=False):
        if len(rows) < 2:
            continue
        top = rows.sort_values(["rank", "model"]).iloc[:2]
        p_value, note = _paired(records, top)
        out.append({**dict(zip(TASK_GROUP, key)), "metric": top["metric"].iloc[0], "best": top["model"].iloc[0],
                    "second": top["model"].iloc[1], "difference": top["mean"].iloc[0] - top["mean"].iloc[1],
                    "p_value": p_value, "note": note})
    return pd.DataFrame(out, columns=PAIRED_COLUMNS)


def rank_agreement(table: pd.DataFrame) -> pd.DataFrame:
    """Kendall's tau between the model orders of every two tasks that share a task name or a dataset.

    Models are intersected; pairs that share fewer than :data:`~neuroarena.metrics.statistics.MIN_TAU_MODELS`
    models are left out (their tau carries no information); tasks under different recipes are not compared.

    Parameters
    ----------
    table : DataFrame
        From :func:`~neuroarena.report.leaderboard.leaderboard`.

    Returns
    -------
    DataFrame, columns :data:`AGREEMENT_COLUMNS`
        ``a`` and ``b`` read ``task / dataset``.
    """
    # each task's scores signed so that higher is better (NRMSE counts negative)
    def signed(rows: pd.DataFrame) -> pd.Series:
        return rows["mean"] * (rows["metric"].map(metric_sign) if "metric" in rows else 1.0)

    scores = {key: dict(zip(rows["model"], signed(rows))) for key, rows in table.groupby(TASK_GROUP, dropna=False)}
    out = []
    for a, b in itertools.combinations(sorted(scores), 2):
        if a[2] != b[2] or (a[0] != b[0] and a[1] != b[1]):
            continue
        tau, p_value, n_models = kendall_tau(scores[a], scores[b])
        if n_models < MIN_TAU_MODELS:
            continue
        out.append({"a": f"{a[0]} / {a[1]}", "b": f"{b[0]} / {b[1]}", "n_models": n_models, "tau": tau,
                    "p_value": p_value})
    return pd.DataFrame(out, columns=AGREEMENT_COLUMNS)


def model_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Each model across tasks: tasks run, mean normalized rank (best first) and mean normalized score.

    Parameters
    ----------
    table : DataFrame
        From :func:`~neuroarena.report.leaderboard.leaderboard`.

    Returns
    -------
    DataFrame, columns model, recipe_overrides, n_tasks, mean_normalized_rank, mean_normalized_score
    """
    summary = mean_normalized_rank(table, TASK_GROUP, MODEL_GROUP)
    scores = table.groupby(MODEL_GROUP, dropna=False)["normalized"].mean().rename("mean_normalized_score")
    return summary.merge(scores.reset_index(), on=MODEL_GROUP, how="left")


def markdown_sections(summary: pd.DataFrame, tests: pd.DataFrame, agreement: pd.DataFrame) -> str:
    """Markdown for :func:`model_summary`, :func:`paired_tests` and :func:`rank_agreement`."""
    lines = ["", "## Models across tasks", "", "| model | recipe | tasks | mean norm. rank | mean normalized |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['model']} | {r['recipe_overrides'] or '-'} | {r['n_tasks']} | {fmt(r['mean_normalized_rank'])} "
              f"| {fmt(r['mean_normalized_score'])} |" for _, r in summary.iterrows()]
    lines += ["", "## Best against second (paired sign-flip test)", "",
              "| task / dataset | best | second | difference | p-value | note |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['task']} / {r['dataset']} | {r['best']} | {r['second']} | {fmt(r['difference'])} "
              f"| {'-' if pd.isna(r['p_value']) else format(r['p_value'], '.4f')} | {r['note']} |"
              for _, r in tests.iterrows()]
    lines += ["", f"## Ranking agreement (Kendall's tau, pairs sharing {MIN_TAU_MODELS} models or more)", "",
              "| a | b | models | tau | p-value |",
              "|---|---|---|---|---|"]
    lines += [f"| {r['a']} | {r['b']} | {r['n_models']} | {fmt(r['tau'])} | {fmt(r['p_value'])} |"
              for _, r in agreement.iterrows()]
    return "\n".join(lines) + "\n"
