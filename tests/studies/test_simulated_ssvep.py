"""The simulated SSVEP study: its BIDS files and events (as MOABB's Wang2016), the steady-state response in them,
its oracle, and the ssvep task run end to end on it offline."""
from __future__ import annotations

import json

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated_ssvep.config import SsvepConfig, class_name, target_phase
from neuroarena.studies.simulated_ssvep.study import SimulatedSsvep

CLASSES = ["8", "9", "10", "11", "12", "13", "14", "15"]


@pytest.fixture(scope="module")
def tiny() -> SimulatedSsvep:
    """The ``tiny`` preset, written under the session's temporary home (where ``simulated-ssvep-tiny`` lives)."""
    from neuroarena.studies.registry import get_study

    study = get_study("simulated-ssvep-tiny")
    assert isinstance(study, SimulatedSsvep) and study.config == SsvepConfig.preset("tiny")
    study.download()
    return study


def test_tiny_preset_is_a_bids_dataset_with_wang2016_events(tiny):
    recordings = tiny.recordings()
    ids = [f"sub-0{s}_ses-1_task-ssvep_run-{b}" for s in range(1, 6) for b in range(1, 5)]
    assert [r.id for r in recordings] == ids
    assert json.loads((tiny.root / "simulation.json").read_text())["config"] == tiny.config.model_dump(mode="json")
    assert tiny.config.classes == tuple(CLASSES) and tiny.config.interval == (0.5, 5.5)
    for recording in recordings:
        events = recording.events()
        assert len(events) == 8 and (events["kind"] == "stimulus").all() and (events["duration"] == 5.0).all()
        assert sorted(events["category"]) == sorted(CLASSES)  # each target once per block
        cues = 1.0 + 6.0 * np.arange(8)  # a cue every 0.5 s cue + 5 s flicker + 0.5 s blank
        np.testing.assert_allclose(events["onset"].to_numpy(), cues + 0.5)  # shifted by MOABB's interval[0]
    assert "fixated" not in recordings[0].events().columns  # the oracle's latent is not in the files
    raw = recordings[0].load()
    assert raw.info["sfreq"] == 250.0 and raw.ch_names[:4] == ["Oz", "O1", "O2", "POz"] and len(raw.ch_names) == 16
    rms = raw.get_data().std(axis=1)
    assert (rms > 10e-6).all() and (rms < 60e-6).all()  # tens of microvolts


def test_names_and_phases_are_wang2016s():
    assert [class_name(f) for f in (8.0, 8.2, 10.0, 15.8)] == ["8", "8.2", "10", "15.8"]
    assert target_phase(8.0) == 0.0 and target_phase(8.2) == pytest.approx(0.5 * np.pi)
    assert target_phase(8.6) == pytest.approx(1.5 * np.pi) and target_phase(8.8) == pytest.approx(0.0)


def test_the_data_are_deterministic_in_the_seed(tiny, tmp_path):
    config = SsvepConfig.preset("tiny", n_subjects=2, n_blocks=1)
    first, second = (SimulatedSsvep(root=tmp_path / name, config=config) for name in ("a", "b"))
    data = [study.recordings()[0].load().get_data() for study in (first, second, tiny)]
    np.testing.assert_array_equal(data[0], data[1])
    np.testing.assert_array_equal(data[0], data[2])  # a block does not depend on how many others there are
    other = SimulatedSsvep(root=tmp_path / "c", config=config.model_copy(update={"seed": 1}))
    assert not np.allclose(other.recordings()[0].load().get_data()[:, :5000], data[0][:, :5000])
    with pytest.raises(NeuroarenaError, match="does not hold the simulated SSVEP"):
        SimulatedSsvep(root=tmp_path / "a", preset="tiny").download()


def test_the_configuration_is_validated():
    with pytest.raises(NeuroarenaError, match="unknown simulated SSVEP preset") as err:
        SsvepConfig.preset("huge")
    assert "default" in err.value.fix and "tiny" in err.value.fix
    with pytest.raises(NeuroarenaError, match="not Wang2016 targets"):
        SsvepConfig.preset("tiny", frequencies=[8.0, 8.3])
    with pytest.raises(NeuroarenaError, match="frequencies"):
        SsvepConfig.preset("tiny", frequencies=[8.0, 8.0])
    with pytest.raises(NeuroarenaError, match="Nyquist"):
        SsvepConfig.preset("tiny", sfreq=100.0)
    with pytest.raises(NeuroarenaError, match="lapse"):
        SsvepConfig.preset("tiny", lapse=0.7)
    with pytest.raises(NeuroarenaError, match="n_chan"):
        SsvepConfig.preset("tiny", n_chans=16)
    assert SsvepConfig.preset("default").n_channels == 64


def test_the_attended_frequency_peaks_at_oz(tiny):
    hits = []
    for recording in tiny.recordings():
        raw, events = recording.load(), recording.events()
        oz, sfreq = raw.get_data(picks=["Oz"])[0], raw.info["sfreq"]
        starts = np.round((events["onset"].to_numpy() + 0.5) * sfreq).astype(int)
        spectra = np.abs(np.fft.rfft(np.stack([oz[s:s + int(4 * sfreq)] for s in starts]), axis=1))
        freqs = np.fft.rfftfreq(int(4 * sfreq), 1.0 / sfreq)  # 0.25 Hz resolution: every target on a bin
        at = np.searchsorted(freqs, [float(c) for c in CLASSES])
        peak = np.asarray(CLASSES)[spectra[:, at].argmax(axis=1)]
        hits.extend(peak == events["category"].to_numpy())
        at_own = np.searchsorted(freqs, events["category"].astype(float).to_numpy())
        own = spectra[np.arange(len(events)), at_own]
        beside = spectra[np.arange(len(events))[:, None], at_own[:, None] + np.array([-3, -2, 2, 3])].mean(axis=1)
        assert np.median(own / beside) > 2, recording.id  # a spectral peak well above the background at Oz
    assert 0.75 < np.mean(hits) < 1.0  # the cued frequency peaks, but for lapses to another target


def test_the_oracle_knows_the_fixated_target_and_keeps_its_outputs(tiny):
    from neuroarena.runner.api import prepare
    from neuroarena.studies.simulated_ssvep.generator import schedule
    from neuroarena.tasks.config import load_task

    store = prepare("ssvep", "simulated-ssvep-tiny", progress=False)
    metadata = store.metadata
    assert (store.n_chans, store.n_times, store.sfreq) == (16, 500, 100.0)
    assert metadata.groupby("category").size().to_dict() == {c: 20 for c in CLASSES}
    config = load_task("ssvep").prepare
    scores = tiny.oracle_outputs(metadata, config, classes=CLASSES)
    assert scores.shape == (len(metadata), 8) and np.isfinite(scores).all()
    predicted = np.asarray(CLASSES)[scores.argmax(axis=1)]
    accuracy = (predicted == metadata["category"].to_numpy()).mean()
    lapses = sum((schedule(tiny.config, s, b)[0]["fixated"] != schedule(tiny.config, s, b)[0]["category"]).sum()
                 for s in range(5) for b in range(4))
    assert accuracy == pytest.approx(1 - lapses / 160) and 0.8 < accuracy < 0.97  # 1 - lapse, lapse = 0.1
    np.testing.assert_allclose(np.exp(scores).sum(axis=1), 1.0)  # P(fixated | class) over the classes
    assert list(tiny.root.glob("oracle/*.npy"))
    swapped = tiny.oracle_outputs(metadata, config, classes=["9", "8.2", "8"])
    np.testing.assert_allclose(swapped[:, [2, 0]], scores[:, [0, 1]])
    assert np.isneginf(swapped[:, 1]).all()
    assert tiny.oracle_outputs(metadata, config, target="rt") is None
    assert tiny.oracle_outputs(metadata, config, stimuli=["x"]) is None


def test_ssvep_runs_end_to_end_with_the_oracle_as_ceiling(tiny):
    from neuroarena.runner.api import run

    frame = run("ssvep", ["cov_ts_lr"], dataset="simulated-ssvep-tiny", seeds=[0])
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    scores, ceiling = frame.set_index("model")["score"], frame.set_index("model")["ceiling"]
    assert scores["dummy"] == 0.125
    assert scores["cov_ts_lr"] >= scores["dummy"] + 0.1  # the frequency-tuned topographies, across subjects
    assert 0.75 <= ceiling["cov_ts_lr"] < 1.0 and ceiling["cov_ts_lr"] >= scores["cov_ts_lr"]
