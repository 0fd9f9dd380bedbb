"""The simulated motor-imagery EEG: sensorimotor mu and beta rhythms that desynchronize opposite the imagined hand.

Generative model of one run (all in volts, at ``config.sfreq``), deterministic in ``config.seed``:

- **Schedule.** ``trials_per_class`` trials of each class, shuffled; the first cue ``fixation`` s after the
  start, then one every ``cue_interval + U(0, cue_jitter)`` s (fixation cross, cue at t = 0, ``imagery`` s of
  imagined movement, the jitter as rest), as in BNCI2014_001 / BCI Competition IV 2a (Tangermann et al. 2012,
  Front. Neurosci. 6:55: fixation 2 s, cue, imagery until 4 s after it; 22 channels at 250 Hz).
- **Sources.** Two sensorimotor sources, under C3 (left hemisphere) and C4 (right), each the sum of a mu rhythm
  (``MU_VOLTS``, peak 10-12 Hz, the subject's own) and a beta rhythm (``BETA_VOLTS``, 18-24 Hz): Gaussian-spectrum
  narrowband noise (:func:`~neuroarena.studies.simulated.noise.narrowband_noise`), which waxes and wanes as
  real rhythms do. Each reaches the scalp through a Gaussian pattern
  (:func:`~neuroarena.studies.simulated.brain.gaussian_bump`, ``SOURCE_WIDTH`` rad) whose centre is moved
  per subject, times a per-subject, per-hemisphere gain (log-normal, sd ``GAIN_SD``).
- **ERD.** During the imagery of a ``left_hand`` trial the *right* source's amplitude (mu and beta alike) is
  multiplied by ``1 - depth`` (contralateral event-related desynchronization; Pfurtscheller & Lopes da Silva
  1999, Clin. Neurophysiol. 110:1842; Pfurtscheller et al. 2006, NeuroImage 31:153), for ``right_hand`` the
  *left* one; the other sources' amplitude is multiplied by ``1 + ers`` (ipsilateral ERS, 0 by default). With
  ``feet`` among the classes a third source lies under Cz, over the feet's representation in the mesial
  cortex; feet imagery desynchronizes it, with ERS of the hand areas around it (the "focal ERD / surround ERS"
  of Pfurtscheller et al. 2006). Its pattern, gain and rhythms come from random streams of their own, so the
  two hand sources of a two-source configuration are unchanged. A ``rest`` trial modulates nothing.
  The envelope rises over ``ERD_RAMP`` s after the cue and falls over the last ``ERD_RAMP`` s of the imagery
  (raised cosines). ``depth`` is the subject's (``erd`` times a log-normal factor, sd ``SUBJECT_ERD_SD``:
  some subjects desynchronize little) times a trial's factor (log-normal, sd ``TRIAL_ERD_SD``), below
  ``MAX_DEPTH``.
- **Background.** The 1/f activity of :func:`~neuroarena.studies.simulated.noise.background`: about 22 µV RMS
  per channel from ``N_NOISE_SOURCES`` broad generators of the subject, plus ``local_noise`` of channel-local
  1/f activity and white sensor noise; and mains interference at ``line_freq`` (8 µV).

At ``snr = 1`` the mu rhythm's 8 µV RMS at its peak channel stands above the background's 6 µV RMS in 8-13 Hz
(mu amplitudes of 5-15 µV are usual over the motor cortex; Niedermeyer's Electroencephalography, ch. 9).

The sources (after the ERD) come from a random stream of their own, so :func:`run_sources` gives them without
simulating the rest: the oracle reads them.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from neuroarena.studies.simulated.brain import Electrodes, gaussian_bump, montage_positions
from neuroarena.studies.simulated.noise import background, line_noise, narrowband_noise
from neuroarena.studies.simulated_mi.config import CHANNELS, MotorImageryConfig

if TYPE_CHECKING:
    import pandas as pd

MU_VOLTS = 8e-6  # RMS of the mu rhythm at its source's peak channel, snr = 1
BETA_VOLTS = 4e-6  # RMS of the beta rhythm there
MU_RANGE, BETA_RANGE = (10.0, 12.0), (18.0, 24.0)  # Hz: where a subject's peaks lie
MU_BANDWIDTH, BETA_BANDWIDTH = 0.7, 1.5  # Hz: sd of the amplitude spectrum around each peak
SOURCE_SITES = ("C3", "C4", "Cz")  # left and right hemisphere, and the midline (feet) with "feet"
SOURCE_WIDTH = 0.35  # radians
POSITION_SD = 0.08  # per-subject shift of a source's centre (unit sphere)
GAIN_SD = 0.25  # log-normal sd of a source's gain per subject
SUBJECT_ERD_SD = 0.25  # log-normal sd of a subject's ERD depth around config.erd
TRIAL_ERD_SD = 0.3  # log-normal sd of a trial's depth around the subject's
MAX_DEPTH = 0.9
ERD_RAMP = 0.3  # s: rise and fall of the ERD envelope
N_NOISE_SOURCES = 8
TAIL_SECONDS = 2.0  # recorded after the last imagery ends
#: Which source (0: left, C3; 1: right, C4; 2: midline, Cz) each class desynchronizes (``rest``: none).
CONTRALATERAL = {"left_hand": 1, "right_hand": 0, "feet": 2}


@dataclass(frozen=True)
class SubjectModel:
    """One subject's sensorimotor rhythms.

    Attributes
    ----------
    patterns : ndarray, shape (n_chans, n_sources)
        Scalp pattern of the left (C3), right (C4) and, with ``feet``, midline (Cz) source, peak 1.
    gains : ndarray, shape (n_sources,)
        Amplitude factor of each source.
    mu_freq, beta_freq : float
        Peak frequencies (Hz).
    erd : float
        The subject's mean ERD depth (trials vary around it).
    """

    patterns: np.ndarray
    gains: np.ndarray
    mu_freq: float
    beta_freq: float
    erd: float


@dataclass(frozen=True)
class SimulatedRun:
    """One run: the EEG (V), shape (n_chans, n_times), its channels, rate, trials and true sources.

    ``trials`` has one row per trial: ``onset`` (s, on a sample), ``sample``, ``category`` and ``depth``;
    ``sources`` (V), shape (n_sources, n_times), are the sensorimotor sources after the ERD.
    """

    data: np.ndarray
    ch_names: tuple[str, ...]
    sfreq: float
    trials: "pd.DataFrame"
    sources: np.ndarray


@lru_cache(maxsize=8)
def electrodes(n_channels: int) -> Electrodes:
    """The first ``n_channels`` of :data:`CHANNELS` on the unit sphere (easycap-M1 positions)."""
    positions = montage_positions()
    names = CHANNELS[:n_channels]
    return Electrodes(names=names, unit_positions=np.stack([positions[n] for n in names]))


def make_subject(config: MotorImageryConfig, subject: int) -> SubjectModel:
    """Subject ``subject`` (0-based): source patterns, gains, peak frequencies and ERD depth."""
    rng = np.random.default_rng([config.seed, 1, subject])
    positions = montage_positions()
    heads = electrodes(config.n_channels)
    patterns = [gaussian_bump(heads.unit_positions, positions[site] + rng.normal(0.0, POSITION_SD, 3),
                              SOURCE_WIDTH * float(np.exp(rng.normal(0.0, 0.1)))) for site in SOURCE_SITES[:2]]
    gains = np.exp(rng.normal(0.0, GAIN_SD, 2))
    if config.n_sources == 3:
        midline = np.random.default_rng([config.seed, 6, subject])
        patterns.append(gaussian_bump(heads.unit_positions, positions["Cz"] + midline.normal(0.0, POSITION_SD, 3),
                                      SOURCE_WIDTH * float(np.exp(midline.normal(0.0, 0.1)))))
        gains = np.append(gains, np.exp(midline.normal(0.0, GAIN_SD)))
    return SubjectModel(
        patterns=np.stack(patterns, axis=1), gains=gains,
        mu_freq=float(rng.uniform(*MU_RANGE)), beta_freq=float(rng.uniform(*BETA_RANGE)),
        erd=float(min(config.erd * np.exp(rng.normal(0.0, SUBJECT_ERD_SD)), MAX_DEPTH)),
    )


def schedule(config: MotorImageryConfig, subject: SubjectModel, subject_index: int, session: int,
             run: int) -> tuple["pd.DataFrame", int]:
    """The trials of one run (0-based indices) and its length in samples (see :class:`SimulatedRun`)."""
    import pandas as pd

    rng = np.random.default_rng([config.seed, 2, subject_index, session, run])
    categories = rng.permutation(np.repeat(np.asarray(config.classes), config.trials_per_class))
    gaps = config.cue_interval + rng.uniform(0.0, config.cue_jitter, len(categories))
    seconds = config.fixation + np.concatenate([[0.0], np.cumsum(gaps[:-1])])
    samples = np.round(seconds * config.sfreq).astype(int)
    depths = np.minimum(subject.erd * np.exp(rng.normal(0.0, TRIAL_ERD_SD, len(categories))), MAX_DEPTH)
    total = int(samples[-1] + round((config.imagery + TAIL_SECONDS) * config.sfreq))
    trials = pd.DataFrame({"onset": samples / config.sfreq, "sample": samples, "category": categories,
                           "depth": depths})
    return trials, total


def envelope(times: np.ndarray, imagery: float) -> np.ndarray:
    """Shape of the ERD in time, shape (n_times,): 0 outside ``[0, imagery]`` s from the cue, 1 inside but for
    raised-cosine ramps of :data:`ERD_RAMP` s at both ends."""
    rise = np.clip(times / ERD_RAMP, 0.0, 1.0)
    fall = np.clip((imagery - times) / ERD_RAMP, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * np.minimum(rise, fall))


def modulation(config: MotorImageryConfig, category: str, depth: float, times: np.ndarray) -> np.ndarray:
    """Amplitude factor of each source around one cue, shape (n_sources, n_times) (``times`` in s from the
    cue)."""
    shape = envelope(times, config.imagery)
    factors = np.full((config.n_sources, 1), 0.0 if category == "rest" else config.ers)
    if category in CONTRALATERAL:
        factors[CONTRALATERAL[category]] = -depth
    return 1.0 + factors * shape[None]


def unit_rhythms(config: MotorImageryConfig, subject: SubjectModel, n_times: int,
                 rng: np.random.Generator) -> np.ndarray:
    """The sources before the ERD, shape (n_sources, n_times): gain x (mu + beta), each rhythm of unit variance
    scaled by its volts and ``snr``."""
    out = np.empty((config.n_sources, n_times))
    for h in range(config.n_sources):
        mu = narrowband_noise(n_times, config.sfreq, subject.mu_freq, MU_BANDWIDTH, rng)
        beta = narrowband_noise(n_times, config.sfreq, subject.beta_freq, BETA_BANDWIDTH, rng)
        out[h] = subject.gains[h] * config.snr * (MU_VOLTS * mu + BETA_VOLTS * beta)
    return out


def run_sources(config: MotorImageryConfig, subject_index: int, session: int,
                run: int) -> tuple[SubjectModel, "pd.DataFrame", np.ndarray]:
    """The subject, the trials and the sources after the ERD (V), shape (n_sources, n_times), of one run
    (0-based)."""
    subject = make_subject(config, subject_index)
    trials, total = schedule(config, subject, subject_index, session, run)
    sources = unit_rhythms(config, subject, total, np.random.default_rng([config.seed, 3, subject_index, session,
                                                                          run]))
    span = int(round(config.imagery * config.sfreq)) + 1
    times = np.arange(span) / config.sfreq
    for trial in trials.itertuples():
        stop = min(total, trial.sample + span)
        sources[:, trial.sample:stop] *= modulation(config, trial.category, trial.depth, times)[:, :stop - trial.sample]
    return subject, trials, sources


def simulate_run(config: MotorImageryConfig, subject_index: int, session: int, run: int) -> SimulatedRun:
    """Simulate run ``run`` of session ``session`` of subject ``subject_index`` (all 0-based)."""
    subject, trials, sources = run_sources(config, subject_index, session, run)
    heads = electrodes(config.n_channels)
    n_times = sources.shape[1]
    rng = np.random.default_rng([config.seed, 4, subject_index, session, run])
    centres = np.random.default_rng([config.seed, 5, subject_index]).standard_normal((N_NOISE_SOURCES, 3))
    data = subject.patterns @ sources
    data += background(heads, centres, n_times, config.sfreq, rng, config.local_noise)
    data += line_noise(len(heads.names), n_times, config.sfreq, config.line_freq, rng)
    return SimulatedRun(data=data, ch_names=heads.names, sfreq=config.sfreq, trials=trials, sources=sources)
