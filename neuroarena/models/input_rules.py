"""What a model needs from its windows: sampling rate, whole patches, channels, electrode positions.

A model's rules adapt the task's preprocessing (:meth:`InputRules.apply`, called by the runner,
so each model gets the window store its rules call for) and are checked again when the model is
built (:meth:`InputRules.check`), so windows prepared some other way fail with advice, not deep
inside a layer.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.config import PrepareConfig


@dataclass(frozen=True)
class InputRules:
    """Input contract of a pretrained model.

    Parameters
    ----------
    sfreq : float or None
        Sampling rate the model was pretrained at, in Hz (None: any).
    patch_size : int or None
        The model cuts each channel into patches of this many samples; windows are a whole number
        of patches (None: any length).
    channels : tuple of str or None
        Exact channel list and order (None: any channels); channels a recording lacks are
        interpolated from its electrodes when the store is prepared.
    needs_positions : bool
        The model embeds electrode positions, so every channel needs a 3D position.
    """

    sfreq: float | None = None
    patch_size: int | None = None
    channels: tuple[str, ...] | None = None
    needs_positions: bool = False

    def __post_init__(self) -> None:
        if self.channels is not None:
            object.__setattr__(self, "channels", tuple(self.channels))
        if self.sfreq is not None and not self.sfreq > 0:
            raise NeuroarenaError(f"input rules: sfreq must be positive, got {self.sfreq!r}",
                                  fix="give the model's pretraining rate in Hz")
        if self.patch_size is not None and (int(self.patch_size) != self.patch_size or self.patch_size < 1):
            raise NeuroarenaError(f"input rules: patch_size must be a positive integer, got {self.patch_size!r}",
                                  fix="give the patch length in samples")

    def apply(self, config: PrepareConfig) -> PrepareConfig:
        """The preprocessing ``config`` adapted to these rules.

        The sampling rate becomes ``sfreq``; the window keeps its start and grows at its end to the
        next whole number of patches at that rate (e.g. 1.1 s at 200 Hz with 200-sample patches ->
        400 samples, 2.0 s); ``channels`` replaces ``picks`` and missing channels are interpolated.
        A low-pass at or above the new Nyquist frequency is lowered to 0.4 x the new rate.
        """
        changes: dict = {}
        rate = config.sfreq if self.sfreq is None else float(self.sfreq)
        if self.sfreq is not None:
            changes["sfreq"] = rate
            if config.h_freq is not None and config.h_freq >= rate / 2:
                changes["h_freq"] = 0.4 * rate
        if self.patch_size is not None:
            samples = round(config.window_duration * rate, 6)
            n_times = max(1, math.ceil(samples / self.patch_size)) * self.patch_size
            changes["window_duration"] = n_times / rate
        if self.channels is not None:
            changes.update(channels=list(self.channels), interpolate_missing=True, picks=None)
        if not changes:
            return config
        return PrepareConfig(**{**config.model_dump(), **changes})

    def check(self, *, name: str, n_chans: int, n_times: int, sfreq: float, chs_info: Sequence[dict] | None) -> None:
        """Raise a NeuroarenaError if windows of this shape and layout break the rules.

        Parameters
        ----------
        name : str
            The model, named in the error.
        n_chans, n_times : int
            Window shape; windows are ``X : ndarray, shape (n_windows, n_chans, n_times)``.
        sfreq : float
            Sampling rate of the windows in Hz.
        chs_info : sequence of dict or None
            ``info["chs"]``-like channel descriptions (``ch_name``, ``loc``) of the ``n_chans`` channels.
        """
        fix = "prepare the windows through neuroarena's runner, which applies the model's input rules"
        if self.sfreq is not None and not math.isclose(sfreq, self.sfreq):
            raise NeuroarenaError(f"model {name!r} was pretrained at {self.sfreq:g} Hz but the windows are at "
                                  f"{sfreq:g} Hz", fix=f"resample to {self.sfreq:g} Hz ({fix})")
        if self.patch_size is not None and n_times % self.patch_size:
            raise NeuroarenaError(f"model {name!r} needs windows of whole {self.patch_size}-sample patches, got "
                                  f"{n_times} samples", fix=f"use a window of a multiple of {self.patch_size} "
                                                           f"samples ({fix})")
        if self.channels is not None and n_chans != len(self.channels):
            raise NeuroarenaError(f"model {name!r} needs {len(self.channels)} channels, got {n_chans}",
                                  fix=f"set channels (with interpolate_missing) in the prepare config ({fix})")
        if (self.channels is not None or self.needs_positions) and chs_info is None:
            raise NeuroarenaError(f"model {name!r} needs the channel names and positions of the windows",
                                  fix=f"pass chs_info ({fix})")
        if self.channels is not None:
            names = [ch["ch_name"] for ch in chs_info]
            if [n.lower() for n in names] != [n.lower() for n in self.channels]:
                raise NeuroarenaError(f"model {name!r} needs the {len(self.channels)} channels "
                                      f"{list(self.channels)} in this order, got {names}",
                                      fix=f"set channels (with interpolate_missing) in the prepare config ({fix})")
        if self.needs_positions:
            missing = [ch["ch_name"] for ch in chs_info if not _has_position(ch)]
            if missing:
                raise NeuroarenaError(f"model {name!r} embeds electrode positions but channels {missing} have none",
                                      fix="give the recordings a montage (BIDS electrodes.tsv)")


def _has_position(channel: dict) -> bool:
    loc = [float(value) for value in list(channel.get("loc", ()))[:3]]
    return len(loc) == 3 and all(math.isfinite(value) for value in loc) and any(loc)


#: BENDR's 19 EEG channels in its checkpoint's order (dn3 ``To1020``; T5/T6 are P7/P8). The model adds
#: the 20th, its relative-amplitude channel, itself.
BENDR_CHANNELS = ("Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz", "C4", "T8", "T5", "P3", "Pz",
                  "P4", "T6", "O1", "O2")

#: Input rules of the built-in foundation models: their pretraining rate and patch length.
FM_INPUT_RULES: dict[str, InputRules] = {
    "bendr": InputRules(sfreq=256.0, channels=BENDR_CHANNELS),
    "labram": InputRules(sfreq=200.0, patch_size=200),
    "biot": InputRules(sfreq=200.0, patch_size=200),  # STFT of 200 samples (n_fft = sfreq), hop 100
    "cbramod": InputRules(sfreq=200.0, patch_size=200),
    "luna": InputRules(sfreq=256.0, patch_size=40, needs_positions=True),
    "reve": InputRules(sfreq=200.0, patch_size=200, needs_positions=True),
    "eegpt": InputRules(sfreq=256.0, patch_size=64),
}
