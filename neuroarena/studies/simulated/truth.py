"""Where a simulated study's decodable information is: the ground truth that attributions are tested against.

For the visual study (:class:`~neuroarena.studies.simulated.study.Simulated`) the informative signal of a target
is the part of the noise-free expected response (:func:`~neuroarena.studies.simulated.brain.expected_response`,
session gain 1) that changes with it: across images (``"image"``) or across the category means (``"category"``).
Its variance per channel and time is averaged over the study's subjects; ``spatial`` is its RMS over the
requested times, ``temporal`` its RMS over the requested channels. The simulated HBN study has its own
(:mod:`neuroarena.studies.simulated_hbn.truth`); :func:`information_map` serves both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    from neuroarena.studies.base import Study
    from neuroarena.studies.simulated.study import Simulated

#: Targets of the visual simulation.
VISUAL_TARGETS = ("image", "category")
#: Accepted values of ``reference``.
REFERENCES = ("average", None)


@dataclass(frozen=True)
class InformationMap:
    """Where a simulated study's decodable signal for a target is, on given channels and window times.

    Attributes
    ----------
    target : str
        ``"image"``, ``"category"`` or ``"rt"``.
    channels : tuple of str
        Channel names, in the order requested.
    spatial : ndarray, shape (n_chans,)
        Strength (V, >= 0) of the informative signal per channel: RMS over ``times`` of its std.
    times : ndarray, shape (n_times,)
        Seconds relative to the window's event (as requested).
    temporal : ndarray, shape (n_times,)
        Strength (V, >= 0) over time: RMS over ``channels`` of the signal's std.
    window : tuple of float
        ``(first, last)`` time (s) where ``temporal`` is at least half its maximum; NaNs when it is 0 throughout.
    source : str
        One line saying what the signal is, for reports.
    """

    target: str
    channels: tuple[str, ...]
    spatial: np.ndarray
    times: np.ndarray
    temporal: np.ndarray
    window: tuple[float, float]
    source: str


def information_map(study: "Study", target: str, channels: Sequence[str], times: np.ndarray,
                    reference: str | None = "average") -> InformationMap:
    """The ground-truth information map of a simulated study (visual or HBN) for ``target``.

    Parameters
    ----------
    study : Simulated or SimulatedHbn
    target : str
        ``"image"`` or ``"category"`` (visual), ``"rt"`` (HBN).
    channels : sequence of str, length n_chans
        Channel names the study records.
    times : ndarray, shape (n_times,)
        Seconds relative to the stimulus onset.
    reference : "average" or None
        ``"average"``: the signal average-referenced over ``channels`` at each time (as the tasks do);
        None: as simulated.

    Returns
    -------
    InformationMap
    """
    from neuroarena.studies.simulated.config import SimulationConfig
    from neuroarena.studies.simulated_hbn.config import SimulatedHbnConfig

    config = getattr(study, "config", None)
    if isinstance(config, SimulatedHbnConfig):
        from neuroarena.studies.simulated_hbn.truth import hbn_information_map

        return hbn_information_map(study, target, channels, times, reference)
    if not isinstance(config, SimulationConfig):
        raise NeuroarenaError(f"{type(study).__name__} is not a simulated study: its information is unknown",
                              fix="ask a Simulated or SimulatedHbn study")
    return visual_information_map(study, target, channels, times, reference)


def visual_information_map(study: "Simulated", target: str, channels: Sequence[str], times: np.ndarray,
                           reference: str | None = "average") -> InformationMap:
    """:func:`information_map` of the visual study; ``times`` (n_times,) in s from the image's onset."""
    from neuroarena.studies.simulated import brain
    from neuroarena.studies.simulated.stimuli import make_stimuli

    config = study.config
    if target not in VISUAL_TARGETS:
        raise NeuroarenaError(f"the simulated visual study has no target {target!r}",
                              fix=f"ask for one of {', '.join(VISUAL_TARGETS)}")
    times = check_times(times)
    electrodes = brain.select_electrodes(config.n_channels)
    names, index = channel_index(electrodes.names, channels, study.name)
    stimuli = make_stimuli(config)
    features = stimuli.features
    if target == "category":  # the response is affine in the features: the category mean's is the mean response
        features = np.stack([features[stimuli.category_index == k].mean(axis=0) for k in range(config.n_categories)])
    model = brain.make_forward_model(config)
    session = brain.SessionState(gain=1.0, offsets=np.zeros(len(electrodes.names)))
    subjects = _subject_indices(study)
    variance = np.zeros((len(index), len(times)))
    for subject in subjects:
        subject_brain = brain.make_subject(config, electrodes, subject)
        response = brain.expected_response(config, features, model, subject_brain, session, times)[:, index]
        variance += rereference(response, reference, axis=1).var(axis=0)
    across = "images" if target == "image" else "category means"
    source = (f"evoked response of {config.n_sources} posterior sources (components peaking near "
              f"{', '.join(f'{p:.2f}' for p in brain.COMPONENT_PEAKS)} s), std across {len(features)} {across}, "
              f"{len(subjects)} subjects, {'average-referenced' if reference else 'as simulated'}")
    return map_from_variance(target, names, times, variance / len(subjects), source)


def map_from_variance(target: str, channels: tuple[str, ...], times: np.ndarray, variance: np.ndarray,
                      source: str) -> InformationMap:
    """The :class:`InformationMap` of a signal whose variance (V², across what it encodes) is ``variance``.

    Parameters
    ----------
    variance : ndarray, shape (n_chans, n_times)
    """
    variance = np.clip(variance, 0.0, None)
    temporal = np.sqrt(variance.mean(axis=0))
    return InformationMap(target=target, channels=channels, spatial=np.sqrt(variance.mean(axis=1)), times=times,
                          temporal=temporal, window=half_max_window(times, temporal), source=source)


def half_max_window(times: np.ndarray, temporal: np.ndarray) -> tuple[float, float]:
    """First and last of ``times`` (n_times,) where ``temporal`` (n_times,) >= half its maximum (NaNs if all 0)."""
    peak = float(temporal.max())
    if not peak > 0:
        return (float("nan"), float("nan"))
    held = times[temporal >= peak / 2]
    return (float(held.min()), float(held.max()))


def rereference(data: np.ndarray, reference: str | None, axis: int) -> np.ndarray:
    """``data`` re-referenced over its channel axis ``axis``: ``"average"`` subtracts the channels' mean, None
    leaves it; any shape, channels on ``axis``."""
    if reference not in REFERENCES:
        raise NeuroarenaError(f"unknown reference {reference!r}", fix='use reference="average" or None')
    return data - data.mean(axis=axis, keepdims=True) if reference == "average" else data


def check_times(times: np.ndarray) -> np.ndarray:
    """``times`` as a non-empty, finite float array of shape (n_times,); an error otherwise."""
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or not len(times) or not np.isfinite(times).all():
        raise NeuroarenaError(f"times must be a non-empty 1-D array of finite seconds, not shape {times.shape}",
                              fix="pass the window's sample times, e.g. window_start + np.arange(n) / sfreq")
    return times


def channel_index(recorded: Sequence[str], channels: Sequence[str], study: str) -> tuple[tuple[str, ...], list[int]]:
    """The requested ``channels`` (n_chans,) and their positions in ``recorded``; an error naming one it lacks."""
    names = (channels,) if isinstance(channels, str) else tuple(str(name) for name in channels)
    if not names:
        raise NeuroarenaError("no channels requested", fix=f"pass some of {study}'s channels")
    missing = [name for name in names if name not in recorded]
    if missing:
        raise NeuroarenaError(f"{study} records no channel {missing[0]!r}",
                              fix=f"use its channels ({', '.join(recorded[:6])}, ...)")
    if len(set(names)) < len(names):
        twice = next(name for name in names if names.count(name) > 1)
        raise NeuroarenaError(f"channel {twice!r} requested twice", fix="pass each channel once")
    return names, [list(recorded).index(name) for name in names]


def _subject_indices(study: "Simulated") -> list[int]:
    """0-based subjects of the visual study: its chosen ones, or all of them."""
    n = study.config.n_subjects
    if study.subjects is None:
        return list(range(n))
    chosen = [int(label) - 1 for label in study.subjects if label.isdigit()]
    if len(chosen) < len(study.subjects) or not all(0 <= s < n for s in chosen):
        raise NeuroarenaError(f"subjects {study.subjects} are not all among the simulation's {n}",
                              fix=f"choose labels from 01 to {n:02d}")
    return chosen
