"""The simulated brain: electrodes, cortical sources, the forward model and evoked responses.

An image evokes, in each of a few posterior sources, a sum of ERP-like components
(P1, N1, P2 and a late positivity; Gaussian waveforms). Each component's amplitude
is ``base + weights @ (features - centre)``: linear in the stimulus features, through
weights shared by every subject, and ``base`` for the average image of the study.
Subjects differ in their scalp patterns (source centres and widths perturbed),
latency and gain; sessions in gain and DC offset; trials in amplitude and latency.

The scale (:data:`ERP_VOLTS`, :data:`COMPONENT_SIZES`) is set so that at ``snr=1``
the grand averages at Oz are a few microvolts (P1 about +2 to +5 µV, N1 about -6 to
-10 µV) and the single-trial SNR there is 0.2-0.5, as in real visual ERPs; the ranges
and their sources are in :mod:`neuroarena.studies.simulated.statistics`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuroarena.studies.simulated.config import SimulationConfig

MONTAGE_NAME = "easycap-M1"
#: Always recorded: Fp1/Fp2 (blinks), O1/O2/Oz (alpha, visual response), then 10-20 sites.
PRIORITY_CHANNELS = (
    "Fp1", "Fp2", "O1", "O2", "Oz", "Fz", "Cz", "Pz", "F3", "F4", "C3", "C4", "P3", "P4",
    "F7", "F8", "T7", "T8", "P7", "P8", "Fpz",
)
#: Where the sources sit (electrode positions of the full montage), in the order used.
SOURCE_SITES = ("Oz", "PO7", "PO8", "Pz", "POz", "P5", "P6", "CPz")
SOURCE_WIDTH = 0.45  # radians on the unit sphere
#: ERP components: peak latency (s), width (s) and signed size of the response to the average image.
COMPONENT_PEAKS = np.array([0.10, 0.17, 0.25, 0.40])
COMPONENT_WIDTHS = np.array([0.015, 0.02, 0.03, 0.06])
COMPONENT_SIZES = np.array([1.0, -0.9, 0.6, 0.3])
ERP_VOLTS = 2.4e-6  # amplitude of one unit of component activity at snr=1
RESPONSE_SECONDS = 0.8  # the evoked response is negligible after this
TRIAL_AMPLITUDE_SD = 0.2
TRIAL_LATENCY_SD = 0.01


@dataclass(frozen=True)
class Electrodes:
    """Recorded channels: names and positions on the unit sphere, shape (n_chans, 3)."""

    names: tuple[str, ...]
    unit_positions: np.ndarray


@dataclass(frozen=True)
class ForwardModel:
    """Stimulus features to source activity, shared by all subjects.

    Attributes
    ----------
    base : ndarray, shape (n_sources, n_components)
        Feature-independent amplitude of each component.
    weights : ndarray, shape (n_sources, n_components, feature_dim)
        Linear dependence of each amplitude on the features.
    centre : ndarray, shape (feature_dim,)
        Mean features of the study's stimuli (the image that evokes ``base``).
    peak_offsets : ndarray, shape (n_sources, n_components)
        Per-source shift of each component's peak latency (s).
    """

    base: np.ndarray
    weights: np.ndarray
    centre: np.ndarray
    peak_offsets: np.ndarray


@dataclass(frozen=True)
class SubjectBrain:
    """One subject: scalp patterns, shape (n_chans, n_sources), latency shift (s), gain, alpha (Hz)."""

    patterns: np.ndarray
    latency_shift: float
    gain: float
    alpha_freq: float


@dataclass(frozen=True)
class SessionState:
    """One session: gain multiplier and DC offset per channel (V), shape (n_chans,)."""

    gain: float
    offsets: np.ndarray


def montage_positions() -> dict[str, np.ndarray]:
    """Unit-sphere position of every electrode of the standard montage."""
    import mne

    ch_pos = mne.channels.make_standard_montage(MONTAGE_NAME).get_positions()["ch_pos"]
    return {name: np.asarray(pos) / np.linalg.norm(pos) for name, pos in ch_pos.items()}


def _farthest_point_order(candidates: list[str], chosen: list[str], pos: dict[str, np.ndarray]) -> list[str]:
    """Order ``candidates`` greedily, each the farthest from everything chosen before it."""
    chosen, left, order = list(chosen), list(candidates), []
    while left:
        distance = [min(np.linalg.norm(pos[c] - pos[s]) for s in chosen) for c in left]
        pick = left.pop(int(np.argmax(distance)))
        chosen.append(pick)
        order.append(pick)
    return order


def select_electrodes(n_channels: int) -> Electrodes:
    """Choose ``n_channels`` electrodes spread over the head (deterministic).

    The 10-20 sites of :data:`PRIORITY_CHANNELS` come first, then the other upper
    sites and last the low ring, each group in farthest-point order.
    """
    pos = montage_positions()
    upper = [n for n in pos if n not in PRIORITY_CHANNELS and pos[n][2] > -0.2]
    lower = [n for n in pos if n not in PRIORITY_CHANNELS and pos[n][2] <= -0.2]
    order = list(PRIORITY_CHANNELS)
    order += _farthest_point_order(upper, order, pos)
    order += _farthest_point_order(lower, order, pos)
    chosen = set(order[:n_channels])
    names = tuple(n for n in pos if n in chosen)  # montage order
    return Electrodes(names=names, unit_positions=np.stack([pos[n] for n in names]))


def gaussian_bump(unit_positions: np.ndarray, centre: np.ndarray, width: float) -> np.ndarray:
    """Smooth scalp pattern, shape (n_chans,): Gaussian in the angle from ``centre``."""
    cosine = np.clip(unit_positions @ (centre / np.linalg.norm(centre)), -1.0, 1.0)
    return np.exp(-0.5 * (np.arccos(cosine) / width) ** 2)


def make_forward_model(config: SimulationConfig) -> ForwardModel:
    """The feature-to-source mapping shared by every subject (deterministic in the seed)."""
    from neuroarena.studies.simulated.stimuli import make_stimuli

    rng = np.random.default_rng([config.seed, 2])
    shape = (config.n_sources, len(COMPONENT_PEAKS))
    base = COMPONENT_SIZES * rng.uniform(0.5, 1.5, shape)
    weights = rng.standard_normal(shape + (config.feature_dim,)) / np.sqrt(config.feature_dim)
    return ForwardModel(base=base, weights=weights, centre=make_stimuli(config).features.mean(axis=0),
                        peak_offsets=rng.normal(0.0, 0.01, shape))


def make_subject(config: SimulationConfig, electrodes: Electrodes, subject: int) -> SubjectBrain:
    """Subject ``subject`` (0-based): perturbed source patterns, latency, gain, alpha frequency."""
    rng = np.random.default_rng([config.seed, 4, subject])
    pos = montage_positions()
    patterns = []
    for site in SOURCE_SITES[: config.n_sources]:
        centre = pos[site] + rng.normal(0.0, 0.12, 3)
        width = SOURCE_WIDTH * np.exp(rng.normal(0.0, 0.1))
        stray = gaussian_bump(electrodes.unit_positions, rng.standard_normal(3), 0.6)
        patterns.append(gaussian_bump(electrodes.unit_positions, centre, width) + 0.1 * stray)
    return SubjectBrain(
        patterns=np.stack(patterns, axis=1),
        latency_shift=float(rng.normal(0.0, 0.012)),
        gain=float(np.exp(rng.normal(0.0, 0.2))),
        alpha_freq=float(rng.uniform(9.0, 11.0)),
    )


def make_session(config: SimulationConfig, n_chans: int, subject: int, session: int) -> SessionState:
    """Session ``session`` of ``subject`` (0-based): gain drift and DC offsets."""
    rng = np.random.default_rng([config.seed, 5, subject, session])
    return SessionState(gain=float(np.exp(rng.normal(0.0, 0.1))), offsets=rng.normal(0.0, 20e-6, n_chans))


def component_amplitudes(features: np.ndarray, model: ForwardModel) -> np.ndarray:
    """Mean amplitude of every component, shape (n_stimuli, n_sources, n_components).

    Parameters
    ----------
    features : ndarray, shape (n_stimuli, feature_dim)
    """
    return model.base[None] + np.einsum("scd,nd->nsc", model.weights, features - model.centre)


def evoked(
    amplitudes: np.ndarray, peaks: np.ndarray, patterns: np.ndarray, times: np.ndarray,
) -> np.ndarray:
    """Scalp response to each stimulus, shape (n_stimuli, n_chans, n_times), in component units.

    Parameters
    ----------
    amplitudes, peaks : ndarray, shape (n_stimuli, n_sources, n_components)
        Amplitude and peak latency (s, relative to onset) of every component.
    patterns : ndarray, shape (n_chans, n_sources)
    times : ndarray, shape (n_times,)
        Seconds relative to stimulus onset.
    """
    shapes = np.exp(-0.5 * ((times - peaks[..., None]) / COMPONENT_WIDTHS[:, None]) ** 2)
    sources = np.einsum("nsc,nsct->nst", amplitudes, shapes)
    return np.einsum("ks,nst->nkt", patterns, sources)


def expected_response(
    config: SimulationConfig, features: np.ndarray, model: ForwardModel,
    subject: SubjectBrain, session: SessionState, times: np.ndarray,
) -> np.ndarray:
    """Noise-free, trial-average response (V), shape (n_stimuli, n_chans, n_times).

    Parameters
    ----------
    features : ndarray, shape (n_stimuli, feature_dim)
    times : ndarray, shape (n_times,)
        Seconds relative to stimulus onset.
    """
    amplitudes = component_amplitudes(features, model)
    peaks = np.broadcast_to(COMPONENT_PEAKS + model.peak_offsets + subject.latency_shift, amplitudes.shape)
    scale = ERP_VOLTS * config.snr * subject.gain * session.gain
    return scale * evoked(amplitudes, peaks, subject.patterns, times)
