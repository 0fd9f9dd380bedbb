"""The simulated motor-imagery study: its BIDS files, the contralateral ERD in them, its oracle, and the
motor_imagery task run end to end on it offline."""
from __future__ import annotations

import json

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated_mi.config import MotorImageryConfig
from neuroarena.studies.simulated_mi.study import SimulatedMotorImagery

CLASSES = ["left_hand", "right_hand"]


@pytest.fixture(scope="module")
def tiny() -> SimulatedMotorImagery:
    """The ``tiny`` preset, written under the session's temporary home (where ``simulated-mi-tiny`` lives)."""
    from neuroarena.studies.registry import get_study

    study = get_study("simulated-mi-tiny")
    assert isinstance(study, SimulatedMotorImagery) and study.config == MotorImageryConfig.preset("tiny")
    study.download()
    return study


def test_tiny_preset_is_a_bids_dataset_with_both_classes(tiny):
    recordings = tiny.recordings()
    assert [r.id for r in recordings] == [f"sub-0{s}_ses-1_task-motorimagery_run-1" for s in range(1, 6)]
    assert json.loads((tiny.root / "simulation.json").read_text())["config"] == tiny.config.model_dump(mode="json")
    assert (tiny.root / "dataset_description.json").is_file()
    for recording in recordings:
        events = recording.events()
        assert len(events) == 24 and (events["kind"] == "stimulus").all() and (events["duration"] == 4.0).all()
        assert events["category"].value_counts().to_dict() == {"left_hand": 12, "right_hand": 12}
        gaps = np.diff(events["onset"].to_numpy())
        assert events["onset"].iloc[0] == 2.0 and (gaps >= 6.0).all() and (gaps <= 6.5 + 1e-9).all()
    raw = recordings[0].load()
    assert raw.info["sfreq"] == 250.0 and len(raw.ch_names) == 22
    assert {"C3", "Cz", "C4", "FC3", "FC4", "CP3", "CP4", "C1", "C2", "C5", "C6"} <= set(raw.ch_names)
    rms = raw.get_data().std(axis=1)
    assert (rms > 10e-6).all() and (rms < 60e-6).all()  # tens of microvolts


def test_the_data_are_deterministic_in_the_seed(tiny, tmp_path):
    config = MotorImageryConfig.preset("tiny", n_subjects=2)
    first, second = (SimulatedMotorImagery(root=tmp_path / name, config=config) for name in ("a", "b"))
    data = [study.recordings()[0].load().get_data() for study in (first, second, tiny)]
    np.testing.assert_array_equal(data[0], data[1])
    np.testing.assert_array_equal(data[0], data[2])  # a subject does not depend on how many others there are
    other = SimulatedMotorImagery(root=tmp_path / "c", config=config.model_copy(update={"seed": 1}))
    assert not np.allclose(other.recordings()[0].load().get_data()[:, :5000], data[0][:, :5000])
    with pytest.raises(NeuroarenaError, match="does not hold the simulated motor imagery"):
        SimulatedMotorImagery(root=tmp_path / "a", preset="tiny").download()


def test_the_configuration_is_validated():
    with pytest.raises(NeuroarenaError, match="unknown simulated motor-imagery preset"):
        MotorImageryConfig.preset("huge")
    with pytest.raises(NeuroarenaError, match="cue_interval"):
        MotorImageryConfig.preset("tiny", cue_interval=5.0)
    with pytest.raises(NeuroarenaError, match="n_chan"):
        MotorImageryConfig.preset("tiny", n_chans=22)
    with pytest.raises(NeuroarenaError, match="classes"):
        MotorImageryConfig.preset("tiny", classes=["left_hand", "left_hand"])
    assert MotorImageryConfig.preset("default").n_trials == 40


def test_the_imagined_hand_desynchronizes_the_opposite_motor_cortex(tiny):
    from scipy.signal import welch

    for recording in tiny.recordings():
        raw, events = recording.load(), recording.events()
        data, sfreq = raw.get_data(picks=["C3", "C4"]), raw.info["sfreq"]
        starts = np.round((events["onset"].to_numpy() + 0.5) * sfreq).astype(int)
        freqs, power = welch(np.stack([data[:, s:s + int(3 * sfreq)] for s in starts]), fs=sfreq, nperseg=int(sfreq))
        band = np.log(power[..., (freqs >= 8) & (freqs <= 30)].mean(axis=-1))  # (n_trials, [C3, C4])
        left = (events["category"] == "left_hand").to_numpy()
        c3, c4 = band[left].mean(axis=0) - band[~left].mean(axis=0)
        assert c4 < -0.2 and c3 > 0.1, recording.id  # left hand: C4 desynchronizes; right hand: C3


def test_prepare_cuts_one_window_per_cue(tiny):
    from neuroarena.runner.api import prepare

    store = prepare("motor_imagery", "simulated-mi-tiny", progress=False)
    assert (store.n_chans, store.n_times, store.sfreq) == (22, 300, 100.0)
    counts = store.metadata.groupby(["subject", "category"]).size()
    assert counts.to_dict() == {(f"0{s}", c): 12 for s in range(1, 6) for c in CLASSES}


def test_the_oracle_knows_the_class_and_keeps_its_outputs(tiny):
    from neuroarena.runner.api import prepare
    from neuroarena.tasks.config import load_task

    metadata = prepare("motor_imagery", "simulated-mi-tiny", progress=False).metadata
    config = load_task("motor_imagery").prepare
    scores = tiny.oracle_outputs(metadata, config, classes=CLASSES)
    assert scores.shape == (len(metadata), 2) and np.isfinite(scores).all()
    accuracy = (np.asarray(CLASSES)[scores.argmax(axis=1)] == metadata["category"].to_numpy()).mean()
    assert accuracy > 0.9
    assert list(tiny.root.glob("oracle/*.npy"))
    swapped = tiny.oracle_outputs(metadata, config, classes=["right_hand", "feet", "left_hand"])
    np.testing.assert_allclose(swapped[:, [2, 0]], scores)
    assert np.isneginf(swapped[:, 1]).all()
    assert tiny.oracle_outputs(metadata, config, target="rt") is None
    assert tiny.oracle_outputs(metadata, config, stimuli=["x"]) is None


def test_motor_imagery_runs_end_to_end_with_the_oracle_as_ceiling(tiny):
    from neuroarena.runner.api import run

    frame = run("motor_imagery", ["cov_ts_lr"], dataset="simulated-mi-tiny", seeds=[0])
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    scores, ceiling = frame.set_index("model")["score"], frame.set_index("model")["ceiling"]
    assert scores["dummy"] == 0.5
    assert scores["cov_ts_lr"] >= scores["dummy"] + 0.25  # the contralateral ERD is decodable across subjects
    assert ceiling["cov_ts_lr"] >= scores["cov_ts_lr"] - 0.02 and ceiling["cov_ts_lr"] >= 0.85


@pytest.fixture(scope="module")
def sessions() -> SimulatedMotorImagery:
    """Two sessions of four classes (hands, feet, rest): the mental-imagery task's offline counterpart."""
    from neuroarena.studies.registry import get_study

    study = get_study("simulated-mental-imagery-tiny")
    assert study.config == MotorImageryConfig.preset("sessions-tiny") and study.config.n_sources == 3
    return study


def test_feet_desynchronize_the_midline_and_rest_nothing(sessions):
    from scipy.signal import welch

    recordings = sessions.recordings()
    assert {(r.subject, r.session) for r in recordings} == {(f"0{s}", n) for s in range(1, 5) for n in ("1", "2")}
    for recording in recordings:
        raw, events = recording.load(), recording.events()
        assert events["category"].value_counts().to_dict() == {c: 10 for c in ("feet", "left_hand", "rest",
                                                                                "right_hand")}
        data, sfreq = raw.get_data(picks=["C3", "Cz", "C4"]), raw.info["sfreq"]
        starts = np.round((events["onset"].to_numpy() + 0.5) * sfreq).astype(int)
        freqs, power = welch(np.stack([data[:, s:s + int(3 * sfreq)] for s in starts]), fs=sfreq, nperseg=int(sfreq))
        band = np.log(power[..., (freqs >= 8) & (freqs <= 30)].mean(axis=-1))  # (n_trials, [C3, Cz, C4])
        category = events["category"].to_numpy()
        feet = band[category == "feet"].mean(axis=0) - band[category == "rest"].mean(axis=0)
        assert feet[1] < -0.15 and feet[1] < feet[0] and feet[1] < feet[2], recording.id


def test_two_source_configurations_are_unchanged_by_the_midline_source(tiny):
    from neuroarena.studies.simulated_mi.generator import make_subject

    hands = make_subject(tiny.config, 0)
    four = make_subject(tiny.config.model_copy(update={"classes": ("left_hand", "right_hand", "feet")}), 0)
    assert hands.patterns.shape[1] == 2 and four.patterns.shape[1] == 3
    np.testing.assert_array_equal(four.patterns[:, :2], hands.patterns)
    np.testing.assert_array_equal(four.gains[:2], hands.gains)
    assert (four.mu_freq, four.erd) == (hands.mu_freq, hands.erd)


def test_mental_imagery_trains_on_one_session_and_tests_the_other(sessions):
    from neuroarena.runner.api import run

    frame = run("mental_imagery", ["cov_ts_lr"], dataset="simulated-mental-imagery-tiny", seeds=[0])
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    scores, ceiling = frame.set_index("model")["score"], frame.set_index("model")["ceiling"]
    assert scores["dummy"] == 0.25
    assert scores["cov_ts_lr"] >= 0.5 and ceiling["cov_ts_lr"] >= scores["cov_ts_lr"]
    from neuroarena.home import results_dir

    records = [json.loads(p.read_text()) for p in (results_dir() / "records").rglob("seed-*.json")]
    record = next(r for r in records if r["key"]["task"] == "mental_imagery" and r["key"]["model"] == "cov_ts_lr")
    audit = record["data"]["split"]
    assert audit["forbidden_from_test"] == ["subject+session"] and audit["shared"]["train/val"]["subject+session"] == 4
    assert audit["shared"]["train/test"]["subject+session"] == 0 and audit["sizes"]["test"] == 160
