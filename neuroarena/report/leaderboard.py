"""The leaderboard: a query over result records, printed and written as markdown, CSV and HTML."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from neuroarena.fileio import write_text_atomic
from neuroarena.metrics.normalized import REFERENCE_MODEL, normalized
from neuroarena.metrics.registry import METRICS
from neuroarena.metrics.statistics import bootstrap_ci, mean_normalized_rank, normalized_ranks, supports_items
from neuroarena.models.pretraining import pretraining_overlap
from neuroarena.results.records import ResultRecord, ResultStore
from neuroarena.results.table import records_frame

GROUP = ["task", "dataset", "model", "family", "primary_metric", "recipe_overrides"]
TASK_GROUP = ["task", "dataset", "recipe_overrides"]
MODEL_GROUP = ["model", "recipe_overrides"]
COLUMNS = ["task", "dataset", "model", "family", "metric", "recipe_overrides", "mean", "std", "n_seeds", "subject_sd",
           "ceiling", "n_params", "wall_time_s", "peak_memory_mb", "normalized", "ceiling_normalized", "rank",
           "ci_low", "ci_high", "normalized_rank", "mean_normalized_rank", "pretraining_overlap", "caveats"]


def records_with_items(records: Iterable[ResultRecord]) -> pd.DataFrame:
    """:func:`~neuroarena.results.table.records_frame` plus the ``test_items`` and ``analyses`` columns (one dict
    per record)."""
    records = list(records)
    frame = records_frame(records)
    frame["test_items"] = [r.test_items for r in records]
    frame["analyses"] = [r.analyses for r in records]
    return frame


def items_of_group(rows: pd.DataFrame) -> list[dict] | None:
    """The ``test_items`` of every seed in ``rows``, or None when any seed lacks them."""
    if "test_items" not in rows.columns:
        return None
    items = [i for i in rows.sort_values("seed")["test_items"] if isinstance(i, dict) and i]
    return items if len(items) == len(rows) else None


def _interval(rows: pd.DataFrame, n_boot: int) -> tuple[float, float]:
    metric, items = rows["primary_metric"].iloc[0], items_of_group(rows)
    if items is None or not supports_items(metric):
        return float("nan"), float("nan")
    return bootstrap_ci(metric, items, n_boot=n_boot)


def leaderboard(records: pd.DataFrame, n_boot: int = 2000) -> pd.DataFrame:
    """Mean ± std over seeds per (task, dataset, model), 95 % CI, normalized score, ranks and ceiling.

    Runs under different recipes never mix: the recipe overrides are part of the group. The normalized
    score is ``(mean - dummy) / (perfect - dummy)`` with ``dummy`` the reference model's mean on the same
    task and dataset (NaN when the reference has not run), as NeuralBench normalises, or the metric's own
    zero where it defines one (NRMSE: 1 - NRMSE); the ceiling-normalized score is ``(mean - dummy) /
    (ceiling - dummy)`` (NaN without a ceiling better than the dummy), so a model at the ceiling scores 1
    however far below 1 the ceiling is. Ranks follow the metric's direction (lower NRMSE ranks first).
    ``subject_sd`` is the spread of the score over
    subjects (per-record standard deviation, averaged over seeds). The interval (``ci_low``, ``ci_high``) is the
    percentile bootstrap over test items, seeds pooled (:func:`~neuroarena.metrics.statistics.bootstrap_ci`);
    NaN when the records carry no ``test_items``. ``mean_normalized_rank`` is the model's ``rank / n_models``
    averaged over the tasks it ran under the same recipe. ``pretraining_overlap`` names the corpora a foundation
    model was pretrained on that contain the dataset (:mod:`neuroarena.models.pretraining`; ``""`` when none);
    ``caveats`` why the records' scores say little (a test set of one class; ``""`` when none).

    Parameters
    ----------
    records : DataFrame
        From :func:`~neuroarena.results.table.records_frame`, optionally with a ``test_items`` column
        (:func:`records_with_items`).
    n_boot : int
        Bootstrap resamples per row.
    """
    ok = records[records["status"] == "ok"] if len(records) else records
    if ok.empty:
        return pd.DataFrame(columns=COLUMNS)
    table = (ok.groupby(GROUP, dropna=False)
               .agg(mean=("score", "mean"), std=("score", "std"), n_seeds=("seed", "nunique"),
                    subject_sd=("subject_sd", "mean"), ceiling=("ceiling", "max"), n_params=("n_params", "max"),
                    wall_time_s=("wall_time_s", "mean"), peak_memory_mb=("peak_memory_mb", "max"))
               .reset_index().rename(columns={"primary_metric": "metric"}))
    table["std"] = table["std"].fillna(0.0)
    reference = (table[table["model"] == REFERENCE_MODEL]
                 .groupby(["task", "dataset", "recipe_overrides"])["mean"].first())

    def dummy_of(row) -> float:
        return reference.get((row["task"], row["dataset"], row["recipe_overrides"]), np.nan)

    table["normalized"] = [normalized(row["metric"], row["mean"], dummy_of(row)) for _, row in table.iterrows()]
    table["ceiling_normalized"] = [normalized(row["metric"], row["mean"], dummy_of(row), row["ceiling"])
                                   for _, row in table.iterrows()]
    # rank 1 = best in the metric's own direction (lower is better for NRMSE)
    table["rank"] = (table["mean"] * table["metric"].map(metric_sign)).groupby(
        [table[c] for c in TASK_GROUP]).rank(ascending=False, method="average")
    intervals = {key: _interval(rows, n_boot) for key, rows in ok.groupby(GROUP, dropna=False)}
    keys = list(zip(*(table["metric" if c == "primary_metric" else c] for c in GROUP)))
    table["ci_low"] = [intervals[key][0] for key in keys]
    table["ci_high"] = [intervals[key][1] for key in keys]
    table["normalized_rank"] = normalized_ranks(table, TASK_GROUP)
    summary = mean_normalized_rank(table, TASK_GROUP, MODEL_GROUP)
    table = table.merge(summary[[*MODEL_GROUP, "mean_normalized_rank"]], on=MODEL_GROUP, how="left")
    table["pretraining_overlap"] = [", ".join(pretraining_overlap(m, d)) for m, d in zip(table["model"],
                                                                                         table["dataset"])]
    caveats = (ok.groupby(GROUP, dropna=False)["caveats"].agg(lambda c: "; ".join(sorted({x for x in c if x})))
               if "caveats" in ok.columns else None)
    table["caveats"] = [caveats.get(key, "") if caveats is not None else "" for key in keys]
    return table.sort_values(TASK_GROUP + ["rank"]).reset_index(drop=True)[COLUMNS]


def metric_sign(metric: str) -> float:
    """+1 where a higher score is better, -1 where lower is (unknown metrics count as higher-is-better)."""
    info = METRICS.get(metric)
    return 1.0 if info is None or info.higher_is_better else -1.0


def fmt(value: float) -> str:
    """Three decimals, or ``-`` for a missing value."""
    return "-" if pd.isna(value) else f"{value:.3f}"


def fmt_ci(low: float, high: float) -> str:
    """``[low, high]`` with three decimals, or ``-`` when there is no interval."""
    return "-" if pd.isna(low) or pd.isna(high) else f"[{low:.3f}, {high:.3f}]"


def to_markdown(table: pd.DataFrame) -> str:
    """The leaderboard as a markdown table; a model pretrained on the dataset it is scored on is marked †."""
    lines = ["| task | dataset | model | metric | mean ± std | 95% CI | subjects sd | seeds | normalized "
             "| ceiling | ceiling-normalized | rank | mean norm. rank | params |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        lines.append(
            f"| {r['task']} | {r['dataset']} | {r['model']}{'†' if r.get('pretraining_overlap') else ''} "
            f"| {r['metric']} | {r['mean']:.3f} ± {r['std']:.3f} "
            f"| {fmt_ci(r['ci_low'], r['ci_high'])} | {fmt(r['subject_sd'])} | {r['n_seeds']} "
            f"| {fmt(r['normalized'])} | {fmt(r['ceiling'])} | {fmt(r['ceiling_normalized'])} | {r['rank']:g} "
            f"| {fmt(r['mean_normalized_rank'])} | {int(r['n_params']):,} |")
    flagged = table[table["pretraining_overlap"].fillna("") != ""] if "pretraining_overlap" in table else table[:0]
    if len(flagged):
        lines.append("")
        lines += [f"† {r['model']} was pretrained on {r['pretraining_overlap']}, which holds {r['dataset']}: "
                  f"its test subjects' EEG was seen in pretraining." for _, r in
                  flagged.drop_duplicates(["model", "dataset"]).iterrows()]
    return "\n".join(lines) + "\n"


def write_report(results_root: Path, out_dir: Path, n_boot: int = 2000) -> tuple[pd.DataFrame, dict[str, Path]]:
    """Build the leaderboard from ``results_root/records``; write ``leaderboard.md``, ``.csv`` and ``.html``.

    Returns
    -------
    table : DataFrame
        From :func:`leaderboard`.
    paths : dict
        ``markdown``, ``csv`` and ``html`` -> the written file; with alignment records also
        ``alignment_markdown``, ``alignment_csv`` and each curve plot (:mod:`neuroarena.alignment.report`).
    """
    from neuroarena.challenges.eeg2025 import overall_markdown, overall_table
    from neuroarena.report.comparisons import markdown_sections, model_summary, paired_tests, rank_agreement
    from neuroarena.diagnostics.autopsy import find_autopsies
    from neuroarena.report.html import to_html

    stored = list(ResultStore(results_root / "records"))
    records = records_with_items(r for r in stored if r.model_family != "vision")  # alignment: its own report
    table = leaderboard(records, n_boot=n_boot)
    summary, tests, agreement = model_summary(table), paired_tests(records, table), rank_agreement(table)
    paths = {"markdown": out_dir / "leaderboard.md", "csv": out_dir / "leaderboard.csv",
             "html": out_dir / "leaderboard.html"}
    challenge = overall_markdown(overall_table(table)) if len(table) else ""
    write_text_atomic(paths["markdown"], to_markdown(table) + markdown_sections(summary, tests, agreement) + challenge)
    write_text_atomic(paths["csv"], table.to_csv(index=False))
    autopsies = [{**a, "path": os.path.relpath(a["path"], out_dir)} for a in find_autopsies(results_root / "records")]
    write_text_atomic(paths["html"], to_html(table, summary, tests, agreement, records, autopsies=autopsies))
    if any(r.model_family == "vision" for r in stored):
        from neuroarena.alignment.report import write_alignment_report

        paths |= write_alignment_report(stored, out_dir, n_boot=n_boot)
    return table, paths
