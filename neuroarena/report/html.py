"""The leaderboard as one self-contained HTML page: inline CSS, inline SVG plots, one inline script (sorting
and filtering the table), nothing fetched at view time."""
from __future__ import annotations

from html import escape
from importlib.resources import files

import pandas as pd

from neuroarena.metrics.statistics import MIN_TAU_MODELS
from neuroarena.report.leaderboard import TASK_GROUP, fmt, fmt_ci, metric_sign
from neuroarena.report.plots import cost_scatter, model_order, normalized_heatmap, rank_strip
from neuroarena.report.recipes import Labels
from neuroarena.report.svg import colors, diverging
from neuroarena.report.task_section import task_section

#: (header, css class, sort kind, first sort direction) of the leaderboard table.
LEADERBOARD_COLUMNS = [
    ("task", "text", "text", "asc"), ("dataset", "text", "text", "asc"), ("model", "text", "text", "asc"),
    ("recipe", "text", "text", "asc"),
    ("metric", "text", "text", "asc"), ("mean ± std", "", "num", "desc"), ("95% CI", "", "num", "desc"),
    ("subjects sd", "", "num", "asc"), ("seeds", "", "num", "desc"), ("normalized", "", "num", "desc"),
    ("ceiling", "", "num", "desc"), ("ceil.-norm.", "", "num", "desc"), ("rank", "", "num", "asc"),
    ("mean norm. rank", "", "num", "asc"), ("params", "", "num", "asc"), ("time (s)", "", "num", "asc"),
]
FILTERS = ("task", "dataset", "category", "family", "model")


def task_categories() -> dict[str, str]:
    """Task -> category, from the ``full`` suite (``other`` for a task it does not list)."""
    from neuroarena.suites.suite import load_suite

    return {e.task: e.category for e in load_suite("full").entries}


def _asset(name: str) -> str:
    return files("neuroarena.report").joinpath(name).read_text(encoding="utf-8")


def _table(header: list[tuple[str, str]], rows: list[list[str]], table_id: str) -> str:
    head = "".join(f'<th class="{cls}">{escape(name)}</th>' for name, cls in header)
    body = "\n".join("<tr>" + "".join(f'<td class="{cls}">{escape(cell)}</td>' for cell, (_, cls) in zip(cells, header))
                     + "</tr>" for cells in rows)
    return (f'<div class="scroll"><table id="{table_id}"><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n'
            "</tbody></table></div>")


def _num(value: float) -> str:
    return "" if pd.isna(value) else f"{float(value):.6g}"


def _leaderboard_table(table: pd.DataFrame, labels: Labels, categories: dict[str, str]) -> str:
    """The sortable table: each cell's ``data-v`` is its sort key (scores signed so that descending puts the
    best first whatever the metric's direction), each row's ``data-*`` its filter values (the category and the
    model family filter and show on hover, without columns of their own)."""
    head = "".join(f'<th class="{cls}" data-kind="{kind}" data-first="{first}">{escape(name)}</th>'
                   for name, cls, kind, first in LEADERBOARD_COLUMNS)
    n_models = table.groupby(TASK_GROUP, dropna=False)["model"].transform("count")
    body = []
    for (_, r), n in zip(table.iterrows(), n_models):
        sign = metric_sign(r["metric"])
        overlap = r.get("pretraining_overlap") or ""
        model = f"{r['model']}†" if overlap else r["model"]  # pretrained on a corpus holding the dataset
        place = 1.0 if n <= 1 else 1 - 2 * (r["rank"] - 1) / (n - 1)
        category = categories.get(r["task"], "other")
        cells = [
            (r["task"], None, "text", f' title="{escape(category)}"'), (r["dataset"], None, "text", ""),
            (model, None, "text", f' title="{escape(r["family"])}' + (f'; pretrained on {escape(overlap)}"'
                                                                      if overlap else '"')),
            (labels.tag(r["recipe_overrides"]), None, "text", ""),
            (r["metric"], None, "text", ""),
            (f"{r['mean']:.3f} ± {r['std']:.3f}", sign * r["mean"], "", f' style="background:{diverging(place)}40"'),
            (fmt_ci(r["ci_low"], r["ci_high"]), sign * r["ci_low"] if sign > 0 else sign * r["ci_high"], "", ""),
            (fmt(r["subject_sd"]), r["subject_sd"], "", ""), (str(r["n_seeds"]), r["n_seeds"], "", ""),
            (fmt(r["normalized"]), r["normalized"], "", f' style="background:{diverging(r["normalized"])}55"'
             if pd.notna(r["normalized"]) else ""),
            (fmt(r["ceiling"]), sign * r["ceiling"], "", ""), (fmt(r["ceiling_normalized"]), r["ceiling_normalized"],
                                                                "", ""),
            (f"{r['rank']:g}", r["rank"], "", ""), (fmt(r["mean_normalized_rank"]), r["mean_normalized_rank"], "", ""),
            (f"{int(r['n_params']):,}", r["n_params"], "", ""), (f"{r['wall_time_s']:.1f}", r["wall_time_s"], "", ""),
        ]
        tds = "".join(f'<td class="{cls}"' + ("" if v is None else f' data-v="{_num(v)}"')
                      + f"{extra}>{escape(text)}</td>" for text, v, cls, extra in cells)
        data = "".join(f' data-{k}="{escape(str(v))}"' for k, v in (
            ("task", r["task"]), ("dataset", r["dataset"]), ("category", category), ("family", r["family"]),
            ("model", r["model"])))
        body.append(f'<tr class="{"best" if r["rank"] == 1 else ""}"{data}>{tds}</tr>')
    selects = []
    for name in FILTERS:
        values = sorted({categories.get(t, "other") for t in table["task"]} if name == "category"
                        else set(table[name].astype(str)))
        options = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)
        selects.append(f'<label>{name} <select data-filter="{name}"><option value="">all</option>{options}</select>'
                       "</label>")
    return (f'<div class="filters">{"".join(selects)}<button type="button" id="reset-filters">show all</button>'
            f'<span id="shown" class="note">{len(table)} rows</span></div>'
            f'<div class="scroll tall"><table id="leaderboard"><thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(body) + "\n</tbody></table></div>")


def _recipe_note(labels: Labels) -> str:
    """Each recipe tag once, with the overrides it stands for."""
    items = [f'<span class="tag">{escape(tag)}</span> {escape(overrides.replace(",", ", ") or "the tasks own recipe")}'
             for overrides, tag in labels.tags.items()]
    intro = "Recipes on this page: " if labels.several else "Every row ran under one recipe: "
    return f'<p class="note">{intro}{"; ".join(items)}.</p>'


def _legend(palette: dict[str, str]) -> str:
    chips = "".join(f'<span><span class="chip" style="background:{c}"></span>{escape(m)}</span>'
                    for m, c in palette.items())
    return f'<div class="legend">{chips}</div>'


def _figure(caption: str, svg: str) -> str:
    return f'<figure class="plot"><figcaption>{escape(caption)}</figcaption>{svg}</figure>'


def to_html(table: pd.DataFrame, summary: pd.DataFrame, tests: pd.DataFrame, agreement: pd.DataFrame,
            records: pd.DataFrame | None = None, title: str = "neuroarena leaderboard",
            autopsies: list[dict] | None = None) -> str:
    """The whole page.

    Parameters
    ----------
    table : DataFrame
        From :func:`~neuroarena.report.leaderboard.leaderboard`.
    summary, tests, agreement : DataFrame
        From :mod:`neuroarena.report.comparisons` (``model_summary``, ``paired_tests``, ``rank_agreement``).
    records : DataFrame, optional
        :func:`~neuroarena.report.leaderboard.records_with_items` behind ``table``: the per-task plots of
        subjects, confusions, ranks and predictions (left out without it).
    title : str
    autopsies : list of dict, optional
        The models' autopsies (:func:`~neuroarena.diagnostics.autopsy.find_autopsies`), ``path`` relative to
        the page: linked from each task's table and the "Autopsies" section.
    """
    sections = [f"<h1>{escape(title)}</h1>"]
    labels = Labels(table["recipe_overrides"].fillna("").tolist() if len(table) else [])
    if len(table):
        sections += _ranked_sections(table, summary, records, labels, autopsies or [])
    else:
        sections.append('<p class="note" id="no-results">No successful results yet: run a benchmark first, e.g. '
                        "<code>neuroarena eeg category --dataset simulated-tiny --debug -m dummy eegnet</code>.</p>")
    sections += _comparison_sections(tests, agreement)
    sections += _challenge_sections(table, labels)
    sections += _autopsy_section(autopsies or [])
    body = "\n".join(sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{_asset('page.css')}</style></head>\n<body>\n{body}\n<script>{_asset('page.js')}</script>\n"
            "</body></html>\n")


def _ranked_sections(table: pd.DataFrame, summary: pd.DataFrame, records: pd.DataFrame | None, labels: Labels,
                     autopsies: list[dict]) -> list[str]:
    categories = task_categories()
    palette = colors(list(dict.fromkeys(m for m, _ in model_order(table))))
    n_tasks = table.groupby(TASK_GROUP, dropna=False).ngroups
    summary_rows = [[labels.model(r["model"], r["recipe_overrides"]), str(r["n_tasks"]),
                     fmt(r["mean_normalized_rank"]), fmt(r["mean_normalized_score"])] for _, r in summary.iterrows()]
    out = [f'<p class="note">{n_tasks} tasks, {table["model"].nunique()} models, {len(table)} rows. Mean ± std over '
           "seeds; 95% CI: percentile bootstrap over test items (2000 resamples, seeds scored on the same resample); "
           "normalized: 0 = dummy, 1 = perfect; mean norm. rank: rank / n models averaged over the tasks a model ran "
           "(lower is better). Every number in a plot shows its value on hover; the table sorts by any column."
           "</p>", _recipe_note(labels),
           "<h2>Ranking across tasks</h2>",
           '<div class="plots">' + _figure("Rank / n models on every task (dots) and its mean (diamond)",
                                           rank_strip(table, labels))
           + _table([("model", "text"), ("tasks", ""), ("mean norm. rank", ""), ("mean normalized", "")],
                    summary_rows, "models") + "</div>",
           "<h2>Normalized score, task × model</h2>",
           _figure("0 = dummy, 1 = perfect, in each metric's own direction", normalized_heatmap(table, labels)),
           "<h2>Score against cost</h2>", _legend(palette),
           '<div class="plots">'
           + _figure("Normalized score against parameter count",
                     cost_scatter(table, "n_params", "parameters", labels, palette))
           + _figure("Normalized score against training time",
                     cost_scatter(table, "wall_time_s", "wall time (s)", labels, palette)) + "</div>",
           "<h2>Leaderboard</h2>", _leaderboard_table(table, labels, categories),
           "<h2>Tasks</h2>", _legend(palette)]
    for _, rows in table.groupby(TASK_GROUP, dropna=False, sort=True):
        rows = rows.sort_values("rank", kind="stable")
        out.append(task_section(rows, records, labels, palette, categories.get(rows["task"].iloc[0], "other"),
                                autopsies))
    return out


def _comparison_sections(tests: pd.DataFrame, agreement: pd.DataFrame) -> list[str]:
    test_rows = [[f"{r['task']} / {r['dataset']}", r["best"], r["second"], fmt(r["difference"]),
                  "-" if pd.isna(r["p_value"]) else f"{r['p_value']:.4f}", r["note"]] for _, r in tests.iterrows()]
    agreement_rows = [[r["a"], r["b"], str(r["n_models"]), fmt(r["tau"]), fmt(r["p_value"])]
                      for _, r in agreement.iterrows()]
    return ["<h2>Best against second (paired sign-flip test on the same test items)</h2>",
            _table([("task", "text"), ("best", "text"), ("second", "text"), ("difference", ""), ("p-value", ""),
                    ("note", "text")], test_rows, "paired-tests"),
            f"<h2>Ranking agreement (Kendall's tau, pairs sharing {MIN_TAU_MODELS} models or more)</h2>",
            _table([("a", "text"), ("b", "text"), ("models", ""), ("tau", ""), ("p-value", "")], agreement_rows,
                   "agreement")]


def _challenge_sections(table: pd.DataFrame, labels: Labels) -> list[str]:
    """The EEG Foundation Challenge 2025 table and the published reference rows, when a model ran both."""
    from neuroarena.challenges.eeg2025 import PUBLISHED, overall_table

    overall = overall_table(table) if len(table) else pd.DataFrame()
    if overall.empty:
        return []
    header = [("dataset", "text"), ("model", "text"), ("recipe", "text"), ("C1 (rt)", ""),
              ("C2 (externalizing)", ""), ("overall", "")]
    measured = [[r["dataset"], r["model"], labels.tag(r["recipe_overrides"]), f"{r['challenge_1']:.5f}",
                 f"{r['challenge_2']:.5f}", f"{r['overall']:.5f}"] for _, r in overall.iterrows()]
    published = [["published", label, "-", *("-" if v is None else f"{v:.5f}" for v in (c1, c2, total))]
                 for label, c1, c2, total in PUBLISHED]
    return ["<h2>EEG Foundation Challenge 2025 (NRMSE, lower is better; overall = 0.3 C1 + 0.7 C2)</h2>",
            _table(header, measured, "eeg2025"),
            '<p class="note">Published reference values (final 2025 leaderboard, on the HBN test release; '
            "not measured here, never ranked with the rows above):</p>",
            _table(header, published, "eeg2025-published")]


def _autopsy_section(autopsies: list[dict]) -> list[str]:
    """Links to each model's autopsies (one per seed), when any were written."""
    if not autopsies:
        return []
    rows = []
    for a in autopsies:
        link = f'<a href="{escape(str(a["path"]))}">seed {escape(str(a["seed"]))}</a>'
        score = "-" if a["score"] is None else f"{a['score']:.3f}"
        rows.append("<tr>" + "".join(f'<td class="text">{escape(str(a[k]))}</td>' for k in ("task", "dataset", "model"))
                    + f'<td class="text">{link}</td><td>{score}</td><td>{a["recommendations"]}</td></tr>')
    head = "".join(f'<th class="{cls}">{name}</th>' for name, cls in (
        ("task", "text"), ("dataset", "text"), ("model", "text"), ("autopsy", "text"), ("score", ""),
        ("recommendations", "")))
    return ["<h2>Autopsies (why a model scores what it scores)</h2>",
            f'<div class="scroll"><table id="autopsies"><thead><tr>{head}</tr></thead>\n<tbody>\n' + "\n".join(rows)
            + "\n</tbody></table></div>"]
