"""The simulated HBN releases: the challenge's layout and files, their irregularities, realistic amplitudes."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import SkippedWarning
from neuroarena.studies.hbn_files import CHANNEL_NAMES, PARTICIPANT_COLUMNS, read_participants
from neuroarena.studies.registry import get_study
from neuroarena.studies.simulated_hbn.config import SimulatedHbnConfig
from neuroarena.studies.simulated_hbn.latents import FACTOR_CORRELATION, ccd_trials, make_subjects
from neuroarena.studies.simulated_hbn.signals import synthesize
from neuroarena.studies.simulated_hbn.study import SimulatedHbn
from neuroarena.studies.simulated_hbn.writer import write_dataset

FOLDERS = ["ds005505-bdf", "ds005506-bdf", "ds005507-bdf", "ds005508-bdf", "ds005509-bdf"]


def test_presets_and_bad_fields():
    tiny = SimulatedHbnConfig.preset("tiny")
    assert (tiny.n_subjects, tiny.ccd_runs, tiny.trials_per_run) == (10, 2, 10)
    assert SimulatedHbnConfig.preset("default").n_subjects == 40
    assert SimulatedHbnConfig.preset("tiny", rt_snr=2.0).rt_snr == 2.0
    with pytest.raises(NeuroarenaError, match="unknown simulated-HBN preset 'huge'"):
        SimulatedHbnConfig.preset("huge")
    with pytest.raises(NeuroarenaError, match="simulated-HBN trait_coupling"):
        SimulatedHbnConfig.preset("tiny", trait_coupling=2.0)


def test_layout_is_the_challenges(tiny_hbn):
    root = tiny_hbn.root
    assert sorted(p.name for p in root.iterdir()) == FOLDERS + ["simulation.json"]
    assert json.loads((root / "simulation.json").read_text())["config"] == tiny_hbn.config.model_dump(mode="json")
    header = (root / "ds005505-bdf" / "participants.tsv").read_text().splitlines()[0].split("\t")
    assert header == list(PARTICIPANT_COLUMNS)
    eeg = next((root / "ds005509-bdf").glob("sub-NDAR*/eeg"))
    suffixes = sorted(p.name.split("_", 2)[-1] for p in eeg.iterdir()
                      if "contrastChange" in p.name and "run-1" in p.name)
    assert suffixes == ["run-1_channels.tsv", "run-1_eeg.bdf", "run-1_eeg.json", "run-1_events.tsv"]
    events = pd.read_csv(next(eeg.glob("*contrastChangeDetection_run-1_events.tsv")), sep="\t", dtype=str,
                         keep_default_na=False)
    assert list(events.columns) == ["onset", "duration", "value", "event_code", "feedback"]
    assert {"break cnt", "9999", "contrastChangeB1_start", "contrastTrial_start"} <= set(events["value"])
    assert set(events["feedback"]) <= {"n/a", "smiley_face", "sad_face", "non_target"}
    assert sum(p.stat().st_size for p in root.rglob("*")) < 80e6


def test_irregularities_and_recordings(tiny_hbn):
    tables = [read_participants(tiny_hbn.root / folder / "participants.tsv") for folder in FOLDERS]
    table = pd.concat(tables)
    assert len(table) == 10 and table["release"].tolist() == [r for r in ("R1", "R2", "R3", "R4", "R5") for _ in "ab"]
    assert table["externalizing"].isna().sum() == 1 and table[["p_factor", "attention"]].isna().sum().tolist() == [1, 1]
    assert (table["contrastChangeDetection_2"] == "unavailable").sum() == 1
    assert (table["contrastChangeDetection_3"] == "unavailable").all() and (table["ThePresent"] == "available").all()
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkippedWarning)  # a run marked unavailable is not a skip
        found = tiny_hbn.recordings()
    assert len(found) == 10 * 4 - 1 and not tiny_hbn.skipped
    assert {r.task for r in found} == {"contrastChangeDetection", "ThePresent", "RestingState"}
    factors = table[["p_factor", "attention", "internalizing", "externalizing"]].dropna()
    assert (factors.round(3) == factors).all().all()  # stored with 3 decimals


def test_factors_are_drawn_correlated_and_the_latent_follows_externalizing():
    config = SimulatedHbnConfig(subjects_per_release=60)  # 300 subjects: latents only, no EEG
    subjects = make_subjects(config)[2:]  # subject 1 has n/a factors
    factors = np.array([s.factors for s in subjects])
    np.testing.assert_allclose(np.corrcoef(factors.T), FACTOR_CORRELATION, atol=0.15)
    latent = np.array([s.latent for s in subjects])
    assert abs(np.corrcoef(latent, factors[:, 3])[0, 1] - config.trait_coupling) < 0.1


def test_traps_of_the_behaviour(tiny_hbn):
    trials = pd.concat([ccd_trials(tiny_hbn.config, s, run)[0] for s in make_subjects(tiny_hbn.config)
                        for run in ("1", "2")])
    assert trials["lapse"].sum() > 0 and trials["anticipation"].notna().sum() > 0
    assert trials["extra"].notna().sum() > 0 and (~trials["correct"]).sum() > 0
    rt = trials["rt"].dropna()
    assert 1.2 < rt.mean() < 1.8 and 0.25 < rt.std() < 0.6 and rt.min() > 0.5 and rt.max() <= 2.6


def test_amplitudes_are_realistic(tiny_hbn):
    recording = next(r for r in tiny_hbn.recordings() if r.task == "RestingState")
    raw = recording.load()
    assert raw.ch_names == list(CHANNEL_NAMES) and raw.info["sfreq"] == 100.0
    data = raw.get_data()
    rms = data[:-1].std(axis=1) * 1e6
    assert 10 < np.median(rms) < 40 and np.abs(data[-1]).max() < 1e-12  # µV; Cz is the (flat) reference
    low, high = (np.abs(np.fft.rfft(data[60]))[band].mean() for band in (slice(40, 80), slice(800, 1000)))
    assert low > 3 * high  # 20 s: 2-4 Hz well above 40-50 Hz, a falling spectrum


def test_files_are_recomputed_from_the_seed(tiny_hbn):
    subject = make_subjects(tiny_hbn.config)[3]
    recording = next(r for r in tiny_hbn.recordings() if r.subject == subject.subject and r.run == "1")
    trials, length = ccd_trials(tiny_hbn.config, subject, "1")
    again = synthesize(tiny_hbn.config, subject, "contrastChangeDetection", "1", length, trials=trials)
    np.testing.assert_allclose(recording.load().get_data(), again, atol=1e-10)
    events = recording.events()
    stimuli = events[events["kind"] == "stimulus"]
    assert np.allclose(stimuli["onset"], trials["target"].iloc[:-1])  # the last trial is dropped
    np.testing.assert_allclose(stimuli["rt"], trials["rt"].iloc[:-1], atol=1e-9)


def test_registry_params_and_an_occupied_root(tiny_hbn, tmp_path):
    study = get_study("simulated-hbn-tiny", root=tiny_hbn.root)
    assert isinstance(study, SimulatedHbn) and study.config == tiny_hbn.config
    params = study.params()
    assert params["name"] == "SimulatedHbn" and params["config"]["subjects_per_release"] == 2
    assert params["tasks"] == ["contrastChangeDetection"] and params["mini"] is False
    with pytest.raises(NeuroarenaError, match="does not hold the simulated-HBN data"):
        write_dataset(SimulatedHbnConfig.preset("tiny", seed=1), tiny_hbn.root)
