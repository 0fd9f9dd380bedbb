"""Simulated CHB-MIT: continuous pediatric EEG with seizures, written in the BIDS release's exact files, with a ceiling.

The files are those of :mod:`neuroarena.studies.chb_mit` (``participants.tsv``, ``dataset_description.json``,
``events.json``; ``sub-XX/ses-YY/eeg/sub-XX_ses-YY_task-szMonitoring_run-ZZ_eeg.edf`` with ``_eeg.json`` and a
HED-SCORE ``_events.tsv``; 256 Hz, the 18 bipolar derivations of the double banana), read back by the very same
:class:`~neuroarena.studies.chb_mit.ChbMit` reader. As in the release, ``sub-01`` has a second session (chb21 is
chb01 again), a recording without seizures has one ``bckg`` row as long as the recording, and one run (the last of
``sub-02``) comes without its events file, which the reader skips with a warning.

Generative model (volts, 256 Hz, deterministic in the seed):

- **Recordings.** ``n_subjects`` children aged 2-19 (CHB-MIT: 1.5-22; Shoeb 2009, PhD thesis, MIT), each with
  ``min_runs``-``max_runs`` runs of about ``run_minutes`` (+-15 %, whole seconds). The 19 electrodes of the 10-20
  system carry the signals below; the derivations are their differences (``FP1-F7`` = FP1 - F7), so neighbouring
  derivations share sources and a focal discharge shows a phase reversal, as in the release's bipolar montage.
- **Background.** A 1/f activity (:func:`~neuroarena.studies.simulated.noise.pink_noise`) from a few broad
  generators shared by the electrodes plus an electrode-local half (volume conduction: Nunez & Srinivasan,
  Electric Fields of the Brain, 2006), a posterior dominant rhythm whose frequency grows with age (about 8 Hz at
  3 years to 10 Hz in adolescence: Niedermeyer's Electroencephalography, ch. on normal EEG of children), eye blinks
  on FP1/FP2, brief bursts of scalp-muscle activity (20-60 Hz) on the temporal and frontopolar electrodes, 60 Hz
  line noise and white sensor noise.
- **Seizures.** ``min_seizures``-``max_seizures`` per subject, in some of its runs (every subject with two or more
  annotated runs also has a seizure-free one), ``min_seizure_seconds``-``max_seizure_seconds`` long (CHB-MIT's last
  from seconds to minutes: Shoeb 2009), whole-second onsets, at least :data:`SEIZURE_GAP` s apart. Each is a
  rhythmic, evolving discharge (an electrographic seizure evolves in frequency, morphology and location: Hirsch et
  al. 2021, ACNS critical care EEG terminology, J. Clin. Neurophysiol. 38:1): a spiky wave (three harmonics) whose
  frequency slows from 5.5-8 Hz to 2.5-4 Hz while its amplitude grows (from 60 % to 100 % of the seizure's gain,
  about ``ictal_volts`` RMS at the focus), starting at the subject's focus (:data:`FOCI`, one per subject) and
  spreading region by region (:data:`REGIONS`): a region at distance ``d`` from the focus joins when a fraction
  ``d / reach`` of the seizure has passed, weaker with distance and lagging in phase (propagation), so late in a
  seizure much of the montage is involved; 1.5 s raised-cosine edges keep it inside the true interval. Most
  seizures (:data:`ICTAL_MUSCLE`) add muscle-like 20-60 Hz power on the temporal and frontopolar electrodes, and
  each is followed by about 30 s of post-ictal delta slowing at the focus.
- **Annotations.** The ``_events.tsv`` is an annotator's reading of the true intervals: each edge moves by a whole
  number of seconds drawn uniformly from ``-jitter_seconds..jitter_seconds``, independently of the EEG (experts
  disagree on seizure onsets and ends even when they agree on the seizure: Halford et al. 2015, Clin.
  Neurophysiol.; the uniform law is an assumption). ``dateTime`` is the recording's start, ``confidence`` and
  ``channels`` are ``n/a``.

The ceiling (:meth:`SimulatedChbMit.oracle_outputs`): a crop's label and whether the reader keeps it depend on the
EEG only through the true seizure intervals (label <- annotated intervals <- true intervals -> EEG; the jitter is
drawn apart from the EEG), so by the data-processing inequality no decoder of the window beats the Bayes rule on
the true intervals. For every crop of a recording the oracle enumerates the jitter law exactly (the
``(2 jitter_seconds + 1) ** 2`` equally likely edge moves of each seizure that can reach the crop) to get
``p_seizure`` (annotated seizure covers at least half the crop: kept as ``seizure``) and ``p_quiet`` (no annotated
seizure touches it: a candidate background crop). The reader keeps a candidate background crop with probability
``q = n_background / n_quiet``, taken as ``min(1, n_background / E[n_quiet])`` with ``E[n_quiet]`` the sum of the
recording's ``p_quiet`` (exact up to the spread of ``n_quiet``, a crop or two). A kept crop's likelihood under
each class is then ``P(crop | seizure) = p_seizure / N_seizure`` and ``P(crop | background) = q p_quiet /
N_background``, with ``N`` each class's expected count over the study; the oracle gives their logarithms, the
rule that maximizes balanced accuracy (equal class priors). Without jitter it is exact and agrees with every label.
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.fft import next_fast_len

from neuroarena.errors import NeuroarenaError
from neuroarena.hashing import stable_hash
from neuroarena.home import data_dir
from neuroarena.studies.chb_mit import FOLDER, TASK, ChbMit
from neuroarena.studies.simulated.noise import line_noise, narrowband_noise, pink_noise
from neuroarena.studies.simulated_bids import preset_config, windows_by_recording

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig

GENERATOR_VERSION = 1
SFREQ = 256.0
CLASSES = ("background", "seizure")
#: The 18 bipolar derivations of the release (the double banana), as (anode, cathode).
BIPOLAR = ("FP1-F7", "F7-T7", "T7-P7", "P7-O1", "FP1-F3", "F3-C3", "C3-P3", "P3-O1", "FP2-F4", "F4-C4", "C4-P4",
           "P4-O2", "FP2-F8", "F8-T8", "T8-P8", "P8-O2", "FZ-CZ", "CZ-PZ")
#: Flat scalp positions of the 10-20 electrodes (x to the right, y to the nose; the head's radius is 1).
ELECTRODES = {
    "FP1": (-0.31, 0.95), "FP2": (0.31, 0.95), "F7": (-0.81, 0.59), "F3": (-0.4, 0.5), "FZ": (0.0, 0.45),
    "F4": (0.4, 0.5), "F8": (0.81, 0.59), "T7": (-1.0, 0.0), "C3": (-0.5, 0.0), "CZ": (0.0, 0.0), "C4": (0.5, 0.0),
    "T8": (1.0, 0.0), "P7": (-0.81, -0.59), "P3": (-0.4, -0.5), "PZ": (0.0, -0.45), "P4": (0.4, -0.5),
    "P8": (0.81, -0.59), "O1": (-0.31, -0.95), "O2": (0.31, -0.95),
}
#: Seizure foci: the (x, y) centres of the discharge's field and its width (head radii).
FOCI = {
    "left temporal": ([(-0.95, 0.05)], 0.5), "right temporal": ([(0.95, 0.05)], 0.5),
    "left frontal": ([(-0.6, 0.65)], 0.5), "right frontal": ([(0.6, 0.65)], 0.5),
    "left central": ([(-0.5, 0.0)], 0.5), "right central": ([(0.5, 0.0)], 0.5),
    "left parieto-occipital": ([(-0.6, -0.7)], 0.5), "right parieto-occipital": ([(0.6, -0.7)], 0.5),
    "generalized": ([(-0.45, 0.35), (0.45, 0.35)], 0.5),
}
#: Centres of the regions a discharge can spread to (the foci's, and midline frontal and parietal).
REGIONS = ((-0.95, 0.05), (0.95, 0.05), (-0.6, 0.65), (0.6, 0.65), (-0.5, 0.0), (0.5, 0.0), (-0.6, -0.7),
           (0.6, -0.7), (0.0, 0.45), (0.0, -0.45), (-0.45, 0.35), (0.45, 0.35))
BACKGROUND_VOLTS = 28e-6  # RMS of the 1/f background per electrode
LOCAL_SHARE = 0.5  # share of the background's variance local to each electrode
N_GENERATORS = 6  # broad background generators per subject
ALPHA_VOLTS = 14e-6  # RMS of the posterior dominant rhythm at O1/O2
BLINK_VOLTS = 120e-6  # blink peak at FP1/FP2
BLINK_RATE = 0.15  # blinks per second
MUSCLE_VOLTS = 12e-6  # RMS of a muscle burst at its electrodes
MUSCLE_RATE = 1.0  # background muscle bursts per minute
SENSOR_VOLTS = 1e-6
LINE_SCALE = 0.5  # of line_noise's amplitude
SPREAD_REACH = 1.6  # head radii: the farthest a discharge spreads (each seizure reaches 60-100 % of it)
SPREAD_DECAY = 1.5  # head radii: a recruited region's amplitude falls by e over this distance from the focus
ICTAL_MUSCLE = 0.9  # share of seizures with muscle activity
RAMP = 1.5  # s: raised-cosine edges of a seizure, inside its true interval
POSTICTAL_SECONDS = 30.0
POSTICTAL_VOLTS = 25e-6
SEIZURE_MARGIN = 20  # s: no seizure nearer a recording's ends
SEIZURE_GAP = 45  # s: at least this between two seizures of a recording
MUSCLE_ELECTRODES = ("FP1", "FP2", "F7", "F8", "T7", "T8")
POSTERIOR = {"O1": 1.0, "O2": 1.0, "P7": 0.5, "P8": 0.5, "P3": 0.5, "P4": 0.5, "PZ": 0.4}
FIRST_DAY = datetime.datetime(2010, 6, 14, 9, 0)


class ChbMitConfig(BaseModel):
    """Parameters of the simulated CHB-MIT release (field defaults: the ``default`` preset).

    Seizure counts are per subject, durations and jitter in whole seconds; ``ictal_volts`` is the median RMS of a
    discharge at the focus electrode at its end (a subject's and a seizure's own gain vary around it).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(0, ge=0)
    n_subjects: int = Field(23, ge=3, le=99)
    min_runs: int = Field(2, ge=1, le=9)
    max_runs: int = Field(3, ge=1, le=9)
    run_minutes: float = Field(20.0, ge=3.0, le=240.0)
    min_seizures: int = Field(3, ge=1, le=30)
    max_seizures: int = Field(5, ge=1, le=30)
    min_seizure_seconds: int = Field(10, ge=5, le=600)
    max_seizure_seconds: int = Field(60, ge=5, le=600)
    jitter_seconds: int = Field(5, ge=0, le=10)
    ictal_volts: float = Field(200e-6, gt=0.0, le=1e-3)
    line_freq: float = Field(60.0, gt=0.0, lt=SFREQ / 2)

    @model_validator(mode="after")
    def _ranges(self) -> "ChbMitConfig":
        for low, high in (("min_runs", "max_runs"), ("min_seizures", "max_seizures"),
                          ("min_seizure_seconds", "max_seizure_seconds")):
            if getattr(self, low) > getattr(self, high):
                raise ValueError(f"{low} exceeds {high}")
        return self


PRESETS: dict[str, dict[str, Any]] = {
    # 23 children (24 sessions), 2-3 runs of ~20 min each, 3-5 seizures per child.
    "default": {},
    # For tests: 15 children (16 sessions), 2-3 runs of ~5 min each, 3-5 seizures per child (fewer where they do
    # not fit).
    "tiny": dict(n_subjects=15, run_minutes=5.0),
}


def chbmit_config(preset: str, overrides: dict | None = None) -> ChbMitConfig:
    """The named preset with ``overrides`` applied."""
    return preset_config(ChbMitConfig, PRESETS, preset, overrides, "simulated CHB-MIT")


@dataclass(frozen=True)
class Run:
    """One simulated recording: its BIDS entities (``subject`` and ``session`` from 1, ``run`` from 0), its length
    (s), its start, its true seizures (s), shape (n_seizures, 2), and whether its events file is written."""

    subject: int
    session: int
    run: int
    seconds: int
    start: datetime.datetime
    seizures: np.ndarray
    annotated: bool

    @property
    def name(self) -> str:
        """``sub-XX_ses-YY_task-szMonitoring_run-ZZ``."""
        return f"sub-{self.subject:02d}_ses-{self.session:02d}_task-{TASK}_run-{self.run:02d}"

    @property
    def folder(self) -> str:
        """``sub-XX/ses-YY/eeg``."""
        return f"sub-{self.subject:02d}/ses-{self.session:02d}/eeg"


@dataclass(frozen=True)
class Subject:
    """A child's traits: age (years), sex, seizure focus (a key of :data:`FOCI`), alpha frequency (Hz), gains."""

    age: float
    sex: str
    focus: str
    alpha_freq: float
    background_gain: float
    ictal_gain: float


def subject_traits(config: ChbMitConfig, subject: int) -> Subject:
    """The traits of ``subject`` (from 1)."""
    rng = np.random.default_rng([config.seed, 1, subject])
    age = float(np.round(rng.uniform(2.0, 19.0) * 2) / 2)
    return Subject(age=age, sex=str(rng.choice(["F", "M"])), focus=str(rng.choice(list(FOCI))),
                   alpha_freq=float(np.clip(7.6 + 0.15 * age + rng.normal(0, 0.3), 7.5, 11.0)),
                   background_gain=float(np.exp(rng.normal(0, 0.15))), ictal_gain=float(np.exp(rng.normal(0, 0.15))))


def _place_seizures(rng: np.random.Generator, count: int, seconds: int, config: ChbMitConfig) -> np.ndarray:
    """Whole-second (start, stop) of up to ``count`` seizures in a recording of ``seconds``, shape (n, 2)."""
    durations = rng.integers(config.min_seizure_seconds, config.max_seizure_seconds + 1, count)
    while len(durations) and durations.sum() + (len(durations) - 1) * SEIZURE_GAP > seconds - 2 * SEIZURE_MARGIN:
        durations = durations[:-1]
    if not len(durations):
        return np.zeros((0, 2))
    free = seconds - 2 * SEIZURE_MARGIN - int(durations.sum()) - (len(durations) - 1) * SEIZURE_GAP
    cuts = np.sort(rng.integers(0, free + 1, len(durations)))
    starts = SEIZURE_MARGIN + cuts + np.concatenate([[0], np.cumsum(durations[:-1] + SEIZURE_GAP)])
    return np.stack([starts, starts + durations], axis=1).astype(float)


def runs(config: ChbMitConfig) -> list[Run]:
    """Every recording of the study, in the order of their names."""
    out = []
    for subject in range(1, config.n_subjects + 1):
        rng = np.random.default_rng([config.seed, 2, subject])
        plans = []  # (session, run, seconds, annotated)
        for session in (1, 2) if subject == 1 else (1,):
            for run in range(int(rng.integers(config.min_runs, config.max_runs + 1))):
                plans.append((session, run, int(round(config.run_minutes * 60 * rng.uniform(0.85, 1.15))), True))
        if subject == 2:
            plans[-1] = (*plans[-1][:3], False)
        annotated = [i for i, plan in enumerate(plans) if plan[3]]
        n_with = int(rng.integers(1, len(annotated))) if len(annotated) > 1 else len(annotated)
        chosen = sorted(rng.choice(annotated, n_with, replace=False).tolist())
        n_seizures = int(rng.integers(config.min_seizures, config.max_seizures + 1))
        counts = np.bincount(rng.integers(0, max(n_with, 1), max(0, n_seizures - n_with)), minlength=n_with) + 1
        per_plan = dict(zip(chosen, counts.tolist()))
        for i, (session, run, seconds, has_events) in enumerate(plans):
            seizures = _place_seizures(np.random.default_rng([config.seed, 3, subject, session, run]),
                                       per_plan.get(i, 0), seconds, config)
            start = FIRST_DAY + datetime.timedelta(days=7 * subject + 30 * (session - 1), hours=run)
            out.append(Run(subject, session, run, seconds, start, seizures, has_events))
    return out


def annotated_seizures(config: ChbMitConfig, run: Run) -> np.ndarray:
    """The annotator's (start, stop) of the run's seizures (s), shape (n_seizures, 2): each true edge moved by a
    whole number of seconds drawn uniformly from ``-jitter_seconds..jitter_seconds``."""
    rng = np.random.default_rng([config.seed, 4, run.subject, run.session, run.run])
    shift = rng.integers(-config.jitter_seconds, config.jitter_seconds + 1, run.seizures.shape)
    return run.seizures + shift


def _bump(x: float, y: float, width: float) -> np.ndarray:
    """Weight of a field centred at (x, y) on each electrode, shape (n_electrodes,)."""
    positions = np.array(list(ELECTRODES.values()))
    return np.exp(-((positions - [x, y]) ** 2).sum(axis=1) / (2 * width ** 2))


def _edges(t: np.ndarray, length: float, ramp: float) -> np.ndarray:
    """Raised-cosine rise and fall over ``ramp`` s at both ends of ``[0, length]``, shape like ``t``."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(np.minimum(t, length - t) / ramp, 0.0, 1.0))


def _picks(names: Sequence[str]) -> np.ndarray:
    """Indices of ``names`` in :data:`ELECTRODES`, shape (n,)."""
    return np.array([list(ELECTRODES).index(name) for name in names])


def simulate_run(config: ChbMitConfig, run: Run) -> np.ndarray:
    """EEG of the run's 18 bipolar derivations (V), shape (18, seconds * 256), in the order of :data:`BIPOLAR`."""
    traits = subject_traits(config, run.subject)
    rng = np.random.default_rng([config.seed, 6, run.subject, run.session, run.run])
    n_times = int(run.seconds * SFREQ)
    times = np.arange(n_times) / SFREQ
    n_electrodes = len(ELECTRODES)
    # Background: broad shared generators plus electrode-local 1/f activity.
    centres = np.random.default_rng([config.seed, 5, run.subject]).uniform(-1.0, 1.0, (N_GENERATORS, 2))
    mixing = np.stack([_bump(x, y, 0.6) for x, y in centres], axis=1)
    fast = next_fast_len(n_times, real=True)  # noise drawn on a length quick to transform, then cut
    shared = mixing @ pink_noise(N_GENERATORS, fast, SFREQ, rng)[:, :n_times]
    shared /= shared.std(axis=1, keepdims=True)
    local = _unit(pink_noise(n_electrodes, fast, SFREQ, rng)[:, :n_times])
    data = BACKGROUND_VOLTS * traits.background_gain * (np.sqrt(1 - LOCAL_SHARE) * shared
                                                        + np.sqrt(LOCAL_SHARE) * local)
    posterior = np.array([POSTERIOR.get(name, 0.0) for name in ELECTRODES])
    alpha = _unit(narrowband_noise(fast, SFREQ, traits.alpha_freq, 0.6, rng)[:n_times])
    data += ALPHA_VOLTS * np.outer(posterior, alpha)
    # Blinks at FP1/FP2 (a fifth of that at the other frontal electrodes).
    blink_pattern = np.array([1.0 if name in ("FP1", "FP2") else 0.2 if name[0] == "F" else 0.0
                              for name in ELECTRODES])
    shape_t = np.arange(int(0.8 * SFREQ)) / SFREQ
    shape = (shape_t / 0.1) * np.exp(1 - shape_t / 0.1)
    course = np.zeros(n_times)
    for onset in rng.integers(0, n_times - len(shape), rng.poisson(BLINK_RATE * run.seconds)):
        course[onset:onset + len(shape)] += BLINK_VOLTS * rng.uniform(0.6, 1.4) * shape
    data += np.outer(blink_pattern, course)
    # Brief scalp-muscle bursts on the temporal and frontopolar electrodes.
    muscle = _picks(MUSCLE_ELECTRODES)
    for onset in rng.uniform(0, run.seconds - 6, rng.poisson(MUSCLE_RATE * run.seconds / 60)):
        length = rng.uniform(1.0, 5.0)
        window = slice(int(onset * SFREQ), int((onset + length) * SFREQ))
        burst = rng.standard_normal((len(muscle), window.stop - window.start))
        burst = np.fft.irfft(np.fft.rfft(burst, axis=1) * _high_band(burst.shape[1]), n=burst.shape[1], axis=1)
        burst /= burst.std()
        side = rng.uniform(0.2, 1.0, len(muscle))
        data[muscle, window] += MUSCLE_VOLTS * side[:, None] * burst * _edges(times[window] - onset, length, 0.3)
    # Seizures: a rhythmic, slowing, growing discharge at the subject's focus that spreads; then post-ictal delta.
    centres, width = FOCI[traits.focus]
    focal = sum(_bump(x, y, width) for x, y in centres)
    regions = np.array(REGIONS)
    distance = np.min(np.linalg.norm(regions[:, None] - np.array(centres)[None], axis=2), axis=1)
    fields = np.stack([_bump(x, y, width) for x, y in REGIONS])  # (n_regions, n_electrodes)
    for start, stop in run.seizures:
        seizure_rng = np.random.default_rng([config.seed, 7, run.subject, run.session, run.run, int(start)])
        window = slice(int(start * SFREQ), int(stop * SFREQ))
        length = stop - start
        t = times[window] - start
        tau = t / length
        f0, f1 = seizure_rng.uniform(5.5, 8.0), seizure_rng.uniform(2.5, 4.0)
        phase = 2 * np.pi * np.cumsum(f0 + (f1 - f0) * tau) / SFREQ + seizure_rng.uniform(0, 2 * np.pi)
        gain = config.ictal_volts * traits.ictal_gain * np.exp(seizure_rng.normal(0, 0.3))
        course = gain * (0.6 + 0.4 * tau) * _edges(t, length, RAMP)
        data[:, window] += np.outer(focal, course * _spiky(phase))
        # Spread: each region joins once the discharge has travelled to it, weaker with distance, lagging in phase.
        reach = seizure_rng.uniform(0.6, 1.0) * SPREAD_REACH
        lags = seizure_rng.uniform(0.3, 1.5, len(REGIONS))
        for r in np.flatnonzero((distance > 0.05) & (distance < reach)):
            joined = np.clip((tau - distance[r] / reach) / 0.2, 0.0, 1.0) * np.exp(-distance[r] / SPREAD_DECAY)
            data[:, window] += np.outer(fields[r], course * joined * _spiky(phase - lags[r]))
        if seizure_rng.random() < ICTAL_MUSCLE:  # ictal muscle activity
            emg = seizure_rng.standard_normal((len(muscle), len(t)))
            emg = np.fft.irfft(np.fft.rfft(emg, axis=1) * _high_band(len(t)), n=len(t), axis=1)
            emg /= emg.std()
            rise = np.clip(tau * 2, 0, 1) * _edges(t, length, RAMP)
            data[muscle, window] += MUSCLE_VOLTS * seizure_rng.uniform(0.5, 1.5) * emg * rise
        after = slice(window.stop, min(n_times, window.stop + int(POSTICTAL_SECONDS * SFREQ)))
        decay = np.exp(-(times[after] - stop) / (POSTICTAL_SECONDS / 3))
        delta = narrowband_noise(after.stop - after.start, SFREQ, 1.5, 0.5, seizure_rng)
        data[:, after] += POSTICTAL_VOLTS * np.outer(focal, decay * delta)
    index = {name: i for i, name in enumerate(ELECTRODES)}
    bipolar = np.stack([data[index[a]] - data[index[b]] for a, b in (pair.split("-") for pair in BIPOLAR)])
    bipolar += line_noise(len(BIPOLAR), n_times, SFREQ, config.line_freq, rng) * LINE_SCALE
    return bipolar + SENSOR_VOLTS * rng.standard_normal(bipolar.shape)


def _unit(signals: np.ndarray) -> np.ndarray:
    """``signals`` with zero mean and unit variance along the last axis, same shape."""
    signals = signals - signals.mean(axis=-1, keepdims=True)
    return signals / signals.std(axis=-1, keepdims=True)


def _spiky(phase: np.ndarray) -> np.ndarray:
    """A sharp, unit-RMS ictal wave of ``phase`` (rad): three harmonics, shape like ``phase``."""
    return (np.sin(phase) + 0.5 * np.sin(2 * phase + 0.6) + 0.25 * np.sin(3 * phase + 1.2)) / np.sqrt(0.65625)


def _high_band(n_times: int) -> np.ndarray:
    """Gain of the muscle band (20-60 Hz, smooth edges) on the rfft frequencies of ``n_times`` samples."""
    freqs = np.fft.rfftfreq(n_times, 1.0 / SFREQ)
    return 1.0 / (1.0 + np.exp(-(freqs - 20.0) / 2.0)) / (1.0 + np.exp((freqs - 60.0) / 4.0))


def _events_table(config: ChbMitConfig, run: Run) -> "pd.DataFrame":
    """The run's HED-SCORE events: a row per annotated seizure (``sz`` or ``sz-foc``), else one ``bckg`` row."""
    import pandas as pd

    traits = subject_traits(config, run.subject)
    kind = "sz" if traits.focus == "generalized" else "sz-foc"
    rows = [(float(a), float(b - a), kind) for a, b in annotated_seizures(config, run)] or \
        [(0.0, float(run.seconds), "bckg")]
    return pd.DataFrame([{"onset": onset, "duration": duration, "eventType": event, "confidence": "n/a",
                          "channels": "n/a", "dateTime": run.start.strftime("%Y-%m-%d %H:%M:%S"),
                          "recordingDuration": float(run.seconds)} for onset, duration, event in rows])


def write_run(config: ChbMitConfig, root: Path, run: Run) -> None:
    """Write one run's EDF (µV, 1 s data records), ``_eeg.json`` and, if annotated, ``_events.tsv`` under ``root``."""
    import edfio

    folder = root / run.folder
    folder.mkdir(parents=True, exist_ok=True)
    data = simulate_run(config, run)
    signals = [edfio.EdfSignal(data[c] * 1e6, SFREQ, label=label, physical_dimension="uV")
               for c, label in enumerate(BIPOLAR)]
    edfio.Edf(signals, recording=edfio.Recording(startdate=run.start.date()), starttime=run.start.time(),
              data_record_duration=1.0).write(folder / f"{run.name}_eeg.edf")
    sidecar = {"TaskName": TASK, "SamplingFrequency": SFREQ, "PowerLineFrequency": config.line_freq,
               "EEGChannelCount": len(BIPOLAR), "EEGReference": "bipolar", "EEGPlacementScheme": "10-20",
               "RecordingDuration": float(run.seconds), "RecordingType": "continuous", "SoftwareFilters": "n/a",
               "HardwareFilters": "n/a", "Manufacturer": "neuroarena simulation"}
    (folder / f"{run.name}_eeg.json").write_text(json.dumps(sidecar, indent=2, sort_keys=True) + "\n")
    if run.annotated:
        _events_table(config, run).to_csv(folder / f"{run.name}_events.tsv", sep="\t", index=False)


def write_release(config: ChbMitConfig, root: Path) -> None:
    """Write every file of the simulated release into ``root`` (the ``BIDS_CHB-MIT`` folder)."""
    import pandas as pd

    root.mkdir(parents=True, exist_ok=True)
    traits = [subject_traits(config, s) for s in range(1, config.n_subjects + 1)]
    pd.DataFrame({"participant_id": [f"sub-{s:02d}" for s in range(1, config.n_subjects + 1)],
                  "age": [t.age for t in traits], "sex": [t.sex for t in traits]}).to_csv(
        root / "participants.tsv", sep="\t", index=False)
    description = {"Name": "CHB-MIT Scalp EEG Database (simulated)", "BIDSVersion": "1.9.0", "DatasetType": "raw",
                   "License": "ODC-By-1.0", "Authors": ["neuroarena"],
                   "GeneratedBy": [{"Name": "neuroarena SimulatedChbMit", "Version": str(GENERATOR_VERSION)}]}
    (root / "dataset_description.json").write_text(json.dumps(description, indent=2, sort_keys=True) + "\n")
    events = {"onset": {"Description": "Start of the event from the start of the recording", "Units": "s"},
              "duration": {"Description": "Duration of the event", "Units": "s"},
              "eventType": {"Description": "HED-SCORE event: sz (seizure), sz-foc (focal seizure), bckg (none)"},
              "confidence": {"Description": "Annotator's confidence (n/a: not given)"},
              "channels": {"Description": "Channels involved (n/a: not given)"},
              "dateTime": {"Description": "Start date and time of the recording"},
              "recordingDuration": {"Description": "Duration of the recording", "Units": "s"}}
    (root / "events.json").write_text(json.dumps(events, indent=2, sort_keys=True) + "\n")
    for run in runs(config):
        write_run(config, root, run)


def label_probabilities(seizures: np.ndarray, seconds: float, crop_seconds: float,
                        jitter: int) -> tuple[np.ndarray, np.ndarray]:
    """For each crop of a recording (onsets ``0, crop_seconds, ...``), the probability under the jitter law that
    the annotated seizures cover at least half of it, and that none touches it; each shape (n_crops,).

    ``seizures`` are the true (start, stop), shape (n_seizures, 2); each edge moves by ``-jitter..jitter`` s,
    uniformly and independently, as in :func:`annotated_seizures`.
    """
    onsets = np.arange(int(seconds // crop_seconds)) * crop_seconds
    shifts = np.arange(-jitter, jitter + 1, dtype=float)
    a, b = (grid.ravel() for grid in np.meshgrid(shifts, shifts, indexing="ij"))
    p_seizure, p_quiet = np.zeros(len(onsets)), np.ones(len(onsets))
    for k, onset in enumerate(onsets):
        stop = onset + crop_seconds
        near = [(s, e) for s, e in seizures if s - jitter < stop and e + jitter > onset]
        if not near:
            continue
        inside, touching = [], []
        for s, e in near:
            inside.append(np.clip(np.minimum(stop, e + b) - np.maximum(onset, s + a), 0, None))
            touching.append((onset < e + b) & (stop > s + a))
        total, quiet = np.zeros(1), np.ones(1, dtype=bool)
        for overlap, touch in zip(inside, touching):  # every combination of the seizures' independent moves
            total = (total[:, None] + overlap[None, :]).ravel()
            quiet = (quiet[:, None] & ~touch[None, :]).ravel()
        p_seizure[k] = np.mean(total >= crop_seconds / 2)
        p_quiet[k] = np.mean(quiet)
    return p_seizure, p_quiet


class SimulatedChbMit(ChbMit):
    """The simulated CHB-MIT release (see the module docstring), read as the real one.

    ``background_per_hour`` defaults to 120 rather than the release's 20: the simulated recordings last minutes,
    not hours, and 20 an hour would leave a couple of background crops per recording, too few for both classes
    in every part of a cross-subject split; the reader's rule is unchanged.

    Parameters
    ----------
    root : str or Path, optional
        Default ``data_dir() / "simulated-chbmit-<config hash>/BIDS_CHB-MIT"``.
    preset : str
        ``"default"`` or ``"tiny"``.
    config : dict, optional
        Fields of :class:`ChbMitConfig` changed from the preset.
    crop_seconds, background_per_hour, subjects, sessions, skip_unreadable
        As for :class:`~neuroarena.studies.chb_mit.ChbMit`.
    """

    name = "SimulatedChbMit"
    aliases = ("simulated-chbmit",)
    citation = "neuroarena built-in simulation (no publication)."
    description = "Simulated CHB-MIT release (rhythmic evolving seizure discharges, annotation jitter, a ceiling)."

    def __init__(self, root: str | Path | None = None, preset: str = "default", config: dict | None = None,
                 crop_seconds: float = 10.0, background_per_hour: float = 120.0,
                 subjects: Sequence[str | int] | None = None, sessions: Sequence[str | int] | None = None,
                 skip_unreadable: bool = False):
        self.config = chbmit_config(preset, config)
        digest = stable_hash({"config": self.config, "generator": GENERATOR_VERSION})
        root = root if root is not None else data_dir() / f"simulated-chbmit-{digest}" / FOLDER
        super().__init__(root, crop_seconds, background_per_hour, subjects, sessions, skip_unreadable)

    def params(self) -> dict:
        return {**super().params(), "config": self.config.model_dump(mode="json"), "generator": GENERATOR_VERSION}

    def download(self) -> None:
        """Simulate and write the release (local; a no-op when written)."""
        from neuroarena.fileio import build_simulation_once

        expected = {"config": self.config.model_dump(mode="json"), "generator": GENERATOR_VERSION}
        build_simulation_once(self.root, expected,
                              lambda folder: write_release(self.config, folder), "simulated CHB-MIT release",
                              "SimulatedChbMit")

    def find_recordings(self):
        self.download()
        return super().find_recordings()

    def crop_likelihoods(self) -> dict[str, np.ndarray]:
        """``log P(crop | class)`` of every crop of each annotated recording, by recording id: shape (n_crops, 2),
        columns as :data:`CLASSES` (see the module docstring)."""
        joint, totals = {}, np.zeros(2)
        for run in runs(self.config):
            if not run.annotated:
                continue
            p_seizure, p_quiet = label_probabilities(run.seizures, run.seconds, self.crop_seconds,
                                                     self.config.jitter_seconds)
            wanted = round(self.background_per_hour * run.seconds / 3600)
            keep = min(1.0, wanted / p_quiet.sum()) if p_quiet.sum() > 0 else 0.0
            joint[run.name] = np.stack([keep * p_quiet, p_seizure], axis=1)
            totals += joint[run.name].sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return {name: np.log(values / totals) for name, values in joint.items()}

    def oracle_outputs(self, windows: "pd.DataFrame", prepare: "PrepareConfig", stimuli: Sequence[str] | None = None,
                       classes: Sequence[str] | None = None, target: str | None = None) -> np.ndarray | None:
        """Each class's ``log P(crop | class)`` from the true seizures of each window's crop, shape
        (n_windows, n_classes) (``-inf`` for a class the study lacks); None for retrieval and regression.

        A window's label is its crop's (the event at ``windows["onset"]``), whatever part of it the window covers.
        """
        if classes is None or stimuli is not None or target is not None:
            return None
        likelihood = self.crop_likelihoods()
        columns = [CLASSES.index(c) if c in CLASSES else -1 for c in classes]
        out = np.full((len(windows), len(classes)), -np.inf)
        onsets = windows["onset"].to_numpy(dtype=float)
        for recording, rows in windows_by_recording(self, windows):
            table = likelihood[recording.id]
            crop = np.round(onsets[rows] / self.crop_seconds).astype(int)
            if (np.abs(crop * self.crop_seconds - onsets[rows]) > 1e-6).any() or crop.min() < 0 or \
                    crop.max() >= len(table):
                raise NeuroarenaError(f"windows of {recording.id} do not start at its crops", path=recording.path,
                                      fix="score the oracle on the crops of this simulated release")
            for j, column in enumerate(columns):
                if column >= 0:
                    out[rows, j] = table[crop, column]
        return out
