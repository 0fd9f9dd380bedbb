"""Continuous-signal preprocessing with MNE: EEG channels, filters, reference, resampling."""
from __future__ import annotations

from pathlib import Path

import mne
import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.config import PrepareConfig

#: Samples per block when scanning a recording for NaN/Inf (bounded extra memory).
_SCAN_BLOCK = 100_000
#: Standard montage giving the position of an interpolated channel (10-05 names, legacy T3-T6 too).
_STANDARD_MONTAGE = "colin27_1005"
#: Legacy 10-20 names and the 10-10 names of the same electrode sites, both ways.
_ALIASES = {"t3": "t7", "t4": "t8", "t5": "p7", "t6": "p8", "t7": "t3", "t8": "t4", "p7": "t5", "p8": "t6"}


def preprocess_raw(raw: "mne.io.BaseRaw | mne.BaseEpochs", config: PrepareConfig,
                   path: str | Path) -> "mne.io.BaseRaw | mne.BaseEpochs":
    """Load, pick EEG, check values, band-pass, notch, re-reference, select channels and resample.

    ``raw`` is modified in place (no copy, to bound memory) and returned. Epochs (a release
    published as epochs) go through the same steps one epoch at a time; their config must first be
    adapted with :func:`~neuroarena.prepare.adapt.adapt_to_epochs`, which leaves out the filters
    longer than an epoch.

    Parameters
    ----------
    raw : mne.io.BaseRaw or mne.BaseEpochs
        The recording, data preloaded or not.
    config : PrepareConfig
        Filters (``l_freq``, ``h_freq``, ``notch``), ``reference``, ``picks`` or ``channels``
        (with ``interpolate_missing``) and target ``sfreq``.
    path : str or Path
        The recording's file, named in error messages.

    Returns
    -------
    raw : mne.io.BaseRaw or mne.BaseEpochs
        EEG channels only (``config.picks`` or ``config.channels`` in that order when given),
        sampled at ``config.sfreq``.

    Raises
    ------
    NeuroarenaError
        No EEG channel, a pick or reference channel missing, a channel of ``config.channels``
        missing without ``interpolate_missing`` (or without electrode positions to interpolate
        from), a NaN/Inf value, ``h_freq`` at or above the recording's Nyquist frequency, or
        ``notch: line`` on a recording that does not say its power-line frequency.
    """
    from neuroarena.prepare.adapt import resolve_notch

    if isinstance(raw, mne.io.BaseRaw):
        raw.load_data(verbose=False)
    if "eeg" not in raw.get_channel_types(unique=True):
        raise NeuroarenaError("recording has no EEG channel", path=path,
                              fix="check the channel types of this file")
    raw.pick("eeg", verbose=False)
    _check_channels_present(raw.ch_names, config.picks, "picks", path)
    if isinstance(config.reference, list):
        _check_channels_present(raw.ch_names, config.reference, "reference", path)
    _check_finite(raw, path)
    nyquist = raw.info["sfreq"] / 2
    if config.h_freq is not None and config.h_freq >= nyquist:
        raise NeuroarenaError(f"h_freq {config.h_freq} Hz is not below the Nyquist frequency "
                              f"{nyquist} Hz of this recording", path=path,
                              fix="lower h_freq in the prepare config")
    if config.l_freq is not None or config.h_freq is not None:
        raw.filter(config.l_freq, config.h_freq, verbose=False)
    notch = [freq for freq in resolve_notch(config, raw.info["line_freq"], path) if freq < nyquist]
    if notch and isinstance(raw, mne.BaseEpochs):
        raw.apply_function(lambda x: mne.filter.notch_filter(x, raw.info["sfreq"], notch, verbose=False),
                           channel_wise=False, verbose=False)
    elif notch:
        raw.notch_filter(notch, verbose=False)
    if config.reference is not None:
        raw.set_eeg_reference(config.reference, projection=False, verbose=False)
    if config.picks is not None:
        raw.pick(config.picks, verbose=False)
        raw.reorder_channels(config.picks)
    if config.channels is not None:
        _select_channels(raw, config.channels, config.interpolate_missing, path)
    if raw.info["sfreq"] != config.sfreq:
        # Polyphase keeps sample times exact; FFT resampling shifted a 6 Hz sine by ~5 ms (250 -> 100 Hz).
        raw.resample(config.sfreq, method="polyphase", verbose=False)
    return raw


def _check_channels_present(ch_names: list[str], wanted: list[str] | None, what: str,
                            path: str | Path) -> None:
    missing = [name for name in wanted or [] if name not in ch_names]
    if missing:
        raise NeuroarenaError(f"{what} channels {missing} are not among the EEG channels of this "
                              "recording", path=path,
                              fix=f"remove them from {what} in the prepare config")


def _select_channels(raw: mne.io.BaseRaw, channels: list[str], interpolate: bool, path: str | Path) -> None:
    """Keep exactly ``channels``, in order and so named; interpolate the missing ones if allowed.

    Names match case-insensitively, and a legacy name (T3-T6) matches its 10-10 name (T7, T8, P7, P8).
    """
    have = {name.lower(): name for name in raw.ch_names}
    wanted = {name.lower() for name in channels}
    source, missing = {}, []
    for name in channels:
        alias = _ALIASES.get(name.lower())
        found = have.get(name.lower()) or (have.get(alias) if alias not in wanted else None)
        if found is None:
            missing.append(name)
        else:
            source[name] = found
    if missing and not interpolate:
        raise NeuroarenaError(f"channels {missing} of the prepare config are missing from this recording",
                              path=path, fix="set interpolate_missing: true to interpolate them from the "
                                             "recording's electrodes, or remove them from channels")
    if missing:
        _interpolate_channels(raw, missing, path)
    keep = [source.get(name, name) for name in channels]
    raw.pick(keep, verbose=False)
    raw.reorder_channels(keep)
    raw.rename_channels({old: new for old, new in zip(keep, channels) if old != new}, verbose=False)


def _interpolate_channels(raw: mne.io.BaseRaw, names: list[str], path: str | Path) -> None:
    """Add ``names`` at their standard positions, interpolated by spherical splines from the others."""
    located = [ch for ch in raw.info["chs"] if np.isfinite(ch["loc"][:3]).all() and np.any(ch["loc"][:3])]
    if len(located) < len(raw.ch_names):
        raise NeuroarenaError(f"cannot interpolate channels {names}: this recording has no position for "
                              f"{len(raw.ch_names) - len(located)} of its channels", path=path,
                              fix="give the recording a montage (electrodes.tsv) or list only channels it has")
    montage = mne.channels.make_standard_montage(_STANDARD_MONTAGE)
    known = {name.lower() for name in montage.ch_names}
    unknown = [name for name in names if name.lower() not in known]
    if unknown:
        raise NeuroarenaError(f"channels {unknown} have no position in the {_STANDARD_MONTAGE} montage",
                              path=path, fix="use 10-05 channel names in channels, or remove them")
    info = mne.create_info(names, raw.info["sfreq"], "eeg")
    with info._unlock():
        info["custom_ref_applied"] = raw.info["custom_ref_applied"]
    if isinstance(raw, mne.BaseEpochs):
        added = mne.EpochsArray(np.zeros((len(raw), len(names), len(raw.times))), info, tmin=raw.tmin,
                                verbose=False)
    else:
        added = mne.io.RawArray(np.zeros((len(names), raw.n_times)), info, first_samp=raw.first_samp,
                                verbose=False)
    added.set_montage(montage, match_case=False, verbose=False)
    added.set_meas_date(raw.info["meas_date"])
    raw.add_channels([added], force_update_info=True)
    raw.info["bads"] = list(names)
    raw.interpolate_bads(reset_bads=True, mode="accurate", verbose=False)


def _check_finite(raw: "mne.io.BaseRaw | mne.BaseEpochs", path: str | Path) -> None:
    blocks = ([(0, raw.get_data())] if isinstance(raw, mne.BaseEpochs) else
              ((start, raw.get_data(start=start, stop=start + _SCAN_BLOCK))
               for start in range(0, raw.n_times, _SCAN_BLOCK)))
    for start, block in blocks:
        finite = np.isfinite(block)
        if not finite.all():
            where = np.argwhere(~finite)[0]
            if block.ndim == 3:
                epoch, channel, sample = where
                at = f"epoch {epoch} at {raw.times[sample]:.3f} s"
            else:
                channel, sample = where
                at = f"{(start + sample) / raw.info['sfreq']:.3f} s"
            raise NeuroarenaError(f"NaN or Inf in channel {raw.ch_names[channel]} at {at}", path=path,
                                  fix="exclude this recording or repair it")
