from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from neuroarena.metrics.statistics import item_outcomes, paired_sign_flip_test
from neuroarena.report.comparisons import model_summary, paired_tests, rank_agreement
from neuroarena.report.leaderboard import leaderboard, records_with_items
from neuroarena.results.records import JobKey, ResultRecord, ResultStore


def _rec(model, seed, ranks, task="image", dataset="simulated"):
    items = {"stimulus": ["a", "b", "c", "d"], "rank": ranks}
    return ResultRecord(key=JobKey(task, dataset, model, seed, "h"), status="ok", primary_metric="top1",
                        metrics={"top1": sum(r < 1 for r in ranks) / 4}, test_items=items)


def test_paired_test_between_the_two_best_on_the_same_items():
    records = [_rec("eegnet", 33, [0, 0, 0, 3]), _rec("eegnet", 34, [0, 0, 0, 0]),
               _rec("cov_ts_lr", 33, [2, 2, 0, 3]), _rec("cov_ts_lr", 34, [2, 2, 0, 3]),
               _rec("dummy", 33, [3, 3, 3, 3])]
    frame = records_with_items(records)
    tests = paired_tests(frame, leaderboard(frame, n_boot=100))
    row = tests.iloc[0]
    assert (row["best"], row["second"]) == ("eegnet", "cov_ts_lr")
    assert row["difference"] == pytest.approx(0.875 - 0.25)
    # per-item differences averaged over seeds: 1/4, 1/4, 0, 1/8; |sum| = 5/8 is reached only when
    # the two 1/4 and the 1/8 share a sign: 2 * 2 (free zero) = 4 of 16 patterns
    assert row["p_value"] == pytest.approx(0.25)
    assert row["note"] == ""


def test_paired_test_on_the_fixture_matches_a_direct_computation(results_root):
    frame = records_with_items(ResultStore(results_root / "records"))
    tests = paired_tests(frame, leaderboard(frame, n_boot=100)).set_index("dataset")
    row = tests[tests["task"] == "image"].loc["simulated"]
    items = {m: [r for r in frame[(frame["task"] == "image") & (frame["model"] == m)].sort_values("seed")["test_items"]]
             for m in ("eegnet", "shallow_fbcsp_net")}
    expected = paired_sign_flip_test(item_outcomes("top5", items["eegnet"]), item_outcomes("top5", items["shallow_fbcsp_net"]))
    assert row["p_value"] == expected
    assert 1e-4 < row["p_value"] < 0.2
    assert len(tests) == 3


def test_paired_test_says_why_it_has_no_p_value():
    records = [_rec("eegnet", 33, [0, 0, 0, 3]), _rec("cov_ts_lr", 33, [2, 2, 0, 3])]
    records[1] = replace(records[1], test_items={})
    frame = records_with_items(records)
    row = paired_tests(frame, leaderboard(frame)).iloc[0]
    assert pd.isna(row["p_value"]) and row["note"] == "records without test items"


def test_rank_agreement_and_model_summary():
    table = pd.DataFrame({
        "task": ["category"] * 4 + ["category"] * 4 + ["image"] * 2 + ["image"] * 3,
        "dataset": ["sim"] * 4 + ["tiny"] * 4 + ["other"] * 2 + ["sim"] * 3,
        "recipe_overrides": [""] * 13,
        "model": ["m1", "m2", "m3", "m4", "m1", "m3", "m2", "m4", "m1", "m2", "m1", "m2", "m3"],
        "mean": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.1, 0.9, 0.8, 0.7],
        "rank": [1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 1.0, 2.0, 3.0],
        "normalized": [0.8, 0.6, 0.4, 0.2, 0.5, 0.3, 0.1, 0.05, 0.4, 0.2, 0.8, 0.6, 0.4],
    })
    agreement = rank_agreement(table)
    # category / sim against category / tiny share m1..m4: orders m1>m2>m3>m4 and m1>m3>m2>m4, one discordant
    # pair of six -> (5 - 1) / 6; image / sim shares only three models with either (no tau), and image / other
    # shares neither task nor dataset with the category tasks and two models with image / sim
    assert agreement[["a", "b", "n_models"]].values.tolist() == [["category / sim", "category / tiny", 4]]
    assert agreement["tau"].iloc[0] == pytest.approx(4 / 6)
    summary = model_summary(table).set_index("model")
    # m1: (1/4 + 1/4 + 1/2 + 1/3) / 4; m2: (2/4 + 3/4 + 2/2 + 2/3) / 4
    assert summary.loc["m1", "mean_normalized_rank"] == pytest.approx((0.25 + 0.25 + 0.5 + 1 / 3) / 4)
    assert summary.loc["m2", "mean_normalized_rank"] == pytest.approx((0.5 + 0.75 + 1 + 2 / 3) / 4)
    assert summary.loc["m1", "mean_normalized_score"] == pytest.approx(2.5 / 4)
    assert summary.index[0] == "m1"
