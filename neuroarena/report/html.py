"""The leaderboard as one self-contained HTML page: inline CSS, inline SVG plots, no scripts, no network."""
from __future__ import annotations

from html import escape

import pandas as pd

from neuroarena.metrics.statistics import MIN_TAU_MODELS
from neuroarena.report.leaderboard import fmt, fmt_ci

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
p.note { color: #555; font-size: 13px; margin-top: 0; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 9px; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
th { background: #f3f4f6; position: sticky; top: 0; }
td.text, th.text { text-align: left; }
tr.best td { font-weight: 600; }
tbody tr:hover { background: #fafafa; }
.plots { display: flex; flex-wrap: wrap; gap: 18px; }
figure { margin: 0; padding: 8px; border: 1px solid #e5e7eb; border-radius: 6px; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 13px; color: #444; margin-bottom: 4px; }
"""

LEADERBOARD_COLUMNS = [
    ("task", "text"), ("dataset", "text"), ("model", "text"), ("metric", "text"), ("mean ± std", ""),
    ("95% CI", ""), ("subjects sd", ""), ("seeds", ""), ("normalized", ""), ("ceiling", ""),
    ("ceiling-normalized", ""), ("rank", ""), ("mean norm. rank", ""), ("params", ""), ("time (s)", ""),
]


def _table(header: list[tuple[str, str]], rows: list[tuple[list[str], str]], table_id: str) -> str:
    head = "".join(f'<th class="{cls}">{escape(name)}</th>' for name, cls in header)
    body = "\n".join(
        f'<tr class="{row_class}">' + "".join(f'<td class="{cls}">{escape(cell)}</td>'
                                              for cell, (_, cls) in zip(cells, header)) + "</tr>"
        for cells, row_class in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>'


def _leaderboard_rows(table: pd.DataFrame) -> list[tuple[list[str], str]]:
    rows = []
    for _, r in table.iterrows():
        overlap = r.get("pretraining_overlap") or ""
        model = f"{r['model']}†" if overlap else r["model"]  # pretrained on a corpus holding the dataset
        cells = [r["task"], r["dataset"], model, r["metric"], f"{r['mean']:.3f} ± {r['std']:.3f}",
                 fmt_ci(r["ci_low"], r["ci_high"]), fmt(r["subject_sd"]), str(r["n_seeds"]), fmt(r["normalized"]),
                 fmt(r["ceiling"]), fmt(r["ceiling_normalized"]), f"{r['rank']:g}", fmt(r["mean_normalized_rank"]),
                 f"{int(r['n_params']):,}", f"{r['wall_time_s']:.1f}"]
        rows.append((cells, "best" if r["rank"] == 1 else ""))
    return rows


def to_html(table: pd.DataFrame, summary: pd.DataFrame, tests: pd.DataFrame, agreement: pd.DataFrame,
            plots: dict[str, str], title: str = "neuroarena leaderboard",
            autopsies: list[dict] | None = None) -> str:
    """The whole page.

    Parameters
    ----------
    table : DataFrame
        From :func:`~neuroarena.report.leaderboard.leaderboard`.
    summary, tests, agreement : DataFrame
        From :mod:`neuroarena.report.comparisons` (``model_summary``, ``paired_tests``, ``rank_agreement``).
    plots : dict of str
        Caption -> SVG markup (:func:`~neuroarena.report.plots.all_plots`).
    title : str
    autopsies : list of dict, optional
        The models' autopsies (:func:`~neuroarena.diagnostics.autopsy.find_autopsies`), ``path`` relative to
        the page: each is linked from the "Autopsies" section.
    """
    summary_rows = [([r["model"], r["recipe_overrides"] or "-", str(r["n_tasks"]), fmt(r["mean_normalized_rank"]),
                      fmt(r["mean_normalized_score"])], "") for _, r in summary.iterrows()]
    test_rows = [([f"{r['task']} / {r['dataset']}", r["best"], r["second"], fmt(r["difference"]),
                   "-" if pd.isna(r["p_value"]) else f"{r['p_value']:.4f}", r["note"]], "")
                 for _, r in tests.iterrows()]
    agreement_rows = [([r["a"], r["b"], str(r["n_models"]), fmt(r["tau"]), fmt(r["p_value"])], "")
                      for _, r in agreement.iterrows()]
    figures = "\n".join(f'<figure class="plot"><figcaption>{escape(caption)}</figcaption>{svg}</figure>'
                        for caption, svg in plots.items())
    sections = [
        f"<h1>{escape(title)}</h1>",
        '<p class="note">Mean ± std over seeds; 95% CI: percentile bootstrap over test items (2000 resamples, '
        "seeds scored on the same resample); normalized: 0 = dummy, 1 = perfect; mean norm. rank: rank / n models "
        "averaged over the tasks a model ran (lower is better).</p>",
        _table(LEADERBOARD_COLUMNS, _leaderboard_rows(table), "leaderboard"),
        "<h2>Plots</h2>", f'<div class="plots">{figures}</div>',
        "<h2>Models across tasks</h2>",
        _table([("model", "text"), ("recipe", "text"), ("tasks", ""), ("mean norm. rank", ""),
                ("mean normalized", "")], summary_rows, "models"),
        "<h2>Best against second (paired sign-flip test on the same test items)</h2>",
        _table([("task", "text"), ("best", "text"), ("second", "text"), ("difference", ""), ("p-value", ""),
                ("note", "text")], test_rows, "paired-tests"),
        f"<h2>Ranking agreement (Kendall's tau, pairs sharing {MIN_TAU_MODELS} models or more)</h2>",
        _table([("a", "text"), ("b", "text"), ("models", ""), ("tau", ""), ("p-value", "")], agreement_rows,
               "agreement"),
    ]
    sections += _challenge_sections(table)
    sections += _autopsy_section(autopsies or [])
    body = "\n".join(sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n")


def _challenge_sections(table: pd.DataFrame) -> list[str]:
    """The EEG Foundation Challenge 2025 table and the published reference rows, when a model ran both."""
    from neuroarena.challenges.eeg2025 import PUBLISHED, overall_table

    overall = overall_table(table) if len(table) else pd.DataFrame()
    if overall.empty:
        return []
    header = [("dataset", "text"), ("model", "text"), ("recipe", "text"), ("C1 (rt)", ""),
              ("C2 (externalizing)", ""), ("overall", "")]
    measured = [([r["dataset"], r["model"], r["recipe_overrides"] or "-", f"{r['challenge_1']:.5f}",
                  f"{r['challenge_2']:.5f}", f"{r['overall']:.5f}"], "") for _, r in overall.iterrows()]
    published = [(["published", label, "-", *("-" if v is None else f"{v:.5f}" for v in (c1, c2, total))], "")
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
            f'<table id="autopsies"><thead><tr>{head}</tr></thead>\n<tbody>\n' + "\n".join(rows) + "\n</tbody></table>"]
