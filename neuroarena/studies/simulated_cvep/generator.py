"""The simulated c-VEP EEG: the code's bits convolved with the subject's visual response to a flash, at occipital sites.

Generative model of one run (all in volts, at ``config.sfreq``), deterministic in ``config.seed``:

- **Codes.** Each trial shows a fresh code of ``trial_bits`` bits, one every ``1 / bit_rate`` s, then
  ``gap`` s of rest; the first trial starts ``LEAD`` s after the start. Thielen2021 (Thielen et al. 2021, J.
  Neural Eng. 18:056007; codes of Thielen et al. 2015, PLoS ONE 10:e0133797) shows modulated Gold codes:
  balanced, 126 bits per 2.1 s cycle at 60 Hz, run lengths of one or two bits. Those are deterministic
  sequences whose bits are tied to their neighbours (a modulated code pairs every bit with its complement);
  since a 0.3 s window also holds the responses to ~18 neighbouring bits, a decoder could read a bit off its
  neighbours even when the bit's own flash evoked nothing, and no ceiling built on the bit's own latent would
  bound it. The simulation therefore draws every bit independently (a fair coin), which keeps the codes'
  balance and flat spectrum and makes the bound below exact.
- **Flash responses (the latent).** Each "on" bit evokes the subject's flash response with a per-bit
  log-normal gain (sd ``BIT_GAIN_SD``), except with probability ``miss``, when it evokes nothing (a blink, a
  glance away); an "off" bit evokes nothing. Whether and how strongly bit ``i`` evoked a response is its latent:
  the EEG depends on bit ``i``'s class only through it (:mod:`.oracle`).
- **EEG.** The responses add up linearly (the superposition behind the reconvolution model of Thielen et al.
  2015/2021): the impulse train of the gains convolved with the subject's kernel, a VEP of four Gaussian
  components (N70, P100, N140 and a late positivity, :data:`COMPONENT_PEAKS`; Odom et al. 2016, Doc.
  Ophthalmol. 133:1) with per-subject latency and sizes, projected through an occipital pattern (a Gaussian
  bump around Oz, :func:`~neuroarena.studies.simulated.brain.gaussian_bump`); plus the 1/f background of
  :func:`~neuroarena.studies.simulated.noise.background` and mains interference at ``line_freq``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from neuroarena.studies.simulated.brain import Electrodes, gaussian_bump, montage_positions
from neuroarena.studies.simulated.noise import background, line_noise
from neuroarena.studies.simulated_cvep.config import CHANNELS, OFF, ON, CvepConfig

if TYPE_CHECKING:
    import pandas as pd

VEP_VOLTS = 4e-6  # size of the P100 of one flash at the pattern's peak channel, snr = 1
COMPONENT_PEAKS = np.array([0.07, 0.10, 0.14, 0.20])  # s
COMPONENT_WIDTHS = np.array([0.010, 0.015, 0.020, 0.035])  # s
COMPONENT_SIZES = np.array([-0.5, 1.0, -0.8, 0.3])
RESPONSE_SECONDS = 0.35  # the flash response is negligible after this
LATENCY_SD = 0.008  # s: per-subject shift of every component
SIZE_SD = 0.2  # log-normal sd of a component's size per subject
GAIN_SD = 0.25  # log-normal sd of the subject's overall gain
BIT_GAIN_SD = 0.3  # log-normal sd of one flash's gain
PATTERN_SITE, PATTERN_WIDTH, POSITION_SD = "Oz", 0.45, 0.06
N_NOISE_SOURCES = 8
LEAD, TAIL = 1.0, 1.0  # s: recorded before the first trial and after the last


@dataclass(frozen=True)
class SubjectModel:
    """One subject's flash response: the scalp pattern, shape (n_chans,), and the kernel (V), shape
    (n_kernel,), at the simulation's rate from the flash on."""

    pattern: np.ndarray
    kernel: np.ndarray


@dataclass(frozen=True)
class SimulatedRun:
    """One run: the EEG (V), shape (n_chans, n_times), its channels, rate and bits.

    ``bits`` has one row per bit: ``trial``, ``onset`` (s, on a sample), ``sample``, ``category`` (``"1.0"`` on,
    ``"0.0"`` off), ``evoked`` (the flash evoked a response) and ``gain`` (its gain, 0 when none).
    """

    data: np.ndarray
    ch_names: tuple[str, ...]
    sfreq: float
    bits: "pd.DataFrame"


@lru_cache(maxsize=1)
def electrodes() -> Electrodes:
    """Thielen2021's 8 channels on the unit sphere (easycap-M1 positions)."""
    positions = montage_positions()
    return Electrodes(names=CHANNELS, unit_positions=np.stack([positions[n] for n in CHANNELS]))


def make_subject(config: CvepConfig, subject: int) -> SubjectModel:
    """Subject ``subject`` (0-based): the occipital pattern and the flash response."""
    rng = np.random.default_rng([config.seed, 1, subject])
    centre = montage_positions()[PATTERN_SITE] + rng.normal(0.0, POSITION_SD, 3)
    pattern = gaussian_bump(electrodes().unit_positions, centre, PATTERN_WIDTH)
    times = np.arange(int(round(RESPONSE_SECONDS * config.sfreq))) / config.sfreq
    peaks = COMPONENT_PEAKS + rng.normal(0.0, LATENCY_SD)
    sizes = COMPONENT_SIZES * np.exp(rng.normal(0.0, SIZE_SD, len(COMPONENT_SIZES)))
    waves = np.exp(-0.5 * ((times[None] - peaks[:, None]) / COMPONENT_WIDTHS[:, None]) ** 2)
    gain = VEP_VOLTS * config.snr * np.exp(rng.normal(0.0, GAIN_SD))
    return SubjectModel(pattern=pattern, kernel=gain * sizes @ waves)


def schedule(config: CvepConfig, subject: int, run: int) -> tuple["pd.DataFrame", int]:
    """The bits of one run (0-based indices) and its length in samples (see :class:`SimulatedRun`)."""
    import pandas as pd

    rng = np.random.default_rng([config.seed, 2, subject, run])
    shape = (config.trials_per_run, config.trial_bits)
    on = rng.random(shape) < 0.5
    evoked = on & (rng.random(shape) >= config.miss)
    gains = np.where(evoked, np.exp(rng.normal(0.0, BIT_GAIN_SD, shape)), 0.0)
    per_bit = int(round(config.sfreq / config.bit_rate))
    trial_samples = config.trial_bits * per_bit + int(round(config.gap * config.sfreq))
    starts = int(round(LEAD * config.sfreq)) + np.arange(config.trials_per_run) * trial_samples
    samples = (starts[:, None] + per_bit * np.arange(config.trial_bits)[None]).ravel()
    total = int(starts[-1] + trial_samples + round(TAIL * config.sfreq))
    bits = pd.DataFrame({"trial": np.repeat(np.arange(config.trials_per_run), config.trial_bits),
                         "onset": samples / config.sfreq, "sample": samples,
                         "category": np.where(on.ravel(), ON, OFF), "evoked": evoked.ravel(), "gain": gains.ravel()})
    return bits, total


def simulate_run(config: CvepConfig, subject_index: int, run: int) -> SimulatedRun:
    """Simulate run ``run`` of subject ``subject_index`` (both 0-based)."""
    subject = make_subject(config, subject_index)
    bits, total = schedule(config, subject_index, run)
    impulses = np.zeros(total)
    impulses[bits["sample"].to_numpy()] = bits["gain"].to_numpy()
    source = np.convolve(impulses, subject.kernel)[:total]
    heads = electrodes()
    rng = np.random.default_rng([config.seed, 4, subject_index, run])
    centres = np.random.default_rng([config.seed, 5, subject_index]).standard_normal((N_NOISE_SOURCES, 3))
    data = np.outer(subject.pattern, source)
    data += background(heads, centres, total, config.sfreq, rng, config.local_noise)
    data += line_noise(len(heads.names), total, config.sfreq, config.line_freq, rng)
    return SimulatedRun(data=data, ch_names=heads.names, sfreq=config.sfreq, bits=bits)
