"""The plots of one task on the page (:mod:`neuroarena.report.svg`): scores with intervals, dummy and ceiling;
per-subject scores; and by target kind the confusion matrix, the rank of the true item, or predicted
against true values."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from neuroarena.metrics.registry import METRICS
from neuroarena.report.plots import label_width, row_positions, rows_height
from neuroarena.report.svg import Chart, Scale, fit, ink_on, number, padded

WIDTH = 300.0


def _direction(metric: str) -> tuple[bool, float | None]:
    info = METRICS.get(metric)
    return (True, None) if info is None else (info.higher_is_better, info.perfect)


def _x_scale(chart: Chart, values: list[float], higher_is_better: bool) -> Scale:
    """Linear x over ``values``; better to the right (reversed for lower-is-better metrics)."""
    low, high = padded(values)
    start, end = chart.left, chart.left + chart.width
    return Scale(low, high, start, end) if higher_is_better else Scale(low, high, end, start)


def score_intervals(rows: pd.DataFrame, names: list[str], palette: dict[str, str]) -> str:
    """Each model's mean score (dot) with its 95 % CI (or ± std over seeds, dotted), best at the top; dotted
    line: the dummy; shaded band: beyond the ceiling, which no model can reach.

    Parameters
    ----------
    rows : DataFrame
        The leaderboard rows of one task, in rank order.
    names : list of str
        The label of each row.
    palette : dict
        Model -> colour.
    """
    metric = rows["metric"].iloc[0]
    higher, perfect = _direction(metric)
    has_ci = rows["ci_low"].notna().to_numpy()
    low = np.where(has_ci, rows["ci_low"], rows["mean"] - rows["std"])
    high = np.where(has_ci, rows["ci_high"], rows["mean"] + rows["std"])
    ceiling = rows["ceiling"].max()
    dummy = rows.loc[rows["model"] == "dummy", "mean"]
    chart = Chart(width=WIDTH, height=rows_height(len(rows)), left=label_width(names, most=150.0),
                  label=f"{metric} per model")
    extra = [v for v in (ceiling, *dummy) if pd.notna(v)]
    x = _x_scale(chart, [*low, *high, *extra], higher)
    if pd.notna(ceiling):
        edge = chart.left + chart.width if higher else chart.left
        start, end = sorted((x(ceiling), edge))
        start, end = max(start, chart.left), min(end, chart.left + chart.width)
        if end > start:
            chart.mark("rect", f"beyond the ceiling {ceiling:.3f}: no model can reach it", x=start, y=chart.top,
                       width=end - start, height=chart.height, fill="#d1d5db", fill_opacity=0.45)
    chart.area()
    direction = "higher" if higher else "lower"
    chart.x_axis(x, f"{metric} ({direction} is better →)")
    if pd.notna(ceiling) and chart.left <= x(ceiling) <= chart.left + chart.width:
        chart.line(x(ceiling), chart.top, x(ceiling), chart.top + chart.height, color="#555", dash="5 3",
                   title=f"ceiling {ceiling:.3f}")
    if len(dummy):
        chart.line(x(dummy.iloc[0]), chart.top, x(dummy.iloc[0]), chart.top + chart.height, color="#888",
                   dash="2 2", title=f"dummy {dummy.iloc[0]:.3f}")
    ys = row_positions(chart, len(rows))
    chart.row_labels(names, ys, chart.left - 10)
    for (_, r), y, lo, hi, ci, name in zip(rows.iterrows(), ys, low, high, has_ci, names):
        color = palette[r["model"]]
        spread = f"95% CI {lo:.3f}–{hi:.3f}" if ci else f"± {r['std']:.3f} over seeds"
        chart.mark("line", f"{name}: {spread}", x1=x(lo), y1=y, x2=x(hi), y2=y, stroke=color, stroke_width=2.0,
                   stroke_dasharray="" if ci else "2 2")
        chart.mark("circle", f"{name}: {metric} {r['mean']:.3f} ± {r['std']:.3f} ({r['n_seeds']} seeds), "
                             f"rank {r['rank']:g}", cx=x(r["mean"]), cy=y, r=4.5, fill=color)
    return chart.render()


def subject_strip(per_subject: dict[str, dict[str, float]], metric: str, palette: dict[str, str],
                  models: dict[str, str]) -> str:
    """Every subject's score (dots, hover: the subject) and their mean (bar), one row per model.

    Parameters
    ----------
    per_subject : dict
        Row label -> subject -> score (averaged over seeds).
    metric : str
    palette : dict
        Model -> colour.
    models : dict
        Row label -> model.
    """
    names = list(per_subject)
    higher, _ = _direction(metric)
    chart = Chart(width=WIDTH, height=rows_height(len(names)), left=label_width(names, most=150.0),
                  label=f"{metric} per subject")
    x = _x_scale(chart, [v for scores in per_subject.values() for v in scores.values()], higher)
    chart.area()
    chart.x_axis(x, f"{metric} ({'higher' if higher else 'lower'} is better →)")
    ys = row_positions(chart, len(names))
    chart.row_labels(names, ys, chart.left - 10)
    for name, y in zip(names, ys):
        scores = per_subject[name]
        for k, (subject, value) in enumerate(sorted(scores.items())):
            chart.mark("circle", f"{name}, {subject}: {value:.3f}", cx=x(value), cy=y + ((k * 5) % 9 - 4) * 1.2,
                       r=3.0, fill=palette[models[name]], fill_opacity=0.6)
        mean = float(np.mean(list(scores.values())))
        chart.mark("rect", f"{name}: mean over {len(scores)} subjects {mean:.3f}", x=x(mean) - 1.5, y=y - 8.0,
                   width=3.0, height=16.0, fill="#111")
    return chart.render()


def confusion(classes: list[str], counts: np.ndarray, name: str) -> str:
    """Row-normalised confusion matrix (rows: true class, columns: predicted), hover: counts and share.

    Parameters
    ----------
    classes : list of str, length n
    counts : ndarray, shape (n, n)
    name : str
        The model it belongs to.
    """
    n = len(classes)
    cell = max(14.0, 210.0 / max(1, n))
    labels = [str(c) for c in classes]
    side = label_width(labels, 10, 110.0)
    chart = Chart(width=cell * n, height=cell * n, left=side, top=side, right=8.0, bottom=30.0,
                  label=f"confusion matrix of {name}")
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    for j, c in enumerate(labels):
        chart.text(chart.left + cell * (j + 0.5) + 3.5, side - 6, fit(c, 10, side - 8), size=10, rotate=-90, title=c)
    chart.row_labels(labels, [chart.top + cell * (i + 0.5) for i in range(n)], side - 10, size=10)
    for (i, j), share in np.ndenumerate(shares):
        level = int(255 - 200 * share)
        fill = f"#{level:02x}{level:02x}ff" if share > 0 else "#ffffff"
        x, y = chart.left + cell * j, chart.top + cell * i
        chart.mark("rect", f"true {labels[i]}, predicted {labels[j]}: {int(counts[i, j])} of {int(totals[i, 0])} "
                           f"({share:.2f})", x=x, y=y, width=cell - 1, height=cell - 1, fill=fill)
        if cell >= 28:
            chart.text(x + cell / 2, y + cell / 2 + 3.5, f"{share:.2f}", size=9, anchor="middle", color=ink_on(fill))
    chart.area()
    chart.text(chart.left + chart.width / 2, chart.top + chart.height + 18, "predicted", anchor="middle",
               title=f"predicted by {name}; rows: true class")
    return chart.render()


def rank_curves(ranks: dict[str, np.ndarray], palette: dict[str, str], models: dict[str, str]) -> str:
    """Share of test items whose true candidate ranks within the top K, against K on a log axis (hover: the
    share at K = 1, 5, 10); one line per model.

    Parameters
    ----------
    ranks : dict
        Row label -> 0-based rank of each test item's true candidate, pooled over seeds, shape (n,).
    palette : dict
        Model -> colour.
    models : dict
        Row label -> model.
    """
    most = max(int(r.max()) + 1 for r in ranks.values())
    chart = Chart(width=WIDTH, height=200.0, left=58.0, label="rank of the true item")
    x = Scale(1.0, max(most, 10), chart.left, chart.left + chart.width, log=True)
    y = Scale(0.0, 1.0, chart.top + chart.height, chart.top)
    chart.area()
    chart.x_axis(x, "K (log scale): the true item within the top K")
    chart.y_axis(y, "share of test items", ticks=[0.0, 0.25, 0.5, 0.75, 1.0])
    ks = np.unique(np.round(np.geomspace(1, max(most, 10), 40)).astype(int))
    for name, r in ranks.items():
        share = [(k, float(np.mean(r < k))) for k in ks]
        points = " ".join(f"{x(k):.1f},{y(s):.1f}" for k, s in share)
        color = palette[models[name]]
        chart.mark("polyline", f"{name}: top-5 {np.mean(r < 5):.3f}, top-10 {np.mean(r < 10):.3f}", points=points,
                   fill="none", stroke=color, stroke_width=1.8)
        for k in (1, 5, 10):
            if k <= max(most, 10):
                s = float(np.mean(r < k))
                chart.mark("circle", f"{name}: top-{k} {s:.3f}", cx=x(k), cy=y(s), r=3.0, fill=color)
    return chart.render()


def predicted_vs_true(y_true: np.ndarray, y_pred: np.ndarray, name: str, most: int = 300) -> str:
    """Predicted against true values of the test items (at most ``most``, evenly sampled), with the identity.

    Parameters
    ----------
    y_true, y_pred : ndarray, shape (n,)
    name : str
        The model they belong to.
    """
    keep = np.linspace(0, len(y_true) - 1, min(most, len(y_true))).round().astype(int) if len(y_true) else []
    y_true, y_pred = np.asarray(y_true, float)[keep], np.asarray(y_pred, float)[keep]
    chart = Chart(width=220.0, height=220.0, left=58.0, label=f"predicted against true values, {name}")
    low, high = padded([*y_true, *y_pred])
    x = Scale(low, high, chart.left, chart.left + chart.width)
    y = Scale(low, high, chart.top + chart.height, chart.top)
    chart.area()
    chart.x_axis(x, "true value")
    chart.y_axis(y, f"predicted ({name})")
    chart.line(x(low), y(low), x(high), y(high), color="#999", dash="4 3", title="predicted = true")
    for t, p in zip(y_true, y_pred):
        if math.isfinite(t) and math.isfinite(p):
            chart.mark("circle", f"true {number(t)}, predicted {number(p)}", cx=x(t), cy=y(p), r=2.5,
                       fill="#1f77b4", fill_opacity=0.5)
    return chart.render()
