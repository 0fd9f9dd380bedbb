"""The simulated SSVEP EEG: occipital steady-state responses at the fixated target's frequency and harmonics.

Generative model of one block (all in volts, at ``config.sfreq``), deterministic in ``config.seed``:

- **Schedule.** Every target of ``config.frequencies`` once, shuffled; the first cue ``LEAD`` s after the
  start, then one every ``cue + flicker + rest`` s, as Wang2016 (Wang et al. 2016, IEEE TNSRE 25:1746: a 0.5 s
  cue, 5 s of flicker of all 40 targets, 0.5 s of blank screen; 64 channels, 250 Hz after down-sampling).
- **Fixation (the latent).** The subject fixates the cued target, or with probability ``lapse`` another of the
  targets, drawn uniformly: a lapse of attention or of gaze. The EEG depends on the cued class *only* through
  the fixated target (:mod:`.oracle` reads it to give the ceiling).
- **Steady-state response.** The fixated target's luminance is ``(1 + sin(2 pi f t + phi)) / 2`` from the
  flicker's onset (sampled sinusoidal stimulation, Wang2016's frequency ``f`` and phase ``phi``). Each of
  three sources (:data:`SOURCES`: primary visual cortex under Oz, a dorsal source under POz, a bilateral
  lateral-occipital one under PO7/PO8) responds at ``f`` and its harmonics ``h = 1 .. N_HARMONICS``:
  ``sum_h size_h sin(h (2 pi f (t - tau) + phi) + theta_h)``, so that the response's phase lags the stimulus by
  the source's apparent latency ``tau`` (0.12-0.15 s at Oz, later in the others; Wang et al. 2016 and Chen et
  al. 2015, PNAS 112:E6058, shift their windows by a latency of about 0.14 s) and harmonic ``h`` carries
  ``h phi`` (joint frequency and phase modulation). Each source is tuned to its own band of flicker
  frequencies (a Gaussian of ``f`` around its peak: primary cortex broadly, around 8 Hz; the dorsal source near
  the alpha band; the lateral source around 15 Hz), so that the SSVEP's topography and its phase across
  channels change with the frequency, as they do on the scalp (Srinivasan et al. 2006, Brain Topogr. 18:167;
  the resonances of Herrmann 2001, Exp. Brain Res. 137:346). Per subject each source has a gain, a latency,
  a tuning peak, harmonic phases ``theta`` and a scalp pattern (Gaussian bumps,
  :func:`~neuroarena.studies.simulated.brain.gaussian_bump`, centred near its sites); each trial a log-normal
  gain. The response rises and falls with raised-cosine ramps of ``RAMP`` s, starting ``tau`` after the
  flicker's onset.
- **Background.** The 1/f activity of :func:`~neuroarena.studies.simulated.noise.background` (about 22 µV RMS
  per channel from ``N_NOISE_SOURCES`` broad generators of the subject, plus ``local_noise`` of channel-local
  activity and sensor noise) and mains interference at ``line_freq``
  (:func:`~neuroarena.studies.simulated.noise.line_noise`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from neuroarena.studies.simulated.brain import Electrodes, gaussian_bump, montage_positions
from neuroarena.studies.simulated.noise import background, line_noise
from neuroarena.studies.simulated_ssvep.config import CHANNELS, N_HARMONICS, SsvepConfig, target_phase

if TYPE_CHECKING:
    import pandas as pd

SSVEP_VOLTS = 3e-6  # amplitude of the fundamental at 8 Hz at the primary source's peak channel, snr = 1
HARMONIC_SIZES = np.array([1.0, 0.5, 0.25])[:N_HARMONICS]
#: The sources: (sites, width of each site's bump in rad, size, extra latency range in s, tuning peak and sd in Hz).
SOURCES: tuple[tuple[tuple[str, ...], float, float, tuple[float, float], float, float], ...] = (
    (("Oz",), 0.3, 1.0, (0.0, 0.0), 8.0, 5.0),  # primary visual cortex
    (("POz",), 0.35, 0.8, (0.02, 0.04), 10.5, 2.0),  # dorsal, tuned near the alpha band
    (("PO7", "PO8"), 0.3, 0.8, (0.01, 0.03), 15.0, 2.5),  # lateral occipital, bilateral
)
LATENCY_RANGE = (0.12, 0.15)  # s: apparent latency of the primary source
PEAK_SD = 0.5  # Hz: per-subject shift of a source's tuning peak
HARMONIC_PHASE_SD = 0.25  # rad: per-subject phase of each harmonic of each source
POSITION_SD = 0.06  # per-subject shift of a source's centre (unit sphere)
GAIN_SD = 0.25  # log-normal sd of a source's gain per subject
TRIAL_GAIN_SD = 0.2  # log-normal sd of a trial's response amplitude
RAMP = 0.2  # s: rise and fall of the response
N_NOISE_SOURCES = 8
LEAD, TAIL = 1.0, 1.0  # s: recorded before the first cue and after the last trial


@dataclass(frozen=True)
class SubjectModel:
    """One subject's steady-state response.

    Attributes
    ----------
    patterns : ndarray, shape (n_chans, n_sources)
        Scalp pattern of each source, peak 1.
    gains : ndarray, shape (n_sources,)
        Amplitude factor of each source.
    latencies : ndarray, shape (n_sources,)
        Apparent latency of each source (s).
    phases : ndarray, shape (n_sources, n_harmonics)
        Phase offset of each harmonic of each source (rad).
    peaks : ndarray, shape (n_sources,)
        Flicker frequency (Hz) each source responds to most.
    """

    patterns: np.ndarray
    gains: np.ndarray
    latencies: np.ndarray
    phases: np.ndarray
    peaks: np.ndarray


@dataclass(frozen=True)
class SimulatedRun:
    """One block: the EEG (V), shape (n_chans, n_times), its channels, rate and trials.

    ``trials`` has one row per trial: ``cue`` (s), ``onset`` (the flicker's onset, s, on a sample), ``sample``
    (of the onset), ``category`` (the cued target's name), ``fixated`` (the fixated one's) and ``gain``.
    """

    data: np.ndarray
    ch_names: tuple[str, ...]
    sfreq: float
    trials: "pd.DataFrame"


@lru_cache(maxsize=8)
def electrodes(n_channels: int) -> Electrodes:
    """The first ``n_channels`` of :data:`CHANNELS` on the unit sphere (easycap-M1 positions)."""
    positions = montage_positions()
    names = CHANNELS[:n_channels]
    return Electrodes(names=names, unit_positions=np.stack([positions[n] for n in names]))


def make_subject(config: SsvepConfig, subject: int) -> SubjectModel:
    """Subject ``subject`` (0-based): source patterns, gains, latencies, harmonic phases and tuning peaks."""
    rng = np.random.default_rng([config.seed, 1, subject])
    positions = montage_positions()
    heads = electrodes(config.n_channels)
    patterns = [sum(gaussian_bump(heads.unit_positions, positions[site] + rng.normal(0.0, POSITION_SD, 3), width)
                    for site in sites) for sites, width, *_ in SOURCES]
    latency = rng.uniform(*LATENCY_RANGE)
    return SubjectModel(
        patterns=np.stack(patterns, axis=1),
        gains=np.array([size for _, _, size, *_ in SOURCES]) * np.exp(rng.normal(0.0, GAIN_SD, len(SOURCES))),
        latencies=latency + np.array([rng.uniform(*delays) for _, _, _, delays, *_ in SOURCES]),
        phases=rng.normal(0.0, HARMONIC_PHASE_SD, (len(SOURCES), N_HARMONICS)),
        peaks=np.array([peak for *_, peak, _ in SOURCES]) + rng.normal(0.0, PEAK_SD, len(SOURCES)),
    )


def schedule(config: SsvepConfig, subject: int, block: int) -> tuple["pd.DataFrame", int]:
    """The trials of one block (0-based indices) and its length in samples (see :class:`SimulatedRun`)."""
    import pandas as pd

    rng = np.random.default_rng([config.seed, 2, subject, block])
    names = np.asarray(config.classes)
    n = len(names)
    cued = rng.permutation(n)
    lapses = rng.random(n) < config.lapse
    fixated = np.where(lapses, (cued + rng.integers(1, n, n)) % n, cued)  # a lapse: any other target
    cues = LEAD + np.arange(n) * (config.cue + config.flicker + config.rest)
    samples = np.round((cues + config.cue) * config.sfreq).astype(int)
    total = int(samples[-1] + round((config.flicker + config.rest + TAIL) * config.sfreq))
    trials = pd.DataFrame({"cue": cues, "onset": samples / config.sfreq, "sample": samples,
                           "category": names[cued], "fixated": names[fixated],
                           "gain": np.exp(rng.normal(0.0, TRIAL_GAIN_SD, n))})
    return trials, total


def response(config: SsvepConfig, subject: SubjectModel, frequency: float, times: np.ndarray) -> np.ndarray:
    """Both sources' response to fixating the target at ``frequency`` Hz (V, trial gain 1), shape (n_sources,
    n_times); ``times`` in s from the flicker's onset."""
    lagged = times[None] - subject.latencies[:, None]  # (n_sources, n_times)
    rise = np.clip(lagged / RAMP, 0.0, 1.0)
    fall = np.clip((config.flicker - lagged) / RAMP, 0.0, 1.0)
    envelope = 0.5 - 0.5 * np.cos(np.pi * np.minimum(rise, fall))
    angle = 2 * np.pi * frequency * lagged + target_phase(frequency)
    harmonics = np.arange(1, N_HARMONICS + 1)[None, :, None]
    waves = np.sin(harmonics * angle[:, None] + subject.phases[..., None])  # (n_sources, n_harmonics, n_times)
    tuning = np.exp(-0.5 * ((frequency - subject.peaks) / np.array([sd for *_, sd in SOURCES])) ** 2)
    scale = SSVEP_VOLTS * config.snr * tuning * subject.gains
    return scale[:, None] * envelope * np.einsum("h,sht->st", HARMONIC_SIZES, waves)


def simulate_run(config: SsvepConfig, subject_index: int, block: int) -> SimulatedRun:
    """Simulate block ``block`` of subject ``subject_index`` (both 0-based)."""
    subject = make_subject(config, subject_index)
    trials, total = schedule(config, subject_index, block)
    heads = electrodes(config.n_channels)
    frequency = dict(zip(config.classes, config.frequencies))
    span = int(round((config.flicker + config.rest) * config.sfreq))
    times = np.arange(span) / config.sfreq
    sources = np.zeros((len(SOURCES), total))
    for trial in trials.itertuples():
        stop = min(total, trial.sample + span)
        sources[:, trial.sample:stop] += trial.gain * response(config, subject, frequency[trial.fixated],
                                                               times)[:, :stop - trial.sample]
    rng = np.random.default_rng([config.seed, 4, subject_index, block])
    centres = np.random.default_rng([config.seed, 5, subject_index]).standard_normal((N_NOISE_SOURCES, 3))
    data = subject.patterns @ sources
    data += background(heads, centres, total, config.sfreq, rng, config.local_noise)
    data += line_noise(len(heads.names), total, config.sfreq, config.line_freq, rng)
    return SimulatedRun(data=data, ch_names=heads.names, sfreq=config.sfreq, trials=trials)
