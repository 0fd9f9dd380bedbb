"""The EEG Foundation Challenge 2025 (NeurIPS 2025, HBN): its two challenges, the overall score and the
published leaderboard.

Challenge 1 is the ``rt`` task, Challenge 2 the ``externalizing`` task; both are scored by NRMSE
(:func:`neuroarena.metrics.regression.nrmse`, lower is better, the mean predictor at 1.0) and the
overall score is ``0.3 * NRMSE_1 + 0.7 * NRMSE_2`` (the official ``local_scoring.py``; the final
phase later ranked the two challenges separately).

The published figures (:data:`PUBLISHED`) come from the organisers' final leaderboard
(eeg2025/eeg2025.github.io, ``_pages/leaderboard.md``): best Challenge 1 KUL_EEG 0.88668, best
Challenge 2 JLShen 0.97843, and MBZUAI's pair C1 0.91394 / C2 0.98519, whose weighted overall
0.96381 is the best overall. They are reference values, shown beside measured rows and never mixed
with them.
"""
from __future__ import annotations

import pandas as pd

#: The tasks of the two challenges and their weights in the overall score.
CHALLENGE_TASKS = {"challenge_1": "rt", "challenge_2": "externalizing"}
WEIGHTS = {"challenge_1": 0.3, "challenge_2": 0.7}

#: The final 2025 leaderboard (test release R12), NRMSE: (label, C1, C2, overall); None where not published.
PUBLISHED: tuple[tuple[str, float | None, float | None, float | None], ...] = (
    ("best overall (MBZUAI)", 0.91394, 0.98519, 0.96381),
    ("best Challenge 1 (KUL_EEG)", 0.88668, None, None),
    ("best Challenge 2 (JLShen)", None, 0.97843, None),
    ("mean predictor", 1.0, 1.0, 1.0),
)

OVERALL_COLUMNS = ["dataset", "model", "recipe_overrides", "challenge_1", "challenge_2", "overall"]


def overall_score(challenge_1: float, challenge_2: float) -> float:
    """``0.3 * challenge_1 + 0.7 * challenge_2`` (NRMSE of each challenge)."""
    return WEIGHTS["challenge_1"] * challenge_1 + WEIGHTS["challenge_2"] * challenge_2


def overall_table(table: pd.DataFrame) -> pd.DataFrame:
    """Each model's Challenge 1 and 2 NRMSE (seed means) and overall score, per dataset and recipe.

    Parameters
    ----------
    table : DataFrame
        From :func:`neuroarena.report.leaderboard.leaderboard`.

    Returns
    -------
    DataFrame, columns :data:`OVERALL_COLUMNS`
        One row per (dataset, model, recipe) that ran both challenges, best overall first; empty when none did.
    """
    rows = table[table["task"].isin(CHALLENGE_TASKS.values()) & (table["metric"] == "nrmse")]
    if rows.empty:
        return pd.DataFrame(columns=OVERALL_COLUMNS)
    wide = rows.pivot_table(index=["dataset", "model", "recipe_overrides"], columns="task", values="mean",
                            aggfunc="first")
    if not set(CHALLENGE_TASKS.values()) <= set(wide.columns):
        return pd.DataFrame(columns=OVERALL_COLUMNS)
    wide = wide.dropna(subset=list(CHALLENGE_TASKS.values())).reset_index()
    out = wide.rename(columns={task: name for name, task in CHALLENGE_TASKS.items()})
    out["overall"] = [overall_score(a, b) for a, b in zip(out["challenge_1"], out["challenge_2"])]
    return out.sort_values(["overall", "model"]).reset_index(drop=True)[OVERALL_COLUMNS]


def overall_markdown(overall: pd.DataFrame) -> str:
    """The overall table, then the published reference rows, as markdown ("" when no model ran both)."""
    if overall.empty:
        return ""

    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.5f}"

    lines = ["", "## EEG Foundation Challenge 2025 (NRMSE, lower is better; overall = 0.3 C1 + 0.7 C2)", "",
             "| dataset | model | recipe | C1 (rt) | C2 (externalizing) | overall |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['dataset']} | {r['model']} | {r['recipe_overrides'] or '-'} | {r['challenge_1']:.5f} "
              f"| {r['challenge_2']:.5f} | {r['overall']:.5f} |" for _, r in overall.iterrows()]
    lines += ["", "Published reference values (final 2025 leaderboard, HBN test release; not measured here):", "",
              "| reference | C1 | C2 | overall |", "|---|---|---|---|"]
    lines += [f"| {label} | {cell(c1)} | {cell(c2)} | {cell(total)} |" for label, c1, c2, total in PUBLISHED]
    return "\n".join(lines) + "\n"
