"""Simulated Sleep-EDF: nights of two-channel sleep EEG written in the cassette study's exact files, with a ceiling.

The files are those of :mod:`neuroarena.studies.sleep_edf` (names from MNE's record table, so subject 13 has one
night; EDF PSG with ``EEG Fpz-Cz``, ``EEG Pz-Oz``, ``EOG horizontal`` at 100 Hz and four 1 Hz channels; an EDF+
hypnogram of R&K annotations, consecutive epochs of a stage in one annotation), read back by the very same
:class:`~neuroarena.studies.sleep_edf.SleepPhysionet` reader and braindecode's loader.

Generative model of one night (volts, 100 Hz, deterministic in the seed):

- **True stages.** ``wake_before`` minutes of W, then ``sleep_hours`` of sleep as a Markov chain over 30 s epochs
  (:data:`TRANSITIONS`, a chain that cycles N1 -> N2 -> N3 -> N2 -> R as in healthy young adults; stage shares
  about N1 5-10 %, N2 45-55 %, N3 15-25 %, R 20 %: Carskadon & Dement, Principles and Practice of Sleep Medicine,
  ch. 2), then ``wake_after`` minutes of W.
- **EEG by true stage.** A 1/f background (:func:`~neuroarena.studies.simulated.noise.pink_noise`) whose amplitude
  and rhythms follow the stage, each a slowly varying envelope (1 s raised-cosine transitions between epochs):
  W: posterior alpha (8-12 Hz, mostly Pz-Oz) and beta; N1: theta (4-7 Hz), little alpha; N2: sleep spindles
  (12-14 Hz bursts of 0.5-1.5 s, ~4 per minute) and K-complexes (large biphasic waves, ~1 per minute); N3:
  high-amplitude delta (0.5-2 Hz, > 75 µV peak-to-peak, frontal Fpz-Cz largest); R: low-amplitude theta with
  saw-tooth bursts and rapid eye movements on the EOG (AASM Manual v2.6 scoring rules; Iber et al. 2007).
- **Scored stages.** The hypnogram is a scorer's reading of the true stage: it agrees with probability
  ``agreement`` and otherwise names a neighbouring stage (:data:`CONFUSION`; inter-scorer agreement on Sleep-EDF-
  like data is about 0.8, with N1 the least agreed stage: Rosenberg & Van Hout 2013, J. Clin. Sleep Med. 9:81).

The ceiling (:meth:`SimulatedSleep.oracle_outputs`): the scored stage depends on the EEG only through the true
stage of its epoch (label <- true stage -> EEG), so by the data-processing inequality no decoder of the window
beats the Bayes rule on the true stage. The oracle reads the true stage from the seed and gives each label's
log-likelihood ``log P(true stage | label)`` (from :data:`CONFUSION` and the study's true-stage frequencies): the
rule that maximizes balanced accuracy, under equal priors.
"""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from neuroarena.hashing import stable_hash
from neuroarena.home import data_dir
from neuroarena.studies.simulated.noise import line_noise, narrowband_noise, pink_noise
from neuroarena.studies.simulated_bids import preset_config, windows_by_recording
from neuroarena.studies.sleep_edf import EPOCH_SECONDS, FOLDER, SleepPhysionet, record_table

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig

GENERATOR_VERSION = 1
ORACLE_VERSION = 1
SFREQ = 100.0
LABELS = ("W", "N1", "N2", "N3", "R")
ANNOTATION = {"W": "Sleep stage W", "N1": "Sleep stage 1", "N2": "Sleep stage 2", "N3": "Sleep stage 3",
              "R": "Sleep stage R"}
#: Probability of the next 30 s epoch's stage given this one's (rows W, N1, N2, N3, R) during the sleep period.
TRANSITIONS = np.array([
    [0.70, 0.25, 0.05, 0.00, 0.00],
    [0.08, 0.60, 0.28, 0.00, 0.04],
    [0.01, 0.02, 0.92, 0.03, 0.02],
    [0.01, 0.00, 0.09, 0.90, 0.00],
    [0.02, 0.03, 0.03, 0.00, 0.92],
])
#: Where a scorer's disagreement goes (rows: true stage; columns: scored stage; each row sums to 1 off the diagonal).
CONFUSION = np.array([
    [0.00, 0.80, 0.05, 0.00, 0.15],
    [0.40, 0.00, 0.40, 0.00, 0.20],
    [0.05, 0.35, 0.00, 0.45, 0.15],
    [0.00, 0.00, 1.00, 0.00, 0.00],
    [0.15, 0.45, 0.40, 0.00, 0.00],
])
#: RMS (V) of each rhythm per true stage, on (Fpz-Cz, Pz-Oz): background, delta, theta, alpha, sigma (spindles).
RHYTHMS = {
    "W": dict(background=(14e-6, 12e-6), delta=(2e-6, 2e-6), theta=(3e-6, 3e-6), alpha=(4e-6, 14e-6)),
    "N1": dict(background=(12e-6, 10e-6), delta=(4e-6, 3e-6), theta=(10e-6, 8e-6), alpha=(2e-6, 4e-6)),
    "N2": dict(background=(14e-6, 11e-6), delta=(10e-6, 7e-6), theta=(7e-6, 6e-6), alpha=(1.5e-6, 2e-6)),
    "N3": dict(background=(16e-6, 12e-6), delta=(40e-6, 25e-6), theta=(6e-6, 5e-6), alpha=(1e-6, 1.5e-6)),
    "R": dict(background=(9e-6, 8e-6), delta=(3e-6, 3e-6), theta=(8e-6, 7e-6), alpha=(2e-6, 3e-6)),
}
BANDS = {"delta": (1.0, 0.5), "theta": (5.5, 1.0), "alpha": (10.0, 1.0)}  # centre and sd of each band (Hz)
SPINDLES_PER_MINUTE = {"N2": 4.0, "N3": 1.0}
SPINDLE_VOLTS = (12e-6, 16e-6)
K_COMPLEXES_PER_MINUTE = 1.0
K_COMPLEX_VOLTS = (60e-6, 45e-6)
REM_PER_MINUTE = 6.0  # rapid eye movements in R
EOG_VOLTS = 80e-6
RAMP = 1.0  # s: transitions of the rhythms between epochs
#: The 1 Hz channels of the PSG and their units (in the real files; nothing here reads them).
SLOW_CHANNELS = (("Resp oro-nasal", ""), ("EMG submental", "uV"), ("Temp rectal", "DegC"), ("Event marker", ""))


class SleepConfig(BaseModel):
    """Parameters of the simulated Sleep-EDF study (field defaults: the ``default`` preset).

    ``n_subjects`` are the first subjects of MNE's record table (so 13, with one night, is among 14 or more);
    each night is ``wake_before`` minutes of wake, ``sleep_hours`` of sleep, ``wake_after`` minutes of wake.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(0, ge=0)
    n_subjects: int = Field(10, ge=2, le=78)
    wake_before: float = Field(20.0, ge=1.0, le=120.0)
    sleep_hours: float = Field(2.5, gt=0.0, le=10.0)
    wake_after: float = Field(10.0, ge=0.0, le=120.0)
    agreement: float = Field(0.85, gt=0.2, le=1.0)
    line_freq: float = Field(50.0, gt=0.0, lt=SFREQ / 2)


PRESETS: dict[str, dict[str, Any]] = {
    # 10 subjects x 2 nights of 20 min wake + 2.5 h sleep + 10 min wake.
    "default": {},
    # For tests: 5 subjects x 2 nights of 6 min wake + 35 min sleep + 3 min wake (~90 epochs a night).
    "tiny": dict(n_subjects=5, wake_before=6.0, sleep_hours=35 / 60, wake_after=3.0),
}


def sleep_config(preset: str, overrides: dict | None = None) -> SleepConfig:
    """The named preset with ``overrides`` applied."""
    return preset_config(SleepConfig, PRESETS, preset, overrides, "simulated sleep")


def nights(config: SleepConfig) -> "pd.DataFrame":
    """The nights simulated: rows of MNE's record table (``subject``, ``night``, ``psg``, ``hypnogram``)."""
    table = record_table()
    subjects = sorted(set(table["subject"]))[:config.n_subjects]
    return table[table["subject"].isin(subjects)].reset_index(drop=True)


def true_stages(config: SleepConfig, subject: int, night: int) -> np.ndarray:
    """The night's true stage per 30 s epoch (indices into :data:`LABELS`), shape (n_epochs,)."""
    rng = np.random.default_rng([config.seed, 1, subject, night])
    before = int(round(config.wake_before * 60 / EPOCH_SECONDS))
    asleep = int(round(config.sleep_hours * 3600 / EPOCH_SECONDS))
    after = int(round(config.wake_after * 60 / EPOCH_SECONDS))
    stages, stage = [], 1  # sleep begins in N1
    for _ in range(asleep):
        stages.append(stage)
        stage = int(rng.choice(len(LABELS), p=TRANSITIONS[stage]))
    return np.asarray([0] * before + stages + [0] * after, dtype=int)


def scored_stages(config: SleepConfig, stages: np.ndarray, subject: int, night: int) -> np.ndarray:
    """The scorer's stage per epoch (indices into :data:`LABELS`), shape (n_epochs,)."""
    rng = np.random.default_rng([config.seed, 2, subject, night])
    scored = stages.copy()
    for i in np.flatnonzero(rng.random(len(stages)) > config.agreement):
        scored[i] = int(rng.choice(len(LABELS), p=CONFUSION[stages[i]]))
    return scored


def _envelope(values: np.ndarray, n_times: int) -> np.ndarray:
    """Per-epoch values as a smooth signal of ``n_times`` samples (raised-cosine ramps of :data:`RAMP` s)."""
    per_sample = np.repeat(values, int(EPOCH_SECONDS * SFREQ))[:n_times]
    width = int(RAMP * SFREQ)
    kernel = np.hanning(2 * width + 1)
    return np.convolve(np.pad(per_sample, width, mode="edge"), kernel / kernel.sum(), mode="valid")


def _events(rng: np.random.Generator, stages: np.ndarray, rates: dict[str, float]) -> np.ndarray:
    """Sample times (s) of Poisson events whose rate per minute depends on the epoch's true stage."""
    times = []
    for i, stage in enumerate(stages):
        rate = rates.get(LABELS[stage], 0.0) * EPOCH_SECONDS / 60
        times.extend(i * EPOCH_SECONDS + rng.uniform(0, EPOCH_SECONDS, rng.poisson(rate)))
    return np.asarray(times)


def simulate_night(config: SleepConfig, subject: int, night: int) -> tuple[np.ndarray, np.ndarray]:
    """EEG (Fpz-Cz, Pz-Oz) and EOG (V), shape (3, n_times), and the true stages, shape (n_epochs,)."""
    stages = true_stages(config, subject, night)
    n_times = int(len(stages) * EPOCH_SECONDS * SFREQ)
    rng = np.random.default_rng([config.seed, 3, subject, night])
    gain = np.exp(rng.normal(0.0, 0.15, 2))  # the subject's own amplitude, per derivation
    data = np.zeros((3, n_times))
    for c in range(2):
        for name in ("background", "delta", "theta", "alpha"):
            scale = _envelope(np.array([RHYTHMS[LABELS[s]][name][c] for s in stages]), n_times)
            if name == "background":
                signal = pink_noise(1, n_times, SFREQ, rng)[0]
            else:
                centre, width = BANDS[name]
                signal = narrowband_noise(n_times, SFREQ, centre, width, rng)
            data[c] += gain[c] * scale * signal
    times = np.arange(n_times) / SFREQ
    for onset in _events(rng, stages, SPINDLES_PER_MINUTE):  # spindles: 12-14 Hz, 0.5-1.5 s
        length, freq = rng.uniform(0.5, 1.5), rng.uniform(12.0, 14.0)
        window = np.abs(times - onset - length / 2) < length / 2
        burst = np.sin(np.pi * (times[window] - onset) / length) * np.sin(2 * np.pi * freq * times[window])
        data[:2, window] += np.outer(SPINDLE_VOLTS, burst) * np.sqrt(2)
    for onset in _events(rng, stages, {"N2": K_COMPLEXES_PER_MINUTE}):  # K-complex: sharp negative, then positive
        window = (times >= onset) & (times < onset + 1.0)
        t = times[window] - onset
        wave = -np.exp(-((t - 0.25) / 0.08) ** 2) + 0.6 * np.exp(-((t - 0.6) / 0.15) ** 2)
        data[:2, window] += np.outer(K_COMPLEX_VOLTS, wave)
    for onset in _events(rng, stages, {"R": REM_PER_MINUTE, "W": 2.0}):  # saccades on the EOG
        window = times >= onset
        data[2, window] += rng.choice([-1, 1]) * EOG_VOLTS * 0.5 * np.exp(-(times[window] - onset) / 0.3)
    data[2] += 10e-6 * pink_noise(1, n_times, SFREQ, rng)[0]
    data += line_noise(3, n_times, SFREQ, config.line_freq, rng) * 0.2
    return data, stages


def _annotations(scored: np.ndarray) -> list[tuple[float, float, str]]:
    """Runs of one scored stage as (onset, duration, description): how the release's hypnograms are written."""
    runs, start = [], 0
    for i in range(1, len(scored) + 1):
        if i == len(scored) or scored[i] != scored[start]:
            runs.append((start * EPOCH_SECONDS, (i - start) * EPOCH_SECONDS, ANNOTATION[LABELS[scored[start]]]))
            start = i
    return runs


def write_night(config: SleepConfig, folder: Path, row: Any) -> None:
    """Write one night's PSG and hypnogram EDF files into ``folder``, named as in the release."""
    import edfio

    data, stages = simulate_night(config, int(row.subject), int(row.night))
    scored = scored_stages(config, stages, int(row.subject), int(row.night))
    start = datetime.time(22, 30)
    signals = [edfio.EdfSignal(data[c] * 1e6, SFREQ, label=label, physical_dimension="uV",
                               prefiltering="HP:0.5Hz LP:100Hz" if c < 2 else "")
               for c, label in enumerate(("EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal"))]
    n_seconds = data.shape[1] / SFREQ
    rng = np.random.default_rng([config.seed, 4, int(row.subject), int(row.night)])
    signals += [edfio.EdfSignal(rng.standard_normal(int(n_seconds)), 1.0, label=label, physical_dimension=unit)
                for label, unit in SLOW_CHANNELS]
    edfio.Edf(signals, starttime=start, data_record_duration=EPOCH_SECONDS).write(folder / row.psg)
    annotations = [edfio.EdfAnnotation(onset, duration, text) for onset, duration, text in _annotations(scored)]
    edfio.Edf([], annotations=annotations, starttime=start).write(folder / row.hypnogram)


class SimulatedSleep(SleepPhysionet):
    """The simulated Sleep-EDF study (see the module docstring), read as the real one.

    Parameters
    ----------
    root : str or Path, optional
        Default ``data_dir() / "simulated-sleep-<config hash>/physionet-sleep-data"``.
    preset : str
        ``"default"`` or ``"tiny"``.
    config : dict, optional
        Fields of :class:`SleepConfig` changed from the preset.
    crop_wake_mins, subjects, sessions, skip_unreadable
        As for :class:`~neuroarena.studies.sleep_edf.SleepPhysionet`.
    """

    name = "SimulatedSleep"
    aliases = ("simulated-sleep",)
    citation = "neuroarena built-in simulation (no publication)."
    description = "Simulated Sleep-EDF nights (stage-specific rhythms, spindles, K-complexes, scorer noise)."

    def __init__(self, root: str | Path | None = None, preset: str = "default", config: dict | None = None,
                 crop_wake_mins: float = 30.0, subjects: Sequence[str | int] | None = None,
                 sessions: Sequence[str | int] | None = None, skip_unreadable: bool = False):
        self.config = sleep_config(preset, config)
        digest = stable_hash({"config": self.config, "generator": GENERATOR_VERSION})
        root = root if root is not None else data_dir() / f"simulated-sleep-{digest}" / FOLDER
        super().__init__(root, crop_wake_mins, subjects, sessions, skip_unreadable)

    def params(self) -> dict:
        return {**super().params(), "config": self.config.model_dump(mode="json"), "generator": GENERATOR_VERSION}

    def download(self) -> None:
        """Simulate and write every night (local; a no-op when written)."""
        from neuroarena.fileio import build_simulation_once

        def write(folder: Path) -> None:
            for row in nights(self.config).itertuples():
                write_night(self.config, folder, row)

        expected = {"config": self.config.model_dump(mode="json"), "generator": GENERATOR_VERSION}
        build_simulation_once(self.root, expected,
                              write, "simulated sleep study", "SimulatedSleep")

    def find_recordings(self):
        self.download()
        return super().find_recordings()

    def stage_likelihoods(self) -> np.ndarray:
        """``log P(true stage | scored label)``, shape (n_true, n_labels), from :data:`CONFUSION` and the study's
        true-stage frequencies."""
        counts = np.zeros(len(LABELS))
        for row in nights(self.config).itertuples():
            counts += np.bincount(true_stages(self.config, int(row.subject), int(row.night)), minlength=len(LABELS))
        prior = counts / counts.sum()
        agree = self.config.agreement
        scoring = agree * np.eye(len(LABELS)) + (1 - agree) * CONFUSION  # P(label | true)
        joint = prior[:, None] * scoring
        with np.errstate(divide="ignore"):
            return np.log(joint / joint.sum(axis=0, keepdims=True))

    def oracle_outputs(self, windows: "pd.DataFrame", prepare: "PrepareConfig", stimuli: Sequence[str] | None = None,
                       classes: Sequence[str] | None = None, target: str | None = None) -> np.ndarray | None:
        """Each label's ``log P(true stage | label)`` for the true stage of each window's epoch, shape
        (n_windows, n_classes) (``-inf`` for a class the study lacks); None for retrieval and regression."""
        if classes is None or stimuli is not None or target is not None:
            return None
        likelihood = self.stage_likelihoods()
        columns = [LABELS.index(c) if c in LABELS else -1 for c in classes]
        out = np.full((len(windows), len(classes)), -np.inf)
        for recording, rows in windows_by_recording(self, windows):
            stages = true_stages(self.config, int(recording.subject), int(recording.session))
            raw = recording.load()
            offset = raw.first_time  # the crop: window onsets count from the cropped start
            start = windows["onset"].to_numpy(dtype=float)[rows] + offset + prepare.window_start
            epoch = np.clip(np.round(start / EPOCH_SECONDS).astype(int), 0, len(stages) - 1)
            for j, column in enumerate(columns):
                if column >= 0:
                    out[rows, j] = likelihood[stages[epoch], column]
        return out
