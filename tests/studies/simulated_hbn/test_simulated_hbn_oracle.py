"""The oracle of the simulated HBN data: the predictions of a decoder that knows the generative latents."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.config import PrepareConfig
from neuroarena.studies.hbn_trials import crop_windows
from neuroarena.studies.simulated_hbn.latents import MOTOR_SD, ccd_runs, ccd_trials, make_subjects
from neuroarena.studies.simulated_hbn.study import SimulatedHbn

PREPARE = PrepareConfig(window_start=0.5, window_duration=2.0, baseline=None)


def nrmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The challenge's score: RMSE / std(y_true), ddof 0."""
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)) / np.std(y_true))


def windows(study, kind: str) -> pd.DataFrame:
    """The rows of ``kind`` of every recording, with the store's recording columns, as a window store keeps them."""
    frames = []
    for recording in study.recordings():
        events = recording.events()
        events = events[events["kind"] == kind]
        frames.append(events.assign(recording=recording.id, subject=recording.subject, task=recording.task))
    return pd.concat(frames, ignore_index=True)


def test_response_time_oracle(tiny_hbn):
    trials = windows(tiny_hbn, "stimulus").dropna(subset=["rt"]).reset_index(drop=True)
    predicted = tiny_hbn.oracle_outputs(trials, PREPARE, target="rt")
    assert predicted.shape == (len(trials), 1)
    y = trials["rt"].to_numpy()
    score = nrmse(y, predicted[:, 0])
    assert score < 0.4, score  # what is left is the motor noise (sd 0.07 s) of an rt with sd ~0.4 s
    assert np.std(y - predicted[:, 0]) == pytest.approx(MOTOR_SD, rel=0.25)
    assert nrmse(y, np.full_like(y, y.mean())) == 1.0
    from_start = tiny_hbn.oracle_outputs(trials, PREPARE, target="rt_from_trialstart")[:, 0]
    assert nrmse(trials["rt_from_trialstart"].to_numpy(), from_start) < 0.4


def test_externalizing_oracle_on_challenge_2_crops(tiny_hbn):
    crops = windows(tiny_hbn, "crop")
    crops = crops[(crops["task"] == "contrastChangeDetection") & crops["externalizing"].notna()]
    predicted = tiny_hbn.oracle_outputs(crops, PREPARE, target="externalizing")[:, 0]
    y = crops["externalizing"].to_numpy()
    assert np.corrcoef(y, predicted)[0, 1] > 0.3  # 9 subjects: too few for the NRMSE to settle (1.03 here)
    per_subject = pd.Series(predicted).groupby(crops["subject"].to_numpy()).nunique()
    assert (per_subject == 1).all()  # one prediction per subject: the EEG carries a trait, not a state


def test_externalizing_oracle_on_the_default_presets_crops():
    """The crops the default preset's 40 subjects' contrast-change runs give (latents only: no EEG is written),
    for eight draws of the subjects: one draw's NRMSE moves by about 0.1 with its 39 subjects' factors."""
    scores = []
    for seed in range(8):
        study = SimulatedHbn(root="unused", preset="default", config={"seed": seed})
        rows = []
        for subject in make_subjects(study.config):
            for run in ccd_runs(study.config, subject):
                n_samples = round(ccd_trials(study.config, subject, run)[1] * 100)
                for onset in crop_windows(n_samples)["onset"]:
                    rows.append({"recording": f"sub-{subject.subject}_task-contrastChangeDetection_run-{run}",
                                 "subject": subject.subject, "onset": onset, "externalizing": subject.factors[3]})
        crops = pd.DataFrame(rows).dropna(subset=["externalizing"])
        y = crops["externalizing"].to_numpy()
        scores.append(nrmse(y, study.oracle_outputs(crops, PREPARE, target="externalizing")[:, 0]))
        assert nrmse(y, np.full_like(y, y.mean())) == 1.0
    assert 0.8 < np.mean(scores) < 0.93, scores  # sqrt(1 - trait_coupling**2) = 0.87 in the population
    assert max(scores) < 1.0, scores  # the generating latents beat the sample's own mean in every draw


def test_oracle_knows_only_what_it_can(tiny_hbn):
    crops = windows(tiny_hbn, "crop").head(3)
    assert tiny_hbn.oracle_outputs(crops, PREPARE) is None
    assert tiny_hbn.oracle_outputs(crops, PREPARE, target="ehq_total") is None  # the EEG carries no handedness
    assert tiny_hbn.oracle_outputs(crops, PREPARE, classes=["left", "right"], target="rt") is None
    with pytest.raises(NeuroarenaError, match="lie at no target onset"):
        tiny_hbn.oracle_outputs(crops[crops["task"] == "contrastChangeDetection"], PREPARE, target="rt")
    with pytest.raises(NeuroarenaError, match="subjects this simulation does not have|does not have"):
        tiny_hbn.oracle_outputs(crops.assign(subject="NDARXX000XXX"), PREPARE, target="externalizing")


def test_age_sets_the_alpha_peak_and_its_oracle_reads_it_back():
    """Latents only (no EEG): the alpha peak rises with age, and E[age | alpha peak] tracks the age within the
    spread the alpha peak's own noise leaves (0.4 Hz at 0.15 Hz a year: a few years)."""
    from neuroarena.studies.simulated_hbn.latents import AGE_RANGE, ALPHA_PER_YEAR

    study = SimulatedHbn(root="unused", preset="default")
    subjects = make_subjects(study.config)
    age = np.array([s.age for s in subjects])
    alpha = np.array([s.alpha_freq for s in subjects])
    slope = np.polyfit(age, alpha, 1)[0]
    assert slope == pytest.approx(ALPHA_PER_YEAR, rel=0.35)
    frame = pd.DataFrame({"subject": [s.subject for s in subjects], "recording": "", "onset": 0.0})
    predicted = study.oracle_outputs(frame, PREPARE, target="age")[:, 0]
    assert ((predicted >= AGE_RANGE[0]) & (predicted <= AGE_RANGE[1])).all()
    assert np.corrcoef(age, predicted)[0, 1] > 0.8
    assert np.sqrt(np.mean((age - predicted) ** 2)) < 0.6 * age.std()
