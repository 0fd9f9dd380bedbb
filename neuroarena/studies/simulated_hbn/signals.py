"""The simulated HBN EEG: 129 channels (E1..E128, Cz) at 100 Hz, Cz-referenced and high-passed at 0.5 Hz.

Each recording sums, at the EGI HydroCel GSN 129 positions:

- the background of :mod:`neuroarena.studies.simulated.noise` (about 22 µV RMS of 1/f activity from 8 broad
  generators, plus sensor noise), eye blinks at the eye channels, and a posterior alpha rhythm (stronger with
  the eyes closed in the resting state);
- frontal-midline theta (6 Hz) whose amplitude is ``THETA_VOLTS * exp(theta_modulation * latent + nuisance)``:
  the only trace of the subject's trait (Challenge 2), in every recording;
- contrast change: a centro-parietal build-up (peak over Pz) from :data:`~.latents.CPP_ONSET` after each target,
  rising linearly to its bound ``CPP_VOLTS * rt_snr * cpp_gain`` over the trial's decision time, then decaying
  (time constant :data:`CPP_DECAY`): its slope sets the response time (Challenge 1);
- the movie: :data:`N_MOVIE_SOURCES` time courses that depend on the movie time only (the same for every
  subject), reaching the scalp through subject-specific patterns (:func:`movie_patterns`);

then everything is re-referenced to Cz (so Cz is flat, as in the release) and high-passed at 0.5 Hz, as the HBN
team did (eeg2025/downsample-datasets ``process_eeg_data.m`` @b966c88: 0.5-50 Hz, then 100 Hz).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from neuroarena.studies.hbn_files import CHANNEL_NAMES, MONTAGE, SFREQ
from neuroarena.studies.simulated.brain import Electrodes, gaussian_bump
from neuroarena.studies.simulated.noise import background, blinks, narrowband_noise
from neuroarena.studies.simulated_hbn.config import SimulatedHbnConfig
from neuroarena.studies.simulated_hbn.latents import CPP_ONSET, SubjectLatents

if TYPE_CHECKING:
    import pandas as pd

CPP_VOLTS = 20e-6  # bound of the build-up at its peak (before referencing), at rt_snr = 1
CPP_WIDTH = 0.55  # radians
CPP_SITE = "E62"  # Pz
CPP_DECAY = 0.3  # s
THETA_VOLTS = 5e-6
THETA_SITE, THETA_FREQ = "E11", 6.0  # Fz
ALPHA_VOLTS = 8e-6
ALPHA_SITE = "E75"  # Oz
EYES_CLOSED_ALPHA = 2.5
MOVIE_VOLTS = 4e-6
N_MOVIE_SOURCES = 4
MOVIE_SITES = ("E75", "E62", "E58", "E96")  # Oz, Pz, left and right occipito-temporal
MOVIE_WIDTH = 0.5
LOCAL_NOISE = 0.05
N_NOISE_SOURCES = 8
HIGH_PASS = 0.5
#: Channels within this angle of Pz are the "centro-parietal" ones (:func:`centro_parietal`).
CENTRO_PARIETAL_ANGLE = 0.35
#: Task -> code in the random streams.
TASK_CODES = {"contrastChangeDetection": 1, "RestingState": 2, "DespicableMe": 3, "ThePresent": 4,
              "DiaryOfAWimpyKid": 5, "FunwithFractals": 6}


@lru_cache(maxsize=1)
def head() -> Electrodes:
    """The 129 channels in release order and their unit-sphere positions, shape (129, 3)."""
    import mne

    positions = mne.channels.make_standard_montage(MONTAGE).get_positions()["ch_pos"]
    unit = np.stack([np.asarray(positions[name]) / np.linalg.norm(positions[name]) for name in CHANNEL_NAMES])
    return Electrodes(names=CHANNEL_NAMES, unit_positions=unit)


def site(name: str) -> np.ndarray:
    """Unit-sphere position of channel ``name``, shape (3,)."""
    return head().unit_positions[CHANNEL_NAMES.index(name)]


def centro_parietal() -> tuple[str, ...]:
    """The channels within :data:`CENTRO_PARIETAL_ANGLE` of Pz (E62), where the build-up is largest."""
    cosine = np.clip(head().unit_positions @ site(CPP_SITE), -1.0, 1.0)
    return tuple(name for name, angle in zip(CHANNEL_NAMES, np.arccos(cosine)) if angle <= CENTRO_PARIETAL_ANGLE)


def referenced(pattern: np.ndarray) -> np.ndarray:
    """A scalp pattern (or data), shape (129, ...), re-referenced to Cz (the last channel)."""
    return pattern - pattern[-1:]


def cpp_pattern() -> np.ndarray:
    """Scalp pattern of the build-up, before referencing, shape (129,); 1 at Pz."""
    return gaussian_bump(head().unit_positions, site(CPP_SITE), CPP_WIDTH)


def movie_sources(config: SimulatedHbnConfig) -> np.ndarray:
    """The movie's source time courses, unit variance, 1-8 Hz, shape (N_MOVIE_SOURCES, movie samples)."""
    rng = np.random.default_rng([config.seed, 5, TASK_CODES[config.movie]])
    n = round(config.movie_seconds * SFREQ)
    return np.stack([narrowband_noise(n, SFREQ, 4.5, 2.0, rng) for _ in range(N_MOVIE_SOURCES)])


def movie_patterns(config: SimulatedHbnConfig, subject: SubjectLatents) -> np.ndarray:
    """How the movie sources reach one subject's scalp (V per unit source, before referencing), shape (129, 4)."""
    rng = np.random.default_rng([config.seed, 6, subject.index])
    columns = []
    for name in MOVIE_SITES:
        centre = site(name) + rng.normal(0.0, 0.12, 3)
        columns.append(rng.uniform(0.7, 1.3) * gaussian_bump(head().unit_positions, centre, MOVIE_WIDTH))
    return MOVIE_VOLTS * config.movie_snr * np.stack(columns, axis=1)


def synthesize(config: SimulatedHbnConfig, subject: SubjectLatents, task: str, run: str, length: float,
               trials: "pd.DataFrame | None" = None,
               eyes_closed: list[tuple[float, float]] | None = None) -> np.ndarray:
    """One recording of ``length`` seconds, volts, shape (129, length * 100).

    Parameters
    ----------
    trials : DataFrame, optional
        Contrast change: :func:`~.latents.ccd_trials`'s table (a build-up per trial that is no lapse).
    eyes_closed : list of (start, stop), optional
        Resting state: the eyes-closed intervals (s), where alpha is :data:`EYES_CLOSED_ALPHA` times larger.
    """
    electrodes = head()
    n = round(length * SFREQ)
    rng = np.random.default_rng([config.seed, 3, subject.index, TASK_CODES[task], int(run or 0)])
    centres = np.random.default_rng([config.seed, 4, subject.index]).standard_normal((N_NOISE_SOURCES, 3))
    centres[:, 2] = np.abs(centres[:, 2])  # generators under the upper half of the head
    data = background(electrodes, centres, n, SFREQ, rng, LOCAL_NOISE)
    data += blinks(electrodes, (site("E127") + site("E126")) / 2, n, SFREQ, rng)
    t = np.arange(n) / SFREQ
    alpha = ALPHA_VOLTS * subject.alpha_gain * narrowband_noise(n, SFREQ, subject.alpha_freq, 0.7, rng)
    for start, stop in eyes_closed or []:
        alpha[(t >= start) & (t < stop)] *= EYES_CLOSED_ALPHA
    data += np.outer(gaussian_bump(electrodes.unit_positions, site(ALPHA_SITE), 0.5), alpha)
    theta = THETA_VOLTS * math.exp(config.theta_modulation * subject.latent + subject.theta_nuisance)
    data += np.outer(gaussian_bump(electrodes.unit_positions, site(THETA_SITE), 0.5),
                     theta * narrowband_noise(n, SFREQ, THETA_FREQ, 1.0, rng))
    if trials is not None:
        data += np.outer(cpp_pattern(), cpp_course(config, subject, trials, n))
    if task == config.movie:
        start = round(subject.movie_offset * SFREQ)
        sources = movie_sources(config)
        data[:, start:start + sources.shape[1]] += movie_patterns(config, subject) @ sources
    return _high_pass(referenced(data))


def cpp_course(config: SimulatedHbnConfig, subject: SubjectLatents, trials: "pd.DataFrame", n: int) -> np.ndarray:
    """The build-up's time course over a run (V at the pattern's peak), shape (n,).

    From ``target + CPP_ONSET`` it rises linearly to ``bound = CPP_VOLTS * rt_snr * cpp_gain`` over the trial's
    decision time (slope ``bound / decision``), then decays exponentially; lapses have none.
    """
    course = np.zeros(n)
    t = np.arange(n) / SFREQ
    bound = CPP_VOLTS * config.rt_snr * subject.cpp_gain
    for trial in trials.itertuples():
        if trial.lapse:
            continue
        onset = trial.target + CPP_ONSET
        peak = onset + trial.decision
        rising = (t >= onset) & (t < peak)
        course[rising] += bound * (t[rising] - onset) / trial.decision
        after = t >= peak
        course[after] += bound * np.exp(-(t[after] - peak) / CPP_DECAY)
    return course


def _high_pass(data: np.ndarray) -> np.ndarray:
    import mne

    return mne.filter.filter_data(data, SFREQ, HIGH_PASS, None, verbose="error")
