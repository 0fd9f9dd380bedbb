from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import EVENT_COLUMNS
from neuroarena.studies.bids import BidsStudy, read_events_tsv

TINY_TRIALS = 120 * 1 + 20 * 4  # train concepts x repeats + test concepts x repeats


def test_simulated_files_load_back_as_bids(tiny_study):
    study = BidsStudy(tiny_study.root, task="things", name="mine")
    recordings = study.recordings()
    assert [r.id for r in recordings] == [
        f"sub-{s}_ses-{k}_task-things" for s in ("01", "02") for k in ("1", "2", "3")
    ]
    assert {r.study for r in recordings} == {"mine"}
    assert recordings[0].path.name == "sub-01_ses-1_task-things_eeg.vhdr"

    raw = recordings[0].load()
    assert len(raw.ch_names) == 32
    assert raw.info["sfreq"] == 250.0
    assert raw.info["line_freq"] == 50.0
    assert {"Fp1", "Fp2", "O1", "O2", "Oz"} <= set(raw.ch_names)
    assert raw.get_montage() is not None

    events = recordings[0].events()
    assert tuple(events.columns) == EVENT_COLUMNS
    assert len(events) == TINY_TRIALS
    assert set(events["kind"]) == {"stimulus"}
    assert events["rt"].isna().all()
    assert np.allclose(events["duration"], 0.1)
    last_sample_time = (raw.n_times - 1) / raw.info["sfreq"]
    assert events["onset"].min() >= 2.0
    assert events["onset"].max() + 0.8 < last_sample_time
    assert events["onset"].is_monotonic_increasing
    assert set(events["split"]) == {"train", "test"}
    assert events["caption"].str.startswith("a photo of a ").all()


def test_missing_folder_names_the_folder(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(NeuroarenaError, match="nowhere") as info:
        BidsStudy(missing, task="things", name="mydata").recordings()
    assert "neuroarena eeg <task> --dataset mydata --download" in str(info.value)


def test_no_recording_of_the_task(tiny_study):
    with pytest.raises(NeuroarenaError, match="no EEG recording of task 'rest'"):
        BidsStudy(tiny_study.root, task="rest").recordings()


def test_download_is_refused(tmp_path):
    with pytest.raises(NeuroarenaError, match="cannot be downloaded"):
        BidsStudy(tmp_path, task="x").download()


def test_unknown_target_column(tmp_path):
    with pytest.raises(NeuroarenaError, match="unknown column"):
        BidsStudy(tmp_path, task="x", event_columns={"stim_file": "image"})


def test_events_tsv_renamed_and_filled(tmp_path):
    path = tmp_path / "sub-01_task-x_events.tsv"
    path.write_text(
        "onset\tduration\ttrial_type\tstim_file\tresponse_time\tstimulus\n"
        "1.5\t0.2\tgo\timg_01.png\t0.45\tignored\n"
        "3\tn/a\tn/a\timg_02.png\tn/a\tignored\n"
    )
    events = read_events_tsv(path, {"trial_type": "kind", "stim_file": "stimulus", "response_time": "rt"})
    assert tuple(events.columns) == EVENT_COLUMNS
    assert events["onset"].tolist() == [1.5, 3.0]
    assert events["duration"].iloc[0] == 0.2 and np.isnan(events["duration"].iloc[1])
    assert events["kind"].tolist() == ["go", ""]
    assert events["stimulus"].tolist() == ["img_01.png", "img_02.png"]
    assert events["rt"].iloc[0] == 0.45 and np.isnan(events["rt"].iloc[1])
    assert events["category"].tolist() == ["", ""]


def test_user_mapping_wins_over_bids_default(tmp_path):
    path = tmp_path / "events.tsv"
    path.write_text("onset\tduration\ttrial_type\tvalue\n0.5\t0\tstim\t7\n")
    study = BidsStudy(tmp_path, task="x", event_columns={"value": "kind"})
    assert study.event_columns == {"response_time": "rt", "stim_file": "stimulus", "value": "kind"}
    assert read_events_tsv(path, study.event_columns)["kind"].tolist() == ["7"]


def test_bad_onset_is_an_error(tmp_path):
    path = tmp_path / "events.tsv"
    path.write_text("onset\tduration\nsoon\t0\n")
    with pytest.raises(NeuroarenaError, match="'onset' holds values that are not numbers"):
        read_events_tsv(path, {})
    path.write_text("onset\tduration\nn/a\t0\n")
    with pytest.raises(NeuroarenaError, match="no onset"):
        read_events_tsv(path, {})


def test_missing_events_file(tmp_path):
    with pytest.raises(NeuroarenaError, match="events file not found"):
        read_events_tsv(tmp_path / "absent_events.tsv", {})
