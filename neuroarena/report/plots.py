"""The leaderboard's plots across tasks, as inline SVG (:mod:`neuroarena.report.svg`): the rank of every
model on every task, the normalized score as a task × model grid, and the score against the model's cost."""
from __future__ import annotations

import math

import pandas as pd

from neuroarena.report.leaderboard import MODEL_GROUP, TASK_GROUP
from neuroarena.report.recipes import Labels
from neuroarena.report.svg import Chart, Scale, diverging, fit, ink_on, number, padded, text_width

ROW = 22.0
MIN_HEIGHT = 66.0
LABEL_WIDTH = 200.0


def row_positions(chart: Chart, n: int) -> list[float]:
    """The centre of each of ``n`` rows spread over the chart's height."""
    pitch = chart.height / max(1, n)
    return [chart.top + pitch * (i + 0.5) for i in range(n)]


def rows_height(n: int) -> float:
    """Height of a chart of ``n`` rows: :data:`ROW` each, at least :data:`MIN_HEIGHT`."""
    return max(MIN_HEIGHT, ROW * n)


def model_order(table: pd.DataFrame) -> list[tuple[str, str]]:
    """(model, recipe overrides) pairs, best mean normalized rank first."""
    order = table.groupby(MODEL_GROUP, dropna=False)["mean_normalized_rank"].mean().sort_values(kind="stable")
    return [tuple(k) for k in order.index]


def task_order(table: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(task, dataset, recipe overrides) keys, sorted."""
    return sorted(tuple(k) for k in table.groupby(TASK_GROUP, dropna=False).groups)


def label_width(names: list[str], size: float = 11.0, most: float = LABEL_WIDTH) -> float:
    """The width the longest of ``names`` needs, at most ``most``."""
    return min(most, max((text_width(n, size) for n in names), default=40.0)) + 10.0


def rank_strip(table: pd.DataFrame, labels: Labels) -> str:
    """Each model's ``rank / n_models`` on every task (dots, hover: the task) and its mean (diamond); one row per
    model, the best at the top, rank 1 at the left."""
    models = model_order(table)
    names = [labels.model(*m) for m in models]
    chart = Chart(width=560.0, height=rows_height(len(models)), left=label_width(names), top=8.0, label="rank per task")
    x = Scale(0.0, 1.0, chart.left, chart.left + chart.width)
    chart.area()
    chart.x_axis(x, "rank / number of models, per task (left is better)", ticks=[0.0, 0.25, 0.5, 0.75, 1.0])
    tasks = task_order(table)
    ys = row_positions(chart, len(models))
    chart.row_labels(names, ys, chart.left - 10)
    for (model, overrides), y in zip(models, ys):
        mine = table[(table["model"] == model) & (table["recipe_overrides"] == overrides)]
        for _, r in mine.iterrows():
            k = tasks.index((r["task"], r["dataset"], r["recipe_overrides"]))
            n = r["rank"] / r["normalized_rank"] if r["normalized_rank"] else float("nan")
            jitter = ((k * 7) % 11 - 5) * 1.2
            chart.mark("circle", f"{labels.task(*tasks[k])}: rank {r['rank']:g} of {n:.0f}", cx=x(r["normalized_rank"]),
                       cy=y + jitter, r=3.5, fill="#1f77b4", fill_opacity=0.55)
        mean = mine["normalized_rank"].mean()
        cx = x(mean)
        chart.mark("path", f"{labels.model(model, overrides)}: mean normalized rank {mean:.3f} over {len(mine)} tasks",
                   d=f"M{cx:.1f} {y - 6:.1f}L{cx + 6:.1f} {y:.1f}L{cx:.1f} {y + 6:.1f}L{cx - 6:.1f} {y:.1f}Z",
                   fill="#111")
    return chart.render()


def normalized_heatmap(table: pd.DataFrame, labels: Labels) -> str:
    """Normalized score (0 = dummy, 1 = perfect), tasks as rows and models as columns, the value in each cell."""
    models, tasks = model_order(table), task_order(table)
    model_names = [labels.model(*m) for m in models]
    task_names = [labels.task(*t) for t in tasks]
    cell_w, cell_h = max(44.0, 200.0 / len(models)), max(20.0, MIN_HEIGHT / len(tasks))
    top = label_width(model_names, 10, 130.0)
    chart = Chart(width=cell_w * len(models), height=cell_h * len(tasks), left=label_width(task_names, 11, 240.0),
                  top=top, right=70.0, bottom=8.0, label="normalized score, task by model")
    by_key = {(r["task"], r["dataset"], r["recipe_overrides"], r["model"]): r for _, r in table.iterrows()}
    for j, ((model, overrides), name) in enumerate(zip(models, model_names)):
        x = chart.left + cell_w * (j + 0.5)
        chart.text(x + 3.5, top - 6, fit(name, 10, top - 8), size=10, rotate=-90, title=name)
        for i, key in enumerate(tasks):
            r = by_key.get((*key, model)) if key[2] == overrides else None
            value = float("nan") if r is None else r["normalized"]
            fill = diverging(value)
            y = chart.top + cell_h * i
            title = (f"{task_names[i]}, {name}: " + ("not run" if r is None else
                     f"normalized {number(value)} ({r['metric']} {r['mean']:.3f})"))
            chart.mark("rect", title, x=x - cell_w / 2, y=y, width=cell_w - 1, height=cell_h - 1, fill=fill)
            chart.text(x, y + cell_h / 2 + 4, "–" if math.isnan(value) else f"{value:.2f}", size=10, anchor="middle",
                       color=ink_on(fill))
    chart.row_labels(task_names, [chart.top + cell_h * (i + 0.5) for i in range(len(tasks))], chart.left - 10)
    chart.area()
    _colour_key(chart, chart.left + chart.width + 14, chart.top, min(140.0, max(60.0, chart.height)))
    return chart.render()


def _colour_key(chart: Chart, x: float, y: float, height: float) -> None:
    """A vertical RdYlGn key from -1 (bottom) to 1 (top) with three labels."""
    steps = 20
    for k in range(steps):
        value = 1 - 2 * (k + 0.5) / steps
        chart.mark("rect", f"normalized {value:.1f}", x=x, y=y + height * k / steps, width=10.0,
                   height=height / steps + 0.5, fill=diverging(value))
    for value in (1.0, 0.0, -1.0):
        chart.text(x + 14, y + height * (1 - value) / 2 + 3.5, f"{value:g}", size=10, color="#666")


def cost_scatter(table: pd.DataFrame, column: str, name: str, labels: Labels, palette: dict[str, str]) -> str:
    """Normalized score against a cost (``n_params`` or ``wall_time_s``) on a log axis; models that cost
    nothing sit at the tick ``0``; colour: model (the page's legend), hover: model, task and values."""
    rows = table[table["normalized"].notna()]
    values = rows[column].astype(float)
    positive = values[values > 0]
    chart = Chart(width=440.0, height=260.0, left=58.0, label=f"normalized score against {name}")
    if positive.empty:
        zero, x = 1.0, Scale(0.1, 10.0, chart.left, chart.left + chart.width, log=True)
    else:
        zero = 10 ** (math.floor(math.log10(positive.min())) - 1)
        x = Scale(zero / 10 ** 0.3, positive.max() * 10 ** 0.3, chart.left, chart.left + chart.width, log=True)
    low, high = padded(rows["normalized"].tolist() + [0.0, 1.0])
    y = Scale(low, high, chart.top + chart.height, chart.top)
    chart.area()
    if (values > 0).all():
        chart.x_axis(x, f"{name} (log scale)")
    else:
        chart.x_axis(x, f"{name} (log scale; 0 at the left)", ticks=[zero] + [t for t in x.ticks() if t > zero * 5],
                     names={zero: "0"})
    chart.y_axis(y, "normalized score")
    chart.line(chart.left, y(0.0), chart.left + chart.width, y(0.0), color="#999", dash="3 3", title="dummy: 0")
    for _, r in rows.iterrows():
        cost = float(r[column])
        chart.mark("circle", f"{labels.model(r['model'], r['recipe_overrides'])} on "
                             f"{labels.task(r['task'], r['dataset'], r['recipe_overrides'])}: normalized "
                             f"{r['normalized']:.3f}, {name} {number(cost)}",
                   cx=x(max(cost, zero)), cy=y(r["normalized"]), r=4.0, fill=palette[r["model"]], fill_opacity=0.8)
    return chart.render()
