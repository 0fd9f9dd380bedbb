"""The simulated ERP EEG: one class-dependent component on a class-independent sensory response and background.

Generative model of one run (volts, at :data:`~.config.SFREQ`), deterministic in ``config.seed``:

- **Schedule.** ``trials`` trials; each is ``Target`` with probability ``target_fraction``, drawn independently
  (no rule such as "never two targets in a row", which would make a trial's class depend on its neighbours').
  Stimuli come every ``soa + U(-soa_jitter, soa_jitter)`` s from ``LEAD`` s on; in a response-locked paradigm
  the response follows each stimulus after ``rt * exp(rt_sd * N(0, 1))`` s, drawn regardless of the class.
  The event is the stimulus or the response (``config.locked``); its onset in events.tsv is shifted by
  ``interval[0]`` as MOABB's epochs start there (see :class:`~neuroarena.studies.moabb_study.MoabbStudy`).
- **Latent.** Each trial draws ``z = mean_class + latent_sd * N(0, 1)`` (``mean_class``: ``latent_target`` or
  ``latent_nontarget``). The component's amplitude is ``exp(z)`` under its site, or, lateralized, ``exp(-z / 2)``
  under the left site and ``exp(z / 2)`` under the right one (``z > 0``: the right hemisphere's is larger, as
  for a target on the left (N2pc) or a left-hand response (LRP), the contralateral negativity).
- **Responses.** The component (Gaussian waveform, ``latency`` and ``width`` s, ``snr * volts`` at unit
  amplitude) is locked to the event, the sensory response (auditory N1 at Cz or visual P1 at Oz) to every
  stimulus. A subject shifts both latencies (sd ``SUBJECT_LATENCY_SD`` s), scales each (log-normal, sd
  ``SUBJECT_GAIN_SD``) and moves each source's centre on the scalp (sd ``POSITION_SD``; Gaussian patterns of
  ``PATTERN_WIDTH`` rad, :func:`~neuroarena.studies.simulated.brain.gaussian_bump`); a trial scales both by
  ``exp(trial_gain_sd * N(0, 1))`` and shifts them by ``latency_jitter * N(0, 1)`` s. With a short ``soa``
  the responses of neighbouring trials fall into each other's epochs, as in AMUSE (SOA 175 ms) and ERP CORE's
  MMN.
- **Background.** The 1/f activity of :func:`~neuroarena.studies.simulated.noise.background` (about 22 µV RMS
  per channel from ``N_NOISE_SOURCES`` broad generators, placed once for the study and moved a little per
  subject (sd ``NOISE_CENTRE_SD``), ``local_noise`` of channel-local activity, white sensor noise) and mains
  interference at ``line_freq`` (:func:`~neuroarena.studies.simulated.noise.line_noise`).

The EEG depends on a trial's class only through its latent ``z``: everything else (the neighbours' classes and
latents, the subject, the trial's gain and jitter, the noise) is drawn independently of it. The schedule comes
from a random stream of its own, so :func:`schedule` gives the latents without simulating the EEG: the oracle
(:mod:`~neuroarena.studies.simulated_erp.oracle`) reads them.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from neuroarena.studies.simulated.brain import Electrodes, gaussian_bump, montage_positions
from neuroarena.studies.simulated.noise import background, line_noise
from neuroarena.studies.simulated_erp.config import CHANNELS, CLASSES, SFREQ, Component, ErpConfig

if TYPE_CHECKING:
    import pandas as pd

LEAD = 2.0  # s of recording before the first stimulus
TAIL = 2.0  # s after the last event
SUBJECT_GAIN_SD = 0.25  # log-normal sd of a subject's gain of each response
SUBJECT_LATENCY_SD = 0.015  # s: sd of a subject's latency shift
POSITION_SD = 0.08  # per-subject shift of a source's centre (unit sphere)
PATTERN_WIDTH = 0.4  # radians
N_NOISE_SOURCES = 8
NOISE_CENTRE_SD = 0.1  # per-subject shift of the background generators (shared by the study)
SPAN = 5.0  # a waveform is drawn out to this many widths from its peak
BLOCK = 1000  # a run lasts a whole number of these samples (4 s): a length whose FFT is fast


@dataclass(frozen=True)
class SubjectModel:
    """One subject's responses.

    Attributes
    ----------
    patterns : ndarray, shape (n_chans, n_sources)
        Scalp pattern of each component site (one, or left and right), then of the sensory response; peak 1.
    gains : ndarray, shape (n_sources,)
        Amplitude factor of each source.
    latency_shift : float
        Seconds added to every latency.
    """

    patterns: np.ndarray
    gains: np.ndarray
    latency_shift: float


@dataclass(frozen=True)
class SimulatedRun:
    """One run: the EEG (V), shape (n_chans, n_times), its channels, rate and trials (see :func:`schedule`)."""

    data: np.ndarray
    ch_names: tuple[str, ...]
    sfreq: float
    trials: "pd.DataFrame"


@lru_cache(maxsize=1)
def electrodes() -> Electrodes:
    """The :data:`~.config.CHANNELS` on the unit sphere (easycap-M1 positions)."""
    positions = montage_positions()
    return Electrodes(names=CHANNELS, unit_positions=np.stack([positions[n] for n in CHANNELS]))


def make_subject(config: ErpConfig, subject: int) -> SubjectModel:
    """Subject ``subject`` (0-based): source patterns, gains and latency shift."""
    rng = np.random.default_rng([config.seed, 1, subject])
    positions = montage_positions()
    sites = (*config.component.sites, *config.sensory.sites)
    patterns = [gaussian_bump(electrodes().unit_positions, positions[site] + rng.normal(0.0, POSITION_SD, 3),
                              PATTERN_WIDTH * float(np.exp(rng.normal(0.0, 0.1)))) for site in sites]
    return SubjectModel(patterns=np.stack(patterns, axis=1), gains=np.exp(rng.normal(0.0, SUBJECT_GAIN_SD, len(sites))),
                        latency_shift=float(rng.normal(0.0, SUBJECT_LATENCY_SD)))


def schedule(config: ErpConfig, subject: int, run: int) -> tuple["pd.DataFrame", int]:
    """The trials of one run (0-based indices) and its length in samples (at least ``TAIL`` s after the last
    event, rounded up to whole blocks of ``BLOCK`` samples).

    One row per trial: ``onset`` (s: the event plus ``interval[0]``, as written to events.tsv), ``event`` and
    ``stimulus`` (samples), ``rt`` (s, response-locked paradigms; else NaN), ``category``, ``latent`` (``z``),
    ``gain`` and ``jitter`` (s).
    """
    import pandas as pd

    rng = np.random.default_rng([config.seed, 2, subject, run])
    n = config.trials
    target = rng.random(n) < config.target_fraction
    latent = np.where(target, config.latent_target, config.latent_nontarget) + config.latent_sd * rng.standard_normal(n)
    gain = np.exp(config.trial_gain_sd * rng.standard_normal(n))
    jitter = config.latency_jitter * rng.standard_normal(n)
    gaps = config.soa + rng.uniform(-config.soa_jitter, config.soa_jitter, n - 1)
    stimulus = np.round((LEAD + np.concatenate([[0.0], np.cumsum(gaps)])) * SFREQ).astype(int)
    rt = np.full(n, np.nan)
    event = stimulus
    if config.locked == "response":
        delay = np.round(config.rt * np.exp(config.rt_sd * rng.standard_normal(n)) * SFREQ).astype(int)
        rt, event = delay / SFREQ, stimulus + delay
    trials = pd.DataFrame({
        "onset": event / SFREQ + config.interval[0], "event": event, "stimulus": stimulus, "rt": rt,
        "category": np.where(target, CLASSES[0], CLASSES[1]), "latent": latent, "gain": gain, "jitter": jitter})
    return trials, int(np.ceil((event.max() + TAIL * SFREQ) / BLOCK) * BLOCK)


def amplitudes(config: ErpConfig, latent: np.ndarray) -> np.ndarray:
    """Component amplitude of each trial under each site, shape (n_trials, n_sites): ``exp(z)``, or
    ``exp(-z / 2), exp(z / 2)`` (left, right) for a lateralized component; ``latent`` (n_trials,)."""
    if config.lateralized:
        return np.exp(np.stack([-latent / 2, latent / 2], axis=1))
    return np.exp(latent)[:, None]


def add_waveforms(sources: np.ndarray, component: Component, peaks: np.ndarray, sizes: np.ndarray) -> None:
    """Add a Gaussian waveform of ``component`` to ``sources`` (n_rows, n_times) in place, one per trial.

    Parameters
    ----------
    peaks : ndarray, shape (n_trials,)
        Peak times (samples, fractional).
    sizes : ndarray, shape (n_trials, n_rows)
        Peak volts of each trial in each row.
    """
    reach = int(np.ceil(SPAN * component.width * SFREQ))
    for peak, size in zip(peaks, sizes):
        first, stop = max(0, int(peak) - reach), min(sources.shape[1], int(peak) + reach + 1)
        shape = np.exp(-0.5 * ((np.arange(first, stop) - peak) / (component.width * SFREQ)) ** 2)
        sources[:, first:stop] += size[:, None] * shape[None]


def evoked(config: ErpConfig, subject: SubjectModel, trials: "pd.DataFrame", n_times: int) -> np.ndarray:
    """The noise-free responses of every trial on the scalp (V), shape (n_chans, n_times)."""
    n_sites = len(config.component.sites)
    sources = np.zeros((n_sites + 1, n_times))
    shift = (subject.latency_shift + trials["jitter"].to_numpy()) * SFREQ
    gain = config.snr * trials["gain"].to_numpy()[:, None]
    size = config.component.volts * subject.gains[:n_sites] * gain * amplitudes(config, trials["latent"].to_numpy())
    add_waveforms(sources[:n_sites], config.component, trials["event"].to_numpy() + config.component.latency * SFREQ
                  + shift, size)
    add_waveforms(sources[n_sites:], config.sensory, trials["stimulus"].to_numpy() + config.sensory.latency * SFREQ
                  + shift, config.sensory.volts * subject.gains[n_sites] * gain)
    return subject.patterns @ sources


def simulate_run(config: ErpConfig, subject_index: int, run: int) -> SimulatedRun:
    """Simulate run ``run`` of subject ``subject_index`` (both 0-based)."""
    subject = make_subject(config, subject_index)
    trials, n_times = schedule(config, subject_index, run)
    heads = electrodes()
    rng = np.random.default_rng([config.seed, 4, subject_index, run])
    centres = np.random.default_rng([config.seed, 5]).standard_normal((N_NOISE_SOURCES, 3))
    centres += np.random.default_rng([config.seed, 5, subject_index]).normal(0.0, NOISE_CENTRE_SD, centres.shape)
    data = evoked(config, subject, trials, n_times)
    data += background(heads, centres, n_times, SFREQ, rng, config.local_noise)
    data += line_noise(len(heads.names), n_times, SFREQ, config.line_freq, rng)
    return SimulatedRun(data=data, ch_names=heads.names, sfreq=SFREQ, trials=trials)
