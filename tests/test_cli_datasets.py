"""A user's own data from the command line: a BIDS folder, a dataset YAML, subject filters, another split."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "studies"))
from erp_bids_fixture import write_erp_bids  # noqa: E402

from neuroarena.cli import main  # noqa: E402


@pytest.fixture(scope="module")
def erp_root(tmp_path_factory) -> Path:
    return write_erp_bids(tmp_path_factory.mktemp("my-erp"), n_subjects=4)


@pytest.fixture(autouse=True)
def keep_session_home(monkeypatch):
    """main() points $NEUROARENA_HOME at its --home; give the session's back afterwards."""
    monkeypatch.setenv("NEUROARENA_HOME", os.environ["NEUROARENA_HOME"])


def records(home: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((home / "results" / "records").rglob("*.json"))]


def test_a_bids_folder_gets_a_cross_subject_leaderboard_in_one_command(erp_root, tmp_path, capsys):
    main(["--home", str(tmp_path), "eeg", "category", "--dataset", str(erp_root),
          "--dataset-param", "event_columns={trial_type: category}", "--split", "cross_subject",
          "-m", "all_baseline", "cov_ts_lr", "--seeds", "1"])
    out = capsys.readouterr().out
    label = f"bids:{erp_root.name}"
    assert label in out and "cov_ts_lr" in out
    by_model = {r["key"]["model"]: r for r in records(tmp_path)}
    assert set(by_model) == {"dummy", "chance", "cov_ts_lr", "xdawn_ts_lr"}
    assert {r["key"]["dataset"] for r in by_model.values()} == {f"{label}[event_columns=trial_type:category]"}
    assert by_model["dummy"]["metrics"]["balanced_accuracy"] == pytest.approx(0.25)
    assert by_model["cov_ts_lr"]["metrics"]["balanced_accuracy"] > 0.8  # the 4 classes have distinct ERPs
    split = by_model["cov_ts_lr"]["data"]["split"]
    assert split["forbidden"] == ["subject"] and split["sizes"] == {"train": 160, "val": 80, "test": 80}


def test_filters_and_yaml_reach_the_store_and_the_record_hash(erp_root, tmp_path, capsys):
    yaml_path = tmp_path / "erp.yaml"
    yaml_path.write_text(f"study: bids\nlabel: my-erp\nroot: {erp_root}\nevent_columns: {{trial_type: category}}\n")
    common = ["--home", str(tmp_path), "eeg", "category", "--dataset", str(yaml_path), "--split", "within_subject",
              "--split-param", "test_fraction=0.25", "val_fraction=0.25", "-m", "cov_ts_lr", "--seeds", "1"]
    main(common)
    main(common + ["--subjects", "1", "2"])
    capsys.readouterr()
    runs = [r for r in records(tmp_path) if r["key"]["model"] == "cov_ts_lr"]
    assert len(runs) == 2 and len({r["key"]["config_hash"] for r in runs}) == 2
    assert {r["data"]["n_subjects"] for r in runs} == {4, 2}
    assert len({r["data"]["store"] for r in runs}) == 2
    assert {r["key"]["dataset"] for r in runs} == {"my-erp", "my-erp[subjects=1,2]"}
