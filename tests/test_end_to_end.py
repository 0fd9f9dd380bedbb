"""The whole pipeline through the real CLI on the tiny simulated dataset."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neuroarena.runner.job import JobSpec, run_job

# The tiny preset has the single-trial SNR of real EEG; the pipeline is tested on a stronger signal, so that
# every kind of model learns in a few epochs.
TINY = ["--dataset", "simulated-tiny", "--dataset-param", "config={snr: 3.0}"]
RUN = ["eeg", "category", "image", *TINY, "-m", "all_baseline", "eegnet",
       "shallow_fbcsp_net", "--seeds", "33", "--lr", "1e-3", "--batch-size", "32"]


def _cli(home: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "neuroarena", "--home", str(home), *argv],
                          capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def benchmark_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("e2e")
    result = _cli(home, *RUN)
    assert result.returncode == 0, result.stderr[-3000:]
    return home


def _records(home: Path) -> pd.DataFrame:
    rows = []
    for path in sorted((home / "results" / "records").rglob("seed-*.json")):
        r = json.loads(path.read_text())
        rows.append({"task": r["key"]["task"], "model": r["key"]["model"], "status": r["status"],
                     "score": r["metrics"].get(r["primary_metric"]), "path": path, "record": r})
    return pd.DataFrame(rows)


def test_nets_and_handcrafted_beat_dummy_on_both_tasks(benchmark_home):
    records = _records(benchmark_home)
    assert (records["status"] == "ok").all()
    score = records.set_index(["task", "model"])["score"]
    assert set(score.index) == {
        ("category", m) for m in ("dummy", "chance", "cov_ts_lr", "xdawn_ts_lr", "eegnet", "shallow_fbcsp_net")
    } | {("image", m) for m in ("dummy", "chance", "cov_ts_ridge", "eegnet", "shallow_fbcsp_net")}
    # 4 balanced categories: dummy is at chance; 20 test images: dummy top-5 is 5/20
    assert score["category", "dummy"] == pytest.approx(0.25)
    assert score["image", "dummy"] == pytest.approx(0.25)
    for model in ("eegnet", "shallow_fbcsp_net", "cov_ts_lr"):
        assert score["category", model] > score["category", "dummy"] + 0.1, model
    for model in ("eegnet", "shallow_fbcsp_net", "cov_ts_ridge"):
        assert score["image", model] > score["image", "dummy"] + 0.1, model
    # the ceiling is the Bayes decoder of the simulation scored the same way: no model reaches above it
    for _, row in records.iterrows():
        assert row["score"] <= row["record"]["ceiling"], (row["task"], row["model"])


def test_records_carry_config_costs_and_versions(benchmark_home):
    record = _records(benchmark_home).set_index(["task", "model"]).loc[("image", "eegnet"), "record"]
    assert record["recipe_overrides"] == {"lr": 0.001, "batch_size": 32}
    assert record["recipe"]["weight_decay"] == 0.05
    assert record["n_params"] > 1000 and record["wall_time_s"] > 0 and record["peak_memory_mb"] > 100
    assert {"torch", "braindecode", "mne", "neuroarena"} <= set(record["versions"])
    assert record["training"]["epochs"] >= 1
    # the simulation's Bayes decoder, scored like the model, is the ceiling, above the dummy's 0.25
    assert record["ceiling"] == record["analyses"]["oracle"]["metrics"]["top5"]
    assert record["reference"]["dummy"] + 0.2 < record["ceiling"] <= 1.0
    assert record["reference"]["ceiling_normalized"] == pytest.approx(
        (record["metrics"]["top5"] - record["reference"]["dummy"]) / (record["ceiling"] - record["reference"]["dummy"]))
    split = record["data"]["split"]
    assert split["shared"]["train/test"]["stimulus"] == 0
    # 1 s windows, one image every 0.6 s: neighbouring train and test windows share samples (counted, allowed)
    assert split["shared"]["train/test"]["samples"] > 0 and "samples" not in split["forbidden"]
    assert set(record["metrics"]) == {"top1", "top5", "top1_pooled", "top5_pooled", "top1_batch", "top5_batch"}
    # one item per subject and test image; both subjects saw all 20, so the mean over items is the per-subject mean
    ranks = np.array(record["test_items"]["rank"])
    assert record["test_items"]["subject"] == ["01"] * 20 + ["02"] * 20
    assert len(ranks) == 40 and np.mean(ranks < 5) == pytest.approx(record["metrics"]["top5"])


def test_rerun_skips_finished_jobs_and_report_writes_tables(benchmark_home):
    before = {p: p.stat().st_mtime_ns for p in (benchmark_home / "results").rglob("seed-*.json")}
    result = _cli(benchmark_home, *RUN)
    assert result.returncode == 0
    assert result.stderr.count("skipped (recorded)") == len(before) == 11
    assert {p: p.stat().st_mtime_ns for p in before} == before

    report = _cli(benchmark_home, "report")
    assert report.returncode == 0, report.stderr
    assert "eegnet" in report.stdout and "normalized" in report.stdout
    table = pd.read_csv(benchmark_home / "results" / "report" / "leaderboard.csv")
    assert len(table) == 11
    dummy = table[table["model"] == "dummy"]
    assert np.allclose(dummy["normalized"], 0.0)
    markdown = (benchmark_home / "results" / "report" / "leaderboard.md").read_text()
    assert markdown.count("\n| category |") == 6


def test_corrupt_shard_stops_with_the_file_named(benchmark_home):
    shard = sorted((benchmark_home / "cache" / "prepare").rglob("*.npy"))[0]
    data = bytearray(shard.read_bytes())
    data[-10:] = b"\xff" * 10
    shard.write_bytes(bytes(data))
    result = _cli(benchmark_home, "eeg", "category", *TINY, "--prepare")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("error: ") and shard.name in lines[-1] and "--prepare" in lines[-1]


def test_same_seed_same_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROARENA_HOME", str(tmp_path))
    spec = JobSpec(task="category", dataset="simulated-tiny", model="eegnet", seed=34, debug=True)
    first, second = run_job(spec), run_job(spec)
    assert first.status == second.status == "ok"
    assert first.metrics == second.metrics
    assert first.training["history"] == second.training["history"]
    other = run_job(JobSpec(task="category", dataset="simulated-tiny", model="eegnet", seed=35, debug=True))
    assert other.training["history"] != first.training["history"]


CAPTION_RUN = ["eeg", "caption", *TINY, "-m", "eegnet", "--seeds", "33", "--lr", "1e-3",
               "--batch-size", "32", "--max-epochs", "40"]


def test_caption_retrieval_beats_dummy_and_sits_below_the_image_reference(tmp_path):
    result = _cli(tmp_path, *CAPTION_RUN)
    assert result.returncode == 0, result.stderr[-3000:]
    records = _records(tmp_path).set_index("model")
    assert set(records.index) == {"eegnet", "dummy"} and (records["status"] == "ok").all()
    eegnet, dummy = records.loc["eegnet", "record"], records.loc["dummy", "record"]
    # per subject, among the 140 captions of that subject's test session (dummy: 5 / 140)
    assert eegnet["metrics"]["recall5"] > dummy["metrics"]["recall5"]
    assert eegnet["metrics"]["map"] > dummy["metrics"]["map"]
    ranks = np.array(eegnet["test_items"]["rank"])  # the leaderboard's interval resamples these
    assert len(ranks) == 2 * 140 and np.mean(ranks < 5) == pytest.approx(eegnet["metrics"]["recall5"])
    # the simulation's captions are embedded by the offline sentence model; its images by the true features
    assert eegnet["data"]["spaces"]["target"]["name"] == "minilm"
    assert eegnet["data"]["spaces"]["reference"] == {"name": "features", "hash": "features", "zero_shot": False}
    reference = eegnet["analyses"]["image_reference"]
    assert reference["method"] == "ridge"
    assert reference["metrics"]["recall5"] > eegnet["metrics"]["recall5"]
    # the ceiling is the oracle's: it knows which image was seen, and ties identical captions like any model
    assert eegnet["ceiling"] == eegnet["analyses"]["oracle"]["metrics"]["recall5"] >= eegnet["metrics"]["recall5"]
    analyses = eegnet["analyses"]
    assert set(analyses["per_subject"]) == {"01", "02"}
    # matched EEG-caption pairs are more alike than mismatched ones (a weak model on one test session each)
    assert 0 <= analyses["bertscore"]["share_above"] <= 1 and analyses["clipscore"]["auc"] > 0.5
    assert set(analyses["map_per_class"]) == {"animal", "food", "vehicle", "tool"}
    assert eegnet["training"]["objective"] == {"terms": ["clip", "category_ce"], "weights": [1.0, 0.2]}
    # whole sessions: one per subject to test, one to validate, the third to train; all show every image
    split = eegnet["data"]["split"]
    assert split["sizes"] == {"train": 400, "val": 400, "test": 400}
    assert split["shared"]["train/test"]["subject+session"] == 0 and split["shared"]["train/test"]["stimulus"] == 140
