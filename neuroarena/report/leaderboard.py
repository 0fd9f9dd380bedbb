"""The leaderboard: a query over result records, printed and written as markdown and CSV."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from neuroarena.fileio import write_text_atomic
from neuroarena.metrics.normalized import normalized_score
from neuroarena.results.records import ResultStore
from neuroarena.results.table import records_frame

REFERENCE_MODEL = "dummy"
PERFECT = 1.0


def leaderboard(records: pd.DataFrame) -> pd.DataFrame:
    """Mean ± std over seeds per (task, dataset, model), normalized score, per-task rank and ceiling.

    Runs under different recipes never mix: the recipe overrides are part of the group. The normalized
    score is ``(mean - dummy) / (1 - dummy)`` with ``dummy`` the reference model's mean on the same task
    and dataset (NaN when the reference has not run).

    Parameters
    ----------
    records : DataFrame
        From :func:`~neuroarena.results.table.records_frame`.
    """
    ok = records[records["status"] == "ok"] if len(records) else records
    if ok.empty:
        return pd.DataFrame(columns=["task", "dataset", "model", "metric", "mean", "std", "n_seeds",
                                     "normalized", "rank"])
    group = ["task", "dataset", "model", "family", "primary_metric", "recipe_overrides"]
    table = (ok.groupby(group, dropna=False)
               .agg(mean=("score", "mean"), std=("score", "std"), n_seeds=("seed", "nunique"),
                    ceiling=("ceiling", "max"), n_params=("n_params", "max"), wall_time_s=("wall_time_s", "mean"),
                    peak_memory_mb=("peak_memory_mb", "max"))
               .reset_index().rename(columns={"primary_metric": "metric"}))
    table["std"] = table["std"].fillna(0.0)
    reference = (table[table["model"] == REFERENCE_MODEL]
                 .groupby(["task", "dataset", "recipe_overrides"])["mean"].first())

    def normalize(row) -> float:
        dummy = reference.get((row["task"], row["dataset"], row["recipe_overrides"]), np.nan)
        if np.isnan(dummy) or dummy >= PERFECT:
            return float("nan")
        return normalized_score(row["mean"], dummy, PERFECT)

    table["normalized"] = table.apply(normalize, axis=1)
    table["rank"] = (table.groupby(["task", "dataset", "recipe_overrides"])["mean"]
                     .rank(ascending=False, method="average"))
    return table.sort_values(["task", "dataset", "recipe_overrides", "rank"]).reset_index(drop=True)


def fmt(value: float) -> str:
    """Three decimals, or ``-`` for a missing value."""
    return "-" if pd.isna(value) else f"{value:.3f}"


def to_markdown(table: pd.DataFrame) -> str:
    """The leaderboard as a markdown table."""
    lines = ["| task | dataset | model | metric | mean ± std | seeds | normalized | rank | ceiling | params |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        lines.append(
            f"| {r['task']} | {r['dataset']} | {r['model']} | {r['metric']} | {r['mean']:.3f} ± {r['std']:.3f} "
            f"| {r['n_seeds']} | {fmt(r['normalized'])} | {r['rank']:g} | {fmt(r['ceiling'])} | {int(r['n_params']):,} |")
    return "\n".join(lines) + "\n"


def write_report(results_root: Path, out_dir: Path) -> tuple[pd.DataFrame, dict[str, Path]]:
    """Build the leaderboard from ``results_root/records`` and write ``leaderboard.md`` and ``.csv``."""
    table = leaderboard(records_frame(ResultStore(results_root / "records")))
    paths = {"markdown": out_dir / "leaderboard.md", "csv": out_dir / "leaderboard.csv"}
    write_text_atomic(paths["markdown"], to_markdown(table))
    write_text_atomic(paths["csv"], table.to_csv(index=False))
    return table, paths
