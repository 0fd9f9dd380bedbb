"""One task's section of the page: its score table (with links to autopsies) beside its plots."""
from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from neuroarena.metrics.registry import METRICS
from neuroarena.report.leaderboard import TASK_GROUP, fmt, fmt_ci
from neuroarena.report.recipes import Labels
from neuroarena.report.task_plots import confusion, predicted_vs_true, rank_curves, score_intervals, subject_strip


def _records_of(records: pd.DataFrame, key: tuple) -> pd.DataFrame:
    if records is None or records.empty:
        return pd.DataFrame()
    mask = records["status"] == "ok"
    for column, value in zip(TASK_GROUP, key):
        mask &= records[column] == value
    return records[mask]


def _column(rows: pd.DataFrame, name: str) -> list:
    return [v for v in rows[name] if isinstance(v, dict)] if name in rows.columns else []


def per_subject_scores(records: pd.DataFrame, metric: str) -> tuple[dict[str, dict[str, float]], str]:
    """Model -> subject -> score averaged over seeds, from the records' ``per_subject`` analyses; the metric
    used is ``metric`` where the analyses hold it, else their first one (returned beside)."""
    out: dict[str, dict[str, float]] = {}
    used = metric
    for model, rows in records.groupby("model", sort=False):
        values: dict[str, list[float]] = {}
        for analyses in _column(rows, "analyses"):
            for subject, scores in (analyses.get("per_subject") or {}).items():
                if not isinstance(scores, dict) or not scores:
                    continue
                used = metric if metric in scores else next(iter(scores))
                if isinstance(scores.get(used), (int, float)) and np.isfinite(scores[used]):
                    values.setdefault(str(subject), []).append(float(scores[used]))
        if values:
            out[model] = {s: float(np.mean(v)) for s, v in values.items()}
    return out, used


def _best_model(rows: pd.DataFrame) -> str:
    """The best-ranked model that is not a baseline (dummy, chance), else the best one."""
    learned = rows[rows["family"] != "baseline"]
    return (learned if len(learned) else rows)["model"].iloc[0]


def _kind_plot(rows: pd.DataFrame, records: pd.DataFrame, labels: Labels, palette: dict[str, str]
               ) -> tuple[str, str] | None:
    """(caption, SVG) of the kind-specific plot: confusion, rank curves or predicted against true."""
    metric = rows["metric"].iloc[0]
    kind = getattr(METRICS.get(metric), "kind", "")
    best = _best_model(rows)
    mine = records[records["model"] == best] if len(records) else records
    items = _column(mine.sort_values("seed") if len(mine) else mine, "test_items")
    name = labels.model(best, rows["recipe_overrides"].iloc[0])
    if kind == "retrieval" or (items and "rank" in items[0]):
        ranks = {}
        names = {}
        for model in rows["model"]:
            pooled = [r for i in _column(records[records["model"] == model], "test_items") for r in i.get("rank", [])]
            if pooled:
                label = labels.model(model, rows["recipe_overrides"].iloc[0])
                ranks[label], names[label] = np.asarray(pooled), model
        if not ranks:
            return None
        return "Rank of the true item (top-K hit rate against K)", rank_curves(ranks, palette, names)
    if kind == "regression" and items and "y_pred" in items[0]:
        return (f"Predicted against true, {name} (first seed)",
                predicted_vs_true(np.asarray(items[0]["y_true"]), np.asarray(items[0]["y_pred"]), name))
    matrices = [a["confusion_matrix"] for a in _column(mine, "analyses") if "confusion_matrix" in a]
    if matrices:
        counts = np.sum([np.asarray(m["counts"]) for m in matrices], axis=0)
        return (f"Confusion matrix of {name} (seeds summed, rows sum to 1)",
                confusion(list(matrices[0]["classes"]), counts, name))
    return None


def task_section(rows: pd.DataFrame, records: pd.DataFrame, labels: Labels, palette: dict[str, str],
                 category: str, autopsies: list[dict]) -> str:
    """The ``<section class="task">`` of one (task, dataset, recipe): table and plots.

    Parameters
    ----------
    rows : DataFrame
        The leaderboard rows of the task, in rank order.
    records : DataFrame
        :func:`~neuroarena.report.leaderboard.records_with_items` (all tasks; this task's are picked).
    labels : Labels
    palette : dict
        Model -> colour.
    category : str
    autopsies : list of dict
        :func:`~neuroarena.diagnostics.autopsy.find_autopsies` entries, ``path`` relative to the page.
    """
    key = tuple(rows[c].iloc[0] for c in TASK_GROUP)
    mine = _records_of(records, key)
    metric = rows["metric"].iloc[0]
    info = METRICS.get(metric)
    direction = "higher is better" if info is None or info.higher_is_better else "lower is better"
    names = [labels.model(m, key[2]) for m in rows["model"]]
    figures = [("Score per model, 95% CI (dotted: ± std over seeds); grey: beyond the ceiling",
                score_intervals(rows, names, palette))]
    per_subject, used = per_subject_scores(mine, metric) if len(mine) else ({}, metric)
    per_subject = {m: per_subject[m] for m in rows["model"] if m in per_subject}
    if per_subject:
        by_label = {labels.model(m, key[2]): s for m, s in per_subject.items()}
        figures.append((f"{used} per subject (bar: mean over subjects)",
                        subject_strip(by_label, used, palette, {labels.model(m, key[2]): m for m in per_subject})))
    kind = _kind_plot(rows, mine, labels, palette) if len(mine) else None
    if kind:
        figures.append(kind)
    links = {}
    for a in autopsies:
        if (a["task"], a["dataset"]) == key[:2]:
            links.setdefault(a["model"], []).append(
                f'<a href="{escape(str(a["path"]))}">seed {escape(str(a["seed"]))}</a>')
    body = []
    for (_, r), name in zip(rows.iterrows(), names):
        cells = [f'<td class="text">{escape(name)}</td>', f"<td>{r['mean']:.3f} ± {r['std']:.3f}</td>",
                 f"<td>{fmt_ci(r['ci_low'], r['ci_high'])}</td>", f"<td>{fmt(r['normalized'])}</td>",
                 f"<td>{r['rank']:g}</td>", f'<td class="text">{" ".join(links.get(r["model"], [])) or "-"}</td>']
        body.append(f'<tr class="{"best" if r["rank"] == 1 else ""}">' + "".join(cells) + "</tr>")
    head = "".join(f'<th class="{c}">{n}</th>' for n, c in (("model", "text"), (metric, ""), ("95% CI", ""),
                                                             ("normalized", ""), ("rank", ""), ("autopsy", "text")))
    ceiling = rows["ceiling"].max()
    facts = [category, f"{metric}, {direction}"] + ([f"ceiling {ceiling:.3f}"] if pd.notna(ceiling) else [])
    caveats = sorted({c for c in rows.get("caveats", pd.Series(dtype=str)).fillna("") if c})
    note = f'<p class="note">caveat: {escape("; ".join(caveats))}</p>' if caveats else ""
    plots = "".join(f'<figure class="plot"><figcaption>{escape(c)}</figcaption>{svg}</figure>' for c, svg in figures)
    return (f'<section class="task" data-task="{escape(key[0])}" data-dataset="{escape(key[1])}" '
            f'data-category="{escape(category)}">'
            f'<h3>{escape(labels.task(*key))} <span class="tag">{escape(" · ".join(facts))}</span></h3>{note}'
            f'<div class="plots"><div class="scroll"><table class="task-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>{plots}</div></section>')
