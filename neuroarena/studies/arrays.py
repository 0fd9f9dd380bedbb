"""Recordings held as arrays: continuous data or epochs made into MNE Raw objects, and events tables."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import EVENT_COLUMNS

if TYPE_CHECKING:
    import mne
    import pandas as pd

#: Montage giving electrode positions to the named-array studies (10-05 names, case-insensitive).
STANDARD_MONTAGE = "colin27_1005"


def missing_data(path: str | Path, dataset: str, what: str = "data not found") -> NeuroarenaError:
    """The error for data that is not on disk: names ``path`` and the ``--download`` fix."""
    return NeuroarenaError(what, path=path, fix=f"run `neuroarena eeg image --dataset {dataset} --download`")


def check_finite(data: np.ndarray, ch_names: Sequence[str], sfreq: float, path: str | Path) -> None:
    """Raise on the first NaN or Inf of ``data``, shape (n_chans, n_samples), naming channel and time."""
    finite = np.isfinite(data)
    if not finite.all():
        channel, sample = np.argwhere(~finite)[0]
        raise NeuroarenaError(f"NaN or Inf in channel {ch_names[channel]} at {sample / sfreq:.3f} s", path=path,
                              fix="exclude this recording or repair it")


def set_standard_montage(raw: "mne.io.BaseRaw", path: str | Path, allow_unknown: bool = False) -> None:
    """Give the EEG channels of ``raw`` their :data:`STANDARD_MONTAGE` positions.

    A channel with a name the montage lacks is an error, or, with ``allow_unknown``, stays
    without a position (zeros).
    """
    import mne

    montage = mne.channels.make_standard_montage(STANDARD_MONTAGE)
    known = {name.lower() for name in montage.ch_names}
    eeg = [raw.ch_names[i] for i in mne.pick_types(raw.info, eeg=True)]
    unknown = [name for name in eeg if name.lower() not in known]
    if unknown and not allow_unknown:
        raise NeuroarenaError(f"channels {unknown} have no position in the {STANDARD_MONTAGE} montage", path=path,
                              fix="rename them to 10-05 names, or report the channel list of this file")
    raw.set_montage(montage, match_case=False, on_missing="ignore", verbose=False)


def raw_from_array(data: np.ndarray, ch_names: Sequence[str], sfreq: float, path: str | Path,
                   ch_types: Sequence[str] | str = "eeg") -> "mne.io.RawArray":
    """A Raw with standard electrode positions, after checking shape and values.

    Parameters
    ----------
    data : ndarray, shape (n_chans, n_samples)
        Volts for EEG channels.
    ch_names, ch_types : sequence of str
        One per row of ``data`` (``ch_types`` may be one type for all).
    sfreq : float
        Sampling rate in Hz.
    path : str or Path
        The file the data came from (named in errors).
    """
    import mne

    if data.ndim != 2 or data.shape[0] != len(ch_names):
        raise NeuroarenaError(f"data of shape {data.shape} does not match {len(ch_names)} channel names",
                              path=path, fix="the file is damaged or not from this dataset; download it again")
    check_finite(data, ch_names, sfreq, path)
    info = mne.create_info(list(ch_names), float(sfreq), ch_types if isinstance(ch_types, str) else list(ch_types))
    raw = mne.io.RawArray(data, info, verbose=False)
    set_standard_montage(raw, path)
    return raw


def epochs_from_array(epochs: np.ndarray, ch_names: Sequence[str], sfreq: float, tmin: float,
                      path: str | Path, line_freq: float | None = None) -> "mne.EpochsArray":
    """Epochs of a release published as epochs, with standard electrode positions, after checking values.

    Parameters
    ----------
    epochs : ndarray, shape (n_epochs, n_chans, n_times)
        Volts for EEG channels.
    ch_names : sequence of str
        One per channel of ``epochs`` (10-05 names).
    sfreq : float
        Sampling rate in Hz.
    tmin : float
        Time of each epoch's first sample, seconds from the stimulus onset.
    path : str or Path
        The file the data came from (named in errors).
    line_freq : float, optional
        Power-line frequency where the data were recorded.
    """
    import mne

    if epochs.ndim != 3 or epochs.shape[1] != len(ch_names):
        raise NeuroarenaError(f"epochs of shape {epochs.shape} do not match {len(ch_names)} channel names",
                              path=path, fix="the file is damaged or not from this dataset; download it again")
    if len(epochs) == 0:
        raise NeuroarenaError("no epoch in this recording", path=path, fix="check the subject and session")
    finite = np.isfinite(epochs)
    if not finite.all():
        epoch, channel, sample = np.argwhere(~finite)[0]
        raise NeuroarenaError(f"NaN or Inf in epoch {epoch}, channel {ch_names[channel]} at "
                              f"{tmin + sample / sfreq:.3f} s", path=path, fix="exclude this recording or repair it")
    info = mne.create_info(list(ch_names), float(sfreq), "eeg")
    with info._unlock():
        info["line_freq"] = line_freq
    out = mne.EpochsArray(np.asarray(epochs, dtype=float), info, tmin=tmin, baseline=None, verbose=False)
    set_standard_montage(out, path)
    return out


def events_table(onset: np.ndarray, duration: float, kind: Sequence[str] | str, stimulus: Sequence[str],
                 category: Sequence[str], split: Sequence[str]) -> "pd.DataFrame":
    """The standard events table (``caption`` empty and ``rt`` NaN: these datasets record neither).

    Returns
    -------
    DataFrame, shape (n_events, len(EVENT_COLUMNS))
    """
    import pandas as pd

    n = len(onset)
    table = pd.DataFrame({
        "onset": np.asarray(onset, dtype=float), "duration": np.full(n, float(duration)),
        "kind": [kind] * n if isinstance(kind, str) else list(kind),
        "stimulus": list(stimulus), "category": list(category), "caption": [""] * n,
        "rt": np.full(n, np.nan), "split": list(split),
    })
    return table[list(EVENT_COLUMNS)]
