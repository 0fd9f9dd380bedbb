"""The simulated c-VEP study: its BIDS files and events (one per bit, as MOABB's Thielen2021), the flash response
in them, its oracle, the overlapping windows and their audit, and the cvep task run end to end on it offline."""
from __future__ import annotations

import json

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated_cvep.config import CHANNELS, CvepConfig
from neuroarena.studies.simulated_cvep.study import SimulatedCvep

CLASSES = ["1.0", "0.0"]


@pytest.fixture(scope="module")
def tiny() -> SimulatedCvep:
    """The ``tiny`` preset, written under the session's temporary home (where ``simulated-cvep-tiny`` lives)."""
    from neuroarena.studies.registry import get_study

    study = get_study("simulated-cvep-tiny")
    assert isinstance(study, SimulatedCvep) and study.config == CvepConfig.preset("tiny")
    study.download()
    return study


def test_tiny_preset_is_a_bids_dataset_with_one_event_per_bit(tiny):
    recordings = tiny.recordings()
    assert [r.id for r in recordings] == [f"sub-0{s}_ses-1_task-cvep_run-1" for s in range(1, 6)]
    assert json.loads((tiny.root / "simulation.json").read_text())["config"] == tiny.config.model_dump(mode="json")
    for recording in recordings:
        events = recording.events()
        assert len(events) == 6 * 126 and (events["kind"] == "stimulus").all() and (events["duration"] == 0.3).all()
        counts = events["category"].value_counts()
        assert set(counts.index) == set(CLASSES) and abs(counts["1.0"] - 378) < 60  # fair coins
        trial = 1.0 + np.arange(126) / 30.0  # the first trial's bits at 30 Hz, shifted by interval[0] = 0
        np.testing.assert_allclose(events["onset"].to_numpy()[:126], trial, atol=1e-9)
        assert events["onset"].iloc[126] == pytest.approx(1.0 + 126 / 30.0 + 1.0)  # a 1 s gap between trials
    assert "evoked" not in recordings[0].events().columns  # the oracle's latent is not in the files
    raw = recordings[0].load()
    assert raw.info["sfreq"] == pytest.approx(240.0) and tuple(raw.ch_names) == CHANNELS  # BrainVision keeps µs
    rms = raw.get_data().std(axis=1)
    assert (rms > 10e-6).all() and (rms < 60e-6).all()


def test_the_data_are_deterministic_in_the_seed(tiny, tmp_path):
    config = CvepConfig.preset("tiny", n_subjects=2)
    first, second = (SimulatedCvep(root=tmp_path / name, config=config) for name in ("a", "b"))
    data = [study.recordings()[0].load().get_data() for study in (first, second, tiny)]
    np.testing.assert_array_equal(data[0], data[1])
    np.testing.assert_array_equal(data[0], data[2])  # a subject does not depend on how many others there are
    other = SimulatedCvep(root=tmp_path / "c", config=config.model_copy(update={"seed": 1}))
    assert not np.allclose(other.recordings()[0].load().get_data()[:, :5000], data[0][:, :5000])
    with pytest.raises(NeuroarenaError, match="does not hold the simulated c-VEP"):
        SimulatedCvep(root=tmp_path / "a", preset="tiny").download()


def test_the_configuration_is_validated():
    with pytest.raises(NeuroarenaError, match="unknown simulated c-VEP preset") as err:
        CvepConfig.preset("huge")
    assert "tiny" in err.value.fix
    with pytest.raises(NeuroarenaError, match="multiple of bit_rate"):
        CvepConfig.preset("tiny", bit_rate=50.0)
    with pytest.raises(NeuroarenaError, match="miss"):
        CvepConfig.preset("tiny", miss=1.0)
    with pytest.raises(NeuroarenaError, match="n_chan"):
        CvepConfig.preset("tiny", n_channels=8)
    assert CvepConfig.preset("default").bit_rate == 60.0


def test_flashes_evoke_an_occipital_response(tiny):
    from neuroarena.studies.simulated_cvep.generator import COMPONENT_PEAKS

    differences = []
    for recording in tiny.recordings():
        raw, events = recording.load(), recording.events()
        raw.load_data().filter(1.0, 40.0, verbose=False)
        data, sfreq = raw.get_data(picks=["Oz", "Fpz", "T7", "T8"]), raw.info["sfreq"]
        starts = np.round(events["onset"].to_numpy() * sfreq).astype(int)
        epochs = np.stack([data[:, s:s + int(0.3 * sfreq)] for s in starts])
        on = (events["category"] == "1.0").to_numpy()
        differences.append(epochs[on].mean(axis=0) - epochs[~on].mean(axis=0))  # (4, n_times)
    difference = np.mean(differences, axis=0)
    times = np.arange(difference.shape[1]) / sfreq
    p100 = np.argmax(difference[0])
    assert abs(times[p100] - COMPONENT_PEAKS[1]) < 0.02  # the P100 at Oz
    assert 3e-6 < difference[0, p100] < 20e-6  # (1 - miss) x a few µV x snr 3
    assert np.abs(difference[1:]).max() < 0.5 * difference[0, p100]  # frontal and temporal sites see far less


def test_windows_overlap_within_a_recording_but_no_sample_crosses_parts(tiny):
    from neuroarena.runner.api import prepare
    from neuroarena.splits.audit import SAMPLES, audit_split
    from neuroarena.splits.base import Split
    from neuroarena.splits.splitters import make_splitter
    from neuroarena.tasks.config import load_task

    task = load_task("cvep")
    store = prepare("cvep", "simulated-cvep-tiny", progress=False)
    metadata = store.metadata
    assert (store.n_chans, store.n_times, store.sfreq) == (8, 36, 120.0) and len(metadata) == 5 * 756
    gaps = metadata.groupby("recording")["onset"].diff().dropna()
    assert (gaps < task.prepare.window_duration).mean() > 0.99  # consecutive 0.3 s epochs overlap
    splitter = make_splitter(task.split.name, **task.split.params, forbid_shared_samples=True)
    split = splitter.split(metadata)
    audit = audit_split(metadata, split, (SAMPLES,), window_duration=task.prepare.window_duration)
    assert all(counts[SAMPLES] == 0 for counts in audit.shared.values())
    audit.check(store.root)
    windows = metadata["window"].to_numpy()  # alternate windows of one recording: every one shares samples
    leaky = Split(train=windows[0::2], val=windows[1:2000:2], test=windows[2001::2])
    audit = audit_split(metadata, leaky, (SAMPLES,), window_duration=task.prepare.window_duration)
    with pytest.raises(NeuroarenaError, match="windows with shared samples"):
        audit.check(store.root)


def test_the_oracle_knows_which_flashes_evoked_and_keeps_its_outputs(tiny):
    from neuroarena.runner.api import prepare
    from neuroarena.tasks.config import load_task

    metadata = prepare("cvep", "simulated-cvep-tiny", progress=False).metadata
    config = load_task("cvep").prepare
    scores = tiny.oracle_outputs(metadata, config, classes=CLASSES)
    assert scores.shape == (len(metadata), 2)
    truth = metadata["category"].to_numpy()
    predicted = np.asarray(CLASSES)[scores.argmax(axis=1)]
    recalls = [(predicted[truth == c] == c).mean() for c in CLASSES]
    assert recalls[1] == 1.0 and 0.68 < recalls[0] < 0.82  # on bits: 1 - miss; off bits never evoke
    assert np.isneginf(scores[predicted == "1.0", 1]).all()
    assert list(tiny.root.glob("oracle/*.npy"))
    swapped = tiny.oracle_outputs(metadata, config, classes=["0.0", "2.0", "1.0"])
    np.testing.assert_allclose(swapped[:, [2, 0]], scores)
    assert np.isneginf(swapped[:, 1]).all()
    assert tiny.oracle_outputs(metadata, config, target="rt") is None
    assert tiny.oracle_outputs(metadata, config, stimuli=["x"]) is None


def test_cvep_runs_end_to_end_with_the_oracle_as_ceiling(tiny):
    from neuroarena.runner.api import run

    frame = run("cvep", ["cov_ts_lr", "xdawn_ts_lr"], dataset="simulated-cvep-tiny", seeds=[0])
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    scores, ceiling = frame.set_index("model")["score"], frame.set_index("model")["ceiling"]
    assert scores["dummy"] == 0.5
    assert scores["xdawn_ts_lr"] >= scores["dummy"] + 0.04  # the response's template, across subjects
    assert scores["cov_ts_lr"] >= scores["dummy"] + 0.01  # power alone barely tells which bit flashed
    assert 0.8 < ceiling["cov_ts_lr"] < 0.95 and (ceiling.drop("dummy") > scores.drop("dummy") + 0.2).all()
