"""Leaderboard plots as self-contained inline SVG strings (matplotlib, no pyplot state)."""
from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd

from neuroarena.report.leaderboard import TASK_GROUP

MARKERS = "osD^vP*Xh<>"


def task_label(key: tuple) -> str:
    """``task / dataset`` (and the recipe overrides, when any) for a :data:`TASK_GROUP` key."""
    task, dataset, overrides = key
    return f"{task} / {dataset}" + (f" [{overrides}]" if overrides else "")


def model_colors(models: list[str]) -> dict[str, tuple]:
    """One stable colour per model, in the given order."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(models) <= 10 else "tab20"]
    return {model: cmap(i % cmap.N) for i, model in enumerate(models)}


def _model_order(table: pd.DataFrame) -> list[str]:
    order = table.groupby("model")["mean_normalized_rank"].mean().sort_values(kind="stable")
    return order.index.tolist()


def _svg(fig) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "neuroarena"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight",
                    metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def score_intervals(table: pd.DataFrame) -> str:
    """Mean score per model with its 95 % CI (± std over seeds where no CI), one panel per task.

    Dashed: the ceiling; dotted: the dummy model.
    """
    groups = list(table.groupby(TASK_GROUP, dropna=False))
    n_cols = min(3, len(groups))
    n_rows = math.ceil(len(groups) / n_cols)
    colors = model_colors(_model_order(table))
    fig = _figure(4.2 * n_cols, 0.5 + 0.35 * table.groupby(TASK_GROUP).size().max() * n_rows + 0.6 * n_rows)
    axes = np.atleast_1d(fig.subplots(n_rows, n_cols, squeeze=False)).ravel()
    for ax, (key, rows) in zip(axes, groups):
        rows = rows.sort_values("rank", ascending=False)
        y = np.arange(len(rows))
        has_ci = rows["ci_low"].notna().to_numpy()
        low = np.where(has_ci, rows["mean"] - rows["ci_low"], rows["std"])
        high = np.where(has_ci, rows["ci_high"] - rows["mean"], rows["std"])
        for i, (_, r) in enumerate(rows.iterrows()):
            ax.errorbar(r["mean"], y[i], xerr=[[low[i]], [high[i]]], fmt="o", color=colors[r["model"]],
                        capsize=3, linestyle="none" if has_ci[i] else ":")
        if rows["ceiling"].notna().any():
            ax.axvline(rows["ceiling"].max(), color="0.3", linestyle="--", linewidth=1, label="ceiling")
        dummy = rows.loc[rows["model"] == "dummy", "mean"]
        if len(dummy):
            ax.axvline(dummy.iloc[0], color="0.5", linestyle=":", linewidth=1, label="dummy")
        ax.set_yticks(y, rows["model"].tolist())
        ax.set_xlabel(f"{rows['metric'].iloc[0]} (95% CI)")
        ax.set_title(task_label(key), fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes[len(groups):]:
        ax.set_visible(False)
    return _svg(fig)


def normalized_heatmap(table: pd.DataFrame) -> str:
    """Normalized score (0 = dummy, 1 = perfect), tasks as rows and models as columns."""
    models = _model_order(table)
    keys = sorted(table.groupby(TASK_GROUP, dropna=False).groups)
    grid = np.full((len(keys), len(models)), np.nan)
    for _, r in table.iterrows():
        grid[keys.index((r["task"], r["dataset"], r["recipe_overrides"])), models.index(r["model"])] = r["normalized"]
    fig = _figure(1.5 + 0.9 * len(models), 1.2 + 0.5 * len(keys))
    ax = fig.subplots()
    image = ax.imshow(np.ma.masked_invalid(grid), cmap="RdYlGn", vmin=-1, vmax=1, aspect="auto")
    for (i, j), value in np.ndenumerate(grid):
        ax.text(j, i, "-" if np.isnan(value) else f"{value:.2f}", ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(models)), models, rotation=30, ha="right")
    ax.set_yticks(range(len(keys)), [task_label(k) for k in keys])
    fig.colorbar(image, ax=ax, label="normalized score")
    return _svg(fig)


def rank_distribution(table: pd.DataFrame) -> str:
    """Each model's ``rank / n_models`` on every task (dots) and their mean (diamond); best at the top."""
    models = _model_order(table)
    colors = model_colors(models)
    fig = _figure(1.5 + 0.8 * len(models), 3.6)
    ax = fig.subplots()
    for x, model in enumerate(models):
        ranks = table.loc[table["model"] == model, "normalized_rank"].to_numpy()
        jitter = np.linspace(-0.15, 0.15, len(ranks)) if len(ranks) > 1 else np.zeros(1)
        ax.scatter(x + jitter, ranks, color=colors[model], alpha=0.7, s=25)
        ax.scatter([x], [ranks.mean()], marker="D", color="black", s=40, zorder=3)
    ax.set_xticks(range(len(models)), models, rotation=30, ha="right")
    ax.set_ylim(1.05, 0)
    ax.set_ylabel("rank / n models (per task)")
    ax.grid(axis="y", alpha=0.3)
    return _svg(fig)


def normalized_against(table: pd.DataFrame, column: str, label: str) -> str:
    """Normalized score against a cost column (``n_params`` or ``wall_time_s``), log x; colour = model,
    marker = task."""
    models = _model_order(table)
    colors = model_colors(models)
    keys = sorted(table.groupby(TASK_GROUP, dropna=False).groups)
    fig = _figure(6.5, 3.6)
    ax = fig.subplots()
    for _, r in table.iterrows():
        marker = MARKERS[keys.index((r["task"], r["dataset"], r["recipe_overrides"])) % len(MARKERS)]
        ax.scatter(r[column], r["normalized"], color=colors[r["model"]], marker=marker, s=40)
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlim(left=0)
    ax.set_xlabel(label)
    ax.set_ylabel("normalized score")
    ax.grid(alpha=0.3)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=colors[m], marker="o", linestyle="none", label=m) for m in models]
    handles += [Line2D([], [], color="0.4", marker=MARKERS[i % len(MARKERS)], linestyle="none",
                       label=task_label(k)) for i, k in enumerate(keys)]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8, frameon=False)
    return _svg(fig)


def all_plots(table: pd.DataFrame) -> dict[str, str]:
    """Every leaderboard plot as SVG, keyed by its caption.

    Parameters
    ----------
    table : DataFrame
        From :func:`~neuroarena.report.leaderboard.leaderboard`, at least one row.
    """
    return {
        "Score per task with 95% bootstrap CI (dotted bars: ± std over seeds where no CI)": score_intervals(table),
        "Normalized score, task × model": normalized_heatmap(table),
        "Rank distribution across tasks": rank_distribution(table),
        "Normalized score against parameter count": normalized_against(table, "n_params", "parameters"),
        "Normalized score against training time": normalized_against(table, "wall_time_s", "wall time (s)"),
    }
