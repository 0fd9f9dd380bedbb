from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.hashing import stable_hash
from neuroarena.studies.simulated.config import SimulationConfig
from neuroarena.studies.simulated.writer import write_dataset

ONE_SESSION = SimulationConfig.preset(
    "tiny", n_subjects=1, n_sessions=1, n_train_concepts=8, n_test_concepts=4, train_repeats=1, test_repeats=2,
)


def _files(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_config_gives_bit_identical_files(tmp_path):
    first = _files(write_dataset(ONE_SESSION, tmp_path / "a"))
    second = _files(write_dataset(ONE_SESSION, tmp_path / "b"))
    assert first == second
    other = _files(write_dataset(ONE_SESSION.model_copy(update={"seed": 5}), tmp_path / "c"))
    eeg = Path("sub-01/ses-1/eeg/sub-01_ses-1_task-things_eeg.eeg")
    assert first.keys() == other.keys()
    assert first[eeg] != other[eeg]


def test_second_call_is_a_no_op_and_no_temporary_folder_is_left(tmp_path):
    root = write_dataset(ONE_SESSION, tmp_path / "sim")
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
    assert write_dataset(ONE_SESSION, root) == root
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*")} == before
    assert [p.name for p in tmp_path.iterdir()] == ["sim"]


def test_dataset_level_files(tmp_path):
    root = write_dataset(ONE_SESSION, tmp_path / "sim")
    stimuli = pd.read_csv(root / "stimuli.tsv", sep="\t", index_col="stimulus")
    assert stimuli.shape == (12, 3 + 8)
    assert stimuli.loc["train_0000", "split"] == "train" and stimuli.loc["test_0003", "split"] == "test"
    description = json.loads((root / "dataset_description.json").read_text())
    assert description["DatasetType"] == "raw"
    stored = json.loads((root / "simulation.json").read_text())
    assert stored["hash"] == stable_hash(ONE_SESSION)
    assert SimulationConfig(**stored["config"]) == ONE_SESSION
    sidecar = json.loads((root / "sub-01/ses-1/eeg/sub-01_ses-1_task-things_events.json").read_text())
    assert {"stimulus", "category", "caption", "split"} <= set(sidecar)
    events = pd.read_csv(root / "sub-01/ses-1/eeg/sub-01_ses-1_task-things_events.tsv", sep="\t")
    assert list(events.columns) == [
        "onset", "duration", "value", "sample", "trial_type", "stimulus", "category", "caption", "split",
    ]
    assert len(events) == 8 + 4 * 2
    assert (events["sample"] == (events["onset"] * 250).round()).all()


def test_folder_holding_something_else_is_refused(tmp_path):
    root = write_dataset(ONE_SESSION, tmp_path / "sim")
    with pytest.raises(NeuroarenaError, match="does not hold the simulation"):
        write_dataset(ONE_SESSION.model_copy(update={"seed": 1}), root)
    stranger = tmp_path / "mine"
    stranger.mkdir()
    with pytest.raises(NeuroarenaError, match="mine"):
        write_dataset(ONE_SESSION, stranger)
