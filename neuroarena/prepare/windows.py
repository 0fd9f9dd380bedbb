"""Event-locked windows: cut, baseline-correct, scale and clip, all vectorised."""
from __future__ import annotations

from pathlib import Path

import mne
import numpy as np
import pandas as pd

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.config import MICROVOLTS, PrepareConfig


class NoWindows(NeuroarenaError):
    """A recording holds no event of the kind a task windows (a resting-state run in a trial task, say)."""


def extract_windows(raw: mne.io.BaseRaw, events: pd.DataFrame, config: PrepareConfig,
                    path: str | Path) -> tuple[np.ndarray, pd.DataFrame]:
    """Cut one window per event of kind ``config.event_kind``.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        A preprocessed recording (see ``preprocess_raw``), sampled at ``config.sfreq``.
    events : DataFrame
        The recording's events; ``onset`` in seconds from the first sample, ``kind``.
    config : PrepareConfig
        Window placement, baseline, scaling and clipping.
    path : str or Path
        The recording's file, named in error messages.

    Returns
    -------
    X : ndarray of float32, shape (n_windows, n_chans, n_times)
        Baseline-corrected, scaled and clipped windows, in the order of the events.
    metadata : DataFrame, shape (n_windows, n_event_columns)
        The selected events' rows, index 0..n_windows-1.

    Raises
    ------
    NeuroarenaError
        No event of that kind, a window reaching outside the recording, or a channel
        with zero spread (scaling would divide by zero).
    """
    if raw.info["sfreq"] != config.sfreq:
        raise NeuroarenaError(f"recording is sampled at {raw.info['sfreq']} Hz, not at the "
                              f"configured {config.sfreq} Hz", path=path,
                              fix="run preprocess_raw on it first")
    missing = {"onset", "kind"} - set(events.columns)
    if missing:
        raise NeuroarenaError(f"events table lacks columns {sorted(missing)}", path=path,
                              fix="give the events table onset and kind columns")
    selected = events[events["kind"] == config.event_kind].reset_index(drop=True)
    if selected.empty:
        raise NoWindows(f"no event of kind {config.event_kind!r}", path=path,
                        fix="check event_kind in the prepare config")
    onsets = selected["onset"].to_numpy(dtype=float)
    starts = _window_starts(onsets, raw.n_times, config, path)
    data = raw.get_data()
    sample_index = starts[:, None] + np.arange(config.n_times)
    X = data[:, sample_index].transpose(1, 0, 2)
    del data
    return finish_windows(X, config, raw.ch_names, path), selected


def epoch_windows(epochs: mne.BaseEpochs, events: pd.DataFrame, config: PrepareConfig,
                  path: str | Path) -> tuple[np.ndarray, pd.DataFrame]:
    """Cut the window of ``config`` out of every epoch whose event is of kind ``config.event_kind``.

    Parameters
    ----------
    epochs : mne.BaseEpochs
        Preprocessed epochs sampled at ``config.sfreq``, t = 0 at each onset.
    events : DataFrame, shape (n_epochs, n_event_columns)
        One row per epoch, in epoch order.
    config : PrepareConfig
        Its window must lie inside the epochs (see :func:`~neuroarena.prepare.adapt.adapt_to_epochs`).
    path : str or Path
        The recording's file, named in error messages.

    Returns
    -------
    X : ndarray of float32, shape (n_windows, n_chans, n_times)
    metadata : DataFrame, shape (n_windows, n_event_columns)
    """
    if len(events) != len(epochs):
        raise NeuroarenaError(f"{len(events)} events for {len(epochs)} epochs", path=path,
                              fix="the study must give one event per epoch, in epoch order")
    if epochs.info["sfreq"] != config.sfreq:
        raise NeuroarenaError(f"epochs are sampled at {epochs.info['sfreq']} Hz, not at the configured "
                              f"{config.sfreq} Hz", path=path, fix="run preprocess_raw on them first")
    keep = (events["kind"] == config.event_kind).to_numpy()
    if not keep.any():
        raise NeuroarenaError(f"no event of kind {config.event_kind!r}", path=path,
                              fix="check event_kind in the prepare config")
    first = round((config.window_start - epochs.tmin) * config.sfreq)
    if first < 0 or first + config.n_times > len(epochs.times):
        raise NeuroarenaError(f"window {config.window_start:g} s + {config.window_duration:g} s lies outside the "
                              f"epochs ({epochs.tmin:g}..{epochs.tmax:g} s)", path=path,
                              fix="adapt the prepare config to the release (adapt_to_epochs)")
    X = epochs.get_data()[keep][:, :, first:first + config.n_times]
    return finish_windows(X, config, epochs.ch_names, path), events[keep].reset_index(drop=True)


def finish_windows(X: np.ndarray, config: PrepareConfig, ch_names: list[str], path: str | Path) -> np.ndarray:
    """Baseline-correct, scale and clip windows in place.

    Parameters
    ----------
    X : ndarray, shape (n_windows, n_chans, n_times)

    Returns
    -------
    X : ndarray of float32, shape (n_windows, n_chans, n_times)
    """
    X = np.asarray(X, dtype=np.float64)
    if config.baseline_slice is not None:
        X -= X[:, :, config.baseline_slice].mean(axis=2, keepdims=True)
    if config.scaling == "microvolts":
        X *= MICROVOLTS
    elif config.scaling != "none":
        center, spread = _channel_center_spread(X, config.scaling)
        flat = np.flatnonzero(spread == 0)
        if flat.size:
            raise NeuroarenaError(f"channel {ch_names[flat[0]]} has zero spread over the "
                                  "windows", path=path,
                                  fix="drop it with picks in the prepare config")
        X -= center[None, :, None]
        X /= spread[None, :, None]
    if config.clip is not None:
        np.clip(X, -config.clip, config.clip, out=X)
    return np.ascontiguousarray(X, dtype=np.float32)


def _window_starts(onsets: np.ndarray, n_samples: int, config: PrepareConfig,
                   path: str | Path) -> np.ndarray:
    """First sample of every window, shape (n_windows,); error on any window outside the data."""
    with np.errstate(invalid="ignore"):
        starts = np.round(onsets * config.sfreq) + config.start_offset
        bad = ~np.isfinite(starts) | (starts < 0) | (starts + config.n_times > n_samples)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise NeuroarenaError(
            f"{int(bad.sum())} window(s) fall outside the recording "
            f"({n_samples / config.sfreq:.3f} s), first at event onset {onsets[first]} s",
            path=path, fix="check the events table / drop those trials")
    return starts.astype(np.int64)


def _channel_center_spread(X: np.ndarray, scaling: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel center and spread over windows and times, each shape (n_chans,)."""
    per_channel = X.transpose(1, 0, 2).reshape(X.shape[1], -1)
    if scaling == "robust":
        q25, median, q75 = np.percentile(per_channel, [25, 50, 75], axis=1)
        return median, q75 - q25
    return per_channel.mean(axis=1), per_channel.std(axis=1)
