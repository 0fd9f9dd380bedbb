import pytest

from neuroarena.report.leaderboard import leaderboard, to_markdown, write_report
from neuroarena.results.records import JobKey, ResultRecord, ResultStore
from neuroarena.results.table import records_frame


def _rec(model, seed, score, status="ok", overrides=None, ceiling=None):
    return ResultRecord(key=JobKey("category", "simulated", model, seed, "h"), status=status, ceiling=ceiling,
                        metrics={"balanced_accuracy": score} if status == "ok" else {},
                        primary_metric="balanced_accuracy", recipe_overrides=overrides or {})


RECORDS = [
    _rec("dummy", 33, 0.25), _rec("dummy", 34, 0.25),
    _rec("eegnet", 33, 0.70), _rec("eegnet", 34, 0.80),
    _rec("cov_ts_lr", 33, 0.55), _rec("cov_ts_lr", 34, 0.0, status="failed"),
]


def test_mean_std_normalized_and_rank():
    table = leaderboard(records_frame(RECORDS)).set_index("model")
    assert table.loc["eegnet", "mean"] == pytest.approx(0.75)
    assert table.loc["eegnet", "std"] == pytest.approx(0.0707107, rel=1e-5)
    assert table.loc["eegnet", "normalized"] == pytest.approx((0.75 - 0.25) / 0.75)
    assert table.loc["dummy", "normalized"] == pytest.approx(0.0)
    assert table.loc["cov_ts_lr", "n_seeds"] == 1  # the failed seed is not averaged in
    assert table.loc["cov_ts_lr", "normalized"] == pytest.approx(0.3 / 0.75)
    assert table["rank"].to_dict() == {"eegnet": 1.0, "cov_ts_lr": 2.0, "dummy": 3.0}


def test_ceiling_is_shown_beside_the_score():
    records = [_rec("dummy", 33, 0.25, ceiling=0.6), _rec("eegnet", 33, 0.5, ceiling=0.6)]
    table = leaderboard(records_frame(records))
    assert table["ceiling"].tolist() == [0.6, 0.6]
    assert "| 0.500 ± 0.000 | 1 | 0.333 | 1 | 0.600 |" in to_markdown(table)


def test_different_recipes_never_mix():
    records = RECORDS + [_rec("eegnet", 33, 0.30, overrides={"max_epochs": 2})]
    table = leaderboard(records_frame(records))
    eegnet = table[table["model"] == "eegnet"]
    assert sorted(eegnet["mean"].round(3)) == [0.3, 0.75]
    # no dummy ran under the overridden recipe: no normalized score for it
    assert eegnet[eegnet["recipe_overrides"] != ""]["normalized"].isna().all()


def test_report_files(tmp_path):
    store = ResultStore(tmp_path / "records")
    for r in RECORDS:
        store.write(r)
    table, paths = write_report(tmp_path, tmp_path / "report")
    markdown = paths["markdown"].read_text()
    assert "| category | simulated | eegnet | balanced_accuracy | 0.750 ± 0.071 | 2 | 0.667 | 1 | - |" in markdown
    assert paths["csv"].read_text().count("\n") == 1 + 3
    assert to_markdown(table) == markdown
