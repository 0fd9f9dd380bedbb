"""The MOABB adapter on MOABB's FakeDataset: recordings, events in the standard columns, the EEG-only guard on a
planted kinematics channel, MOABB's version in the store's hash, and a motor-imagery job end to end."""
from __future__ import annotations

import mne
import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import EVENT_COLUMNS, SkippedWarning
from neuroarena.studies.moabb_study import MoabbStudy, eeg_only
from neuroarena.studies.registry import STUDIES, get_study

FAKE = STUDIES["moabb-fake-imagery"][1]


class PlantedKinematics(MoabbStudy):
    """FakeDataset with a channel typed EEG that carries each trial's label (as BNCI2025_001 once shipped)."""

    def _load_subject(self, subject):
        data = super()._load_subject(subject)
        for runs in data.values():
            for raw in runs.values():
                events = mne.find_events(raw, stim_channel="stim", shortest_event=0, verbose=False)
                signal = np.zeros((1, raw.n_times))
                for sample, _, code in events:
                    signal[0, sample - raw.first_samp: sample - raw.first_samp + 200] = code
                raw.add_channels([mne.io.RawArray(signal, mne.create_info(["hand_pos_x"], raw.info["sfreq"], "eeg"),
                                                  verbose=False)], force_update_info=True)
        return data


def test_recordings_and_events_follow_moabb_s_subjects_sessions_runs(tmp_path):
    study = get_study("moabb-fake-imagery")
    recordings = study.recordings()
    assert len(recordings) == 5 * 2 and recordings[0].id == "sub-01_ses-0_task-imagery_run-0"
    events = recordings[0].events()
    assert list(events.columns) == list(EVENT_COLUMNS) and len(events) == 40
    assert set(events["category"]) == {"left_hand", "right_hand"} and (events["kind"] == "stimulus").all()
    assert (events["duration"] == 3.0).all()  # MOABB's interval of the imagery FakeDataset: [0, 3]
    raw = recordings[0].load()
    assert raw.ch_names == FAKE["dataset_params"]["channels"] and set(raw.get_channel_types()) == {"eeg"}
    params = study.params()
    import moabb

    assert params["moabb"] == moabb.__version__ and params["interval"] == [0, 3]
    # the same subject's data, generated twice, are the same (MOABB seeds each subject)
    again = get_study("moabb-fake-imagery").recordings()[0].load()
    assert np.array_equal(raw.get_data(), again.get_data())


def test_only_eeg_reaches_a_model_even_when_a_sensor_is_typed_eeg():
    study = PlantedKinematics(**FAKE, subjects=["1"])
    raw = study._subject_data(1)["0"]["0"]
    assert "hand_pos_x" in raw.ch_names and raw.get_channel_types(picks=["hand_pos_x"]) == ["eeg"]
    with pytest.warns(SkippedWarning, match="hand_pos_x.*typed EEG but named as another sensor"):
        loaded = study.recordings()[0].load()
    assert "hand_pos_x" not in loaded.ch_names and "stim" not in loaded.ch_names
    assert any("hand_pos_x" in s["recording"] for s in study.skipped)
    kept, dropped = eeg_only(raw)
    assert dropped == ["hand_pos_x"] and kept.ch_names == FAKE["dataset_params"]["channels"]


def test_unknown_moabb_dataset_and_bad_parameters_say_what_to_use():
    with pytest.raises(NeuroarenaError, match="MOABB has no dataset 'BNCI2014_01'.*BNCI2014_001"):
        MoabbStudy("BNCI2014_01")
    with pytest.raises(NeuroarenaError, match="does not take these parameters"):
        MoabbStudy("FakeDataset", {"n_subject": 3})


def test_motor_imagery_job_end_to_end_on_the_fake_dataset():
    from neuroarena.runner.api import run

    frame = run("motor_imagery", ["cov_ts_lr"], dataset="moabb-fake-imagery", seeds=[0])
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    scores = frame.set_index("model")["score"]
    # noise around random cues: nothing to decode, so the Riemannian pipeline stays near chance
    assert abs(scores["cov_ts_lr"] - 0.5) < 0.15 and abs(scores["dummy"] - 0.5) < 0.15


def test_motor_execution_keeps_the_direction_of_the_sixteen_conditions():
    from neuroarena.runner.api import prepare, run
    from neuroarena.runner.targets import make_targets
    from neuroarena.splits.splitters import make_splitter
    from neuroarena.tasks.config import load_task

    study = get_study("moabb-fake-execution")
    assert study.dataset.interval == [0.0, 4.0] and study.params()["interval"] == [0.0, 4.0]
    metadata = prepare("motor_execution", "moabb-fake-execution", progress=False).metadata
    assert metadata["category"].nunique() == 16
    task = load_task("motor_execution")
    split = make_splitter(task.split.name, **task.split.params).split(metadata)
    targets = make_targets(task, metadata, split, None, "store")
    assert targets.classes == ["down", "left", "right", "up"] and targets.excluded == {"windows_without_target": 0}
    expected = metadata["category"].str.split("_").str[0].to_numpy()
    assert (np.asarray(targets.classes)[targets.y["test"]] == expected[split.test]).all()
    narrow = task.model_copy(update={"target": task.target.model_copy(update={"labels": {"up_*": "up",
                                                                                          "down_*": "down"}})})
    halved = make_targets(narrow, metadata, split, None, "store")
    assert halved.excluded["windows_without_target"] == int(np.isin(expected, ["left", "right"]).sum()) > 0
    assert sum(len(v) for v in halved.windows.values()) == int(np.isin(expected, ["up", "down"]).sum())
    frame = run("motor_execution", ["cov_ts_lr"], dataset="moabb-fake-execution", seeds=[0])
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    assert frame.set_index("model")["score"]["dummy"] == 0.25  # four directions, balanced accuracy


def test_a_bad_interval_is_refused():
    with pytest.raises(NeuroarenaError, match="bad MOABB interval"):
        MoabbStudy("FakeDataset", FAKE["dataset_params"], interval=[2.0, 1.0])
