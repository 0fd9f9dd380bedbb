"""The EEG Foundation Challenge 2025 overall score beside the published leaderboard."""
from __future__ import annotations

import pytest

from neuroarena.challenges.eeg2025 import PUBLISHED, overall_markdown, overall_score, overall_table
from neuroarena.report.leaderboard import leaderboard
from neuroarena.results.records import JobKey, ResultRecord
from neuroarena.results.table import records_frame


def _record(task, model, seed, nrmse):
    return ResultRecord(key=JobKey(task, "simulated-hbn", model, seed, "h"), status="ok",
                        metrics={"nrmse": nrmse}, primary_metric="nrmse")


def test_overall_weights_the_two_challenges_and_keeps_the_published_rows_apart():
    records = [_record("rt", "eegnex", 33, 0.80), _record("rt", "eegnex", 34, 0.90),
               _record("externalizing", "eegnex", 33, 0.99), _record("rt", "dummy", 33, 1.0),
               _record("externalizing", "dummy", 33, 1.01), _record("rt", "cov_ts_ridge", 33, 0.7)]
    overall = overall_table(leaderboard(records_frame(records)))
    # cov_ts_ridge ran only Challenge 1: no overall score
    assert overall["model"].tolist() == ["eegnex", "dummy"]
    assert overall.iloc[0]["challenge_1"] == pytest.approx(0.85)
    assert overall.iloc[0]["overall"] == pytest.approx(0.3 * 0.85 + 0.7 * 0.99)
    # the published best overall is MBZUAI's weighted pair
    label, c1, c2, total = PUBLISHED[0]
    assert overall_score(c1, c2) == pytest.approx(total, abs=5e-6)
    text = overall_markdown(overall)
    measured, published = text.split("Published reference values")
    assert "eegnex" in measured and "0.96381" not in measured
    assert "0.96381" in published and "0.88668" in published and "0.97843" in published
    assert overall_markdown(overall.iloc[:0]) == ""


def test_the_html_page_shows_the_challenge_and_the_published_rows_apart():
    from neuroarena.report.comparisons import model_summary, paired_tests, rank_agreement
    from neuroarena.report.html import to_html
    from neuroarena.report.leaderboard import records_with_items

    records = records_with_items([_record("rt", "eegnex", 33, 0.8), _record("externalizing", "eegnex", 33, 0.99),
                                  _record("rt", "dummy", 33, 1.0), _record("externalizing", "dummy", 33, 1.0)])
    table = leaderboard(records)
    page = to_html(table, model_summary(table), paired_tests(records, table), rank_agreement(table), records)
    measured = page[page.index('id="eeg2025"'):page.index('id="eeg2025-published"')]
    assert "eegnex" in measured and f"{0.3 * 0.8 + 0.7 * 0.99:.5f}" in measured and "0.96381" not in measured
    assert "0.96381" in page[page.index('id="eeg2025-published"'):]
