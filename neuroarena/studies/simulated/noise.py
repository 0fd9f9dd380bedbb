"""Background EEG: spatially correlated 1/f activity, occipital alpha, line noise and eye blinks.

The scale is that of real recordings (ranges and sources in
:mod:`neuroarena.studies.simulated.statistics`): a background of about 20 µV RMS per
channel in 0.5-40 Hz (real: 10-50 µV), falling as 1/f, with a 10 Hz occipital alpha
rhythm. As on the scalp, where volume conduction spreads every generator over many
electrodes, almost all of the background comes from a few broad generators shared by
the channels; only a small share (``SimulationConfig.local_noise``) and the sensor noise
are channel-local, so a multichannel decoder that whitens the channels recovers much of
what a single channel's SNR hides.
"""
from __future__ import annotations

import numpy as np

from neuroarena.studies.simulated.brain import Electrodes, gaussian_bump

BACKGROUND_VOLTS = 22e-6  # RMS of the 1/f background per channel (all frequencies)
SENSOR_VOLTS = 0.3e-6  # RMS of white sensor noise
ALPHA_VOLTS = 8e-6  # RMS of alpha at its peak channel
LINE_VOLTS = 8e-6  # mean amplitude of the line-noise sinusoid
BLINK_VOLTS = 150e-6  # mean blink peak at Fp1/Fp2
BLINK_RATE = 0.2  # blinks per second
BLINK_RISE = 0.1  # seconds from blink onset to peak
N_NOISE_SOURCES = 8  # background generators of each subject
NOISE_SOURCE_WIDTH = 1.0  # radians: width of each generator's scalp pattern
EYE_DECAY = 0.35  # radians: blink amplitude falls by e over this angle from the eyes


def pink_noise(n_signals: int, n_times: int, sfreq: float, rng: np.random.Generator) -> np.ndarray:
    """Independent unit-variance signals with a 1/f power spectrum, shape (n_signals, n_times)."""
    spectrum = np.fft.rfft(rng.standard_normal((n_signals, n_times)), axis=1)
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    spectrum /= np.sqrt(np.maximum(freqs, 0.3))
    signals = np.fft.irfft(spectrum, n=n_times, axis=1)
    signals -= signals.mean(axis=1, keepdims=True)
    return signals / signals.std(axis=1, keepdims=True)


def narrowband_noise(n_times: int, sfreq: float, freq: float, bandwidth: float, rng: np.random.Generator) -> np.ndarray:
    """A waxing and waning oscillation around ``freq`` Hz, unit variance, shape (n_times,)."""
    spectrum = np.fft.rfft(rng.standard_normal(n_times))
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    spectrum *= np.exp(-0.5 * ((freqs - freq) / bandwidth) ** 2)
    signal = np.fft.irfft(spectrum, n=n_times)
    return signal / signal.std()


def background(electrodes: Electrodes, centres: np.ndarray, n_times: int, sfreq: float,
               rng: np.random.Generator, local_share: float) -> np.ndarray:
    """Spatially correlated 1/f activity plus white sensor noise (V), shape (n_chans, n_times).

    One 1/f generator at each of ``centres``, shape (n_generators, 3), reaches the scalp
    through a broad Gaussian pattern; each channel adds 1/f activity of its own,
    ``local_share`` of the background's variance.
    """
    n_chans = len(electrodes.names)
    mixing = np.stack([gaussian_bump(electrodes.unit_positions, c, NOISE_SOURCE_WIDTH) for c in centres], axis=1)
    shared = mixing @ pink_noise(len(centres), n_times, sfreq, rng)
    shared /= shared.std(axis=1, keepdims=True)
    local = pink_noise(n_chans, n_times, sfreq, rng)
    mixed = np.sqrt(1 - local_share) * shared + np.sqrt(local_share) * local
    return BACKGROUND_VOLTS * mixed + SENSOR_VOLTS * rng.standard_normal((n_chans, n_times))


def alpha(electrodes: Electrodes, occipital: np.ndarray, freq: float, n_times: int, sfreq: float,
          rng: np.random.Generator) -> np.ndarray:
    """Occipital alpha rhythm around ``freq`` Hz (V), shape (n_chans, n_times)."""
    pattern = gaussian_bump(electrodes.unit_positions, occipital, 0.5)
    return ALPHA_VOLTS * np.outer(pattern, narrowband_noise(n_times, sfreq, freq, 0.7, rng))


def line_noise(n_chans: int, n_times: int, sfreq: float, line_freq: float, rng: np.random.Generator) -> np.ndarray:
    """Mains interference at ``line_freq`` Hz, amplitude varying by channel (V), shape (n_chans, n_times)."""
    amplitude = LINE_VOLTS * rng.uniform(0.5, 1.5, n_chans)
    phase = rng.uniform(0, 2 * np.pi) + rng.normal(0.0, 0.1, n_chans)
    t = np.arange(n_times) / sfreq
    return amplitude[:, None] * np.sin(2 * np.pi * line_freq * t[None] + phase[:, None])


def blinks(electrodes: Electrodes, eyes: np.ndarray, n_times: int, sfreq: float,
           rng: np.random.Generator) -> np.ndarray:
    """Eye blinks at random times (V), shape (n_chans, n_times).

    Each blink rises and decays as ``(t / r) exp(1 - t / r)`` (peak at ``r`` =
    :data:`BLINK_RISE`); its size falls exponentially with the angle from the eyes,
    normalized so that the frontopolar channels carry about :data:`BLINK_VOLTS`.
    """
    angle = np.arccos(np.clip(electrodes.unit_positions @ eyes, -1.0, 1.0))
    pattern = np.exp(-(angle - angle.min()) / EYE_DECAY)
    n_blinks = rng.poisson(BLINK_RATE * n_times / sfreq)
    onsets = np.sort(rng.integers(0, n_times, n_blinks))
    heights = BLINK_VOLTS * rng.uniform(0.6, 1.4, n_blinks)
    t = np.arange(int(8 * BLINK_RISE * sfreq)) / sfreq
    shape = (t / BLINK_RISE) * np.exp(1 - t / BLINK_RISE)
    course = np.zeros(n_times)
    for onset, height in zip(onsets, heights):
        stop = min(n_times, onset + len(shape))
        course[onset:stop] += height * shape[: stop - onset]
    return np.outer(pattern, course)
