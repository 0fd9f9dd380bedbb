import pytest

from neuroarena.metrics.statistics import bootstrap_ci
from neuroarena.report.leaderboard import leaderboard, records_with_items, to_markdown, write_report
from neuroarena.results.records import JobKey, ResultRecord, ResultStore
from neuroarena.results.table import records_frame


def _rec(model, seed, score, status="ok", overrides=None, ceiling=None, per_subject=None):
    return ResultRecord(key=JobKey("category", "simulated", model, seed, "h"), status=status, ceiling=ceiling,
                        metrics={"balanced_accuracy": score} if status == "ok" else {},
                        primary_metric="balanced_accuracy", recipe_overrides=overrides or {},
                        analyses={"per_subject": {s: {"balanced_accuracy": v} for s, v in (per_subject or {}).items()}})


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
    assert table["mean_normalized_rank"].to_dict() == pytest.approx({"eegnet": 1 / 3, "cov_ts_lr": 2 / 3, "dummy": 1.0})
    assert table["ci_low"].isna().all()  # no test items


def test_interval_pools_seeds_from_test_items(results_root):
    records = records_with_items(ResultStore(results_root / "records"))
    table = leaderboard(records, n_boot=500)
    row = table[(table["task"] == "image") & (table["model"] == "eegnet")].iloc[0]
    items = [r.test_items for r in ResultStore(results_root / "records")
             if r.key.task == "image" and r.key.model == "eegnet"]
    assert (row["ci_low"], row["ci_high"]) == bootstrap_ci("top5", items, n_boot=500)
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    # the seed-averaged score sits near the middle of its interval; the dummy's interval is a point
    assert abs((row["ci_low"] + row["ci_high"]) / 2 - row["mean"]) < 0.02
    dummy = table[(table["task"] == "category") & (table["model"] == "dummy")]
    assert dummy[["ci_low", "ci_high"]].to_numpy().tolist() == [[0.25, 0.25]] * 2
    # every model ran 3 tasks of 5 models; eegnet is first on each
    assert table.loc[table["model"] == "eegnet", "mean_normalized_rank"].unique().tolist() == pytest.approx([0.2])


def test_ceiling_and_ceiling_normalized_score_beside_the_score():
    records = [_rec("dummy", 33, 0.25, ceiling=0.6),
               _rec("eegnet", 33, 0.5, ceiling=0.6, per_subject={"1": 0.4, "2": 0.6})]
    table = leaderboard(records_frame(records)).set_index("model")
    assert table["ceiling"].tolist() == [0.6, 0.6]
    # NeuralBench's (0.5 - 0.25) / (1 - 0.25) and the ceiling's (0.5 - 0.25) / (0.6 - 0.25)
    assert table.loc["eegnet", "normalized"] == pytest.approx(1 / 3)
    assert table.loc["eegnet", "ceiling_normalized"] == pytest.approx(0.25 / 0.35)
    assert table.loc["dummy", "ceiling_normalized"] == pytest.approx(0.0)
    # the spread over subjects: sd of 0.4 and 0.6; the dummy's record has no per-subject scores
    assert table.loc["eegnet", "subject_sd"] == pytest.approx(0.1414214, rel=1e-6)
    assert table["subject_sd"].isna().tolist() == [False, True]
    # no test items in these records: no interval; each model ran one task of two models
    assert "| 0.500 ± 0.000 | - | 0.141 | 1 | 0.333 | 0.600 | 0.714 | 1 | 0.500 |" in to_markdown(table.reset_index())


def test_no_ceiling_normalized_score_without_a_ceiling_above_the_dummy():
    records = [_rec("dummy", 33, 0.25, ceiling=0.25), _rec("eegnet", 33, 0.5, ceiling=0.25), _rec("dummy", 34, 0.25)]
    table = leaderboard(records_frame(records))
    assert table["ceiling_normalized"].isna().all()
    assert leaderboard(records_frame(RECORDS))["ceiling_normalized"].isna().all()


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
    assert ("| category | simulated | eegnet | balanced_accuracy | 0.750 ± 0.071 | - | - | 2 | 0.667 | - | - | 1 "
            "| 0.333 |" in markdown)
    assert paths["csv"].read_text().count("\n") == 1 + 3
    assert markdown.startswith(to_markdown(table))
    assert "| eegnet | - | 1 | 0.333 | 0.667 |" in markdown  # models across tasks
    assert set(paths) == {"markdown", "csv", "html"}
    page = paths["html"].read_text()
    leaderboard_rows = page[page.index('id="leaderboard"'):].split("</table>")[0]
    assert leaderboard_rows.count("<tr") == 1 + 3 and leaderboard_rows.count("data-task=") == 3
    assert page.count('<section class="task"') == 1  # one per (task, dataset, recipe)


def test_report_of_no_records_writes_empty_tables(tmp_path):
    (tmp_path / "records").mkdir()
    table, paths = write_report(tmp_path, tmp_path / "report")
    assert len(table) == 0 and "mean_normalized_rank" in table.columns
    assert paths["csv"].read_text().count("\n") == 1
    page = paths["html"].read_text()
    assert 'id="no-results"' in page and "neuroarena eeg" in page
    assert page.count("<tr") == 2  # the headers of the paired tests and of the agreement


def test_a_foundation_model_pretrained_on_the_test_dataset_is_flagged(tmp_path):
    def rec(model, dataset, score):
        return ResultRecord(key=JobKey("ssvep", dataset, model, 0, "h"), status="ok",
                            metrics={"balanced_accuracy": score}, primary_metric="balanced_accuracy")

    records = [rec(m, d, s) for d in ("wang2016", "simulated-ssvep") for m, s in
               (("dummy", 0.025), ("eegpt", 0.6), ("labram", 0.5))]
    table = leaderboard(records_frame(records)).set_index(["dataset", "model"])["pretraining_overlap"]
    assert table[("wang2016", "eegpt")] == "TSU"  # EEGPT pretrained on the Tsinghua SSVEP benchmark
    assert table[("simulated-ssvep", "eegpt")] == "" and table[("wang2016", "labram")] == ""
    store = ResultStore(tmp_path / "records")
    for r in records:
        store.write(r)
    _, paths = write_report(tmp_path, tmp_path / "report")
    markdown = paths["markdown"].read_text()
    assert "| wang2016 | eegpt† |" in markdown and "| simulated-ssvep | eegpt |" in markdown
    assert "† eegpt was pretrained on TSU, which holds wang2016" in markdown
    assert "eegpt†" in paths["html"].read_text()
