"""What the simulated SSVEP study looks like: one frozen configuration, and its presets."""
from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from neuroarena.studies.simulated_bids import preset_config

#: Version of the generator: raised whenever the same configuration writes different data, so that a dataset
#: written by an older generator is never reused (it names the dataset's folder).
GENERATOR_VERSION = 1
#: Wang2016's 40 targets: target ``k`` flickers at ``8 + 0.2 k`` Hz with phase ``0.5 pi k`` (joint frequency and
#: phase modulation; Wang et al. 2016, IEEE TNSRE 25:1746, table I).
ALL_FREQUENCIES: tuple[float, ...] = tuple(round(8.0 + 0.2 * k, 1) for k in range(40))
#: Harmonics of the flicker frequency in the response (the highest must lie below Nyquist).
N_HARMONICS = 3
#: The recorded channels, in the order they are chosen (``n_channels`` takes the first ones): the occipital and
#: parieto-occipital sites first, then the rest of Wang2016's 64 channels in its order. The six that the
#: easycap-M1 montage lacks are replaced by their neighbours: PO5/PO6 by PO9/PO10, CB1/CB2 (cerebellar) by
#: O9/O10, the mastoids M1/M2 by TP9/TP10.
CHANNELS: tuple[str, ...] = (
    "Oz", "O1", "O2", "POz", "PO3", "PO4", "PO7", "PO8", "PO9", "PO10", "O9", "O10",
    "Pz", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8",
    "Fp1", "Fpz", "Fp2", "AF3", "AF4", "F7", "F5", "F3", "F1", "Fz", "F2", "F4", "F6", "F8",
    "FT7", "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6", "FT8", "T7", "C5", "C3", "C1", "Cz", "C2", "C4", "C6",
    "T8", "TP9", "TP7", "CP5", "CP3", "CP1", "CPz", "CP2", "CP4", "CP6", "TP8", "TP10",
)


def class_name(frequency: float) -> str:
    """The event name of a flicker frequency, as MOABB's Wang2016 names it: ``"8"``, ``"8.2"``, ..., ``"15.8"``."""
    return f"{frequency:g}"


def target_phase(frequency: float) -> float:
    """The flicker's phase (rad, in ``[0, 2 pi)``) of the Wang2016 target at ``frequency`` Hz."""
    return (0.5 * math.pi * round((frequency - 8.0) / 0.2)) % (2 * math.pi)


class SsvepConfig(BaseModel):
    """Parameters of the simulated SSVEP study (field defaults: the ``default`` preset).

    Every subject does ``n_blocks`` blocks (one recording each); a block presents every target of
    ``frequencies`` once, in a shuffled order, as Wang2016's six blocks of 40 trials. A trial is ``cue`` seconds
    of cue, ``flicker`` seconds of flicker of all targets and ``rest`` seconds of blank screen. On a trial the
    subject fixates the cued target, except with probability ``lapse``, when another of the targets (uniformly
    drawn) is fixated instead. ``snr`` scales the steady-state response against the 1/f background (1: about
    3 µV at the fundamental of 8 Hz at Oz, under 22 µV RMS of background); ``local_noise`` is the share of the
    background's variance that is channel-local.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(0, ge=0)
    n_subjects: int = Field(10, ge=2, le=99)
    n_blocks: int = Field(4, ge=1, le=12)
    frequencies: tuple[float, ...] = (8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0)
    sfreq: float = Field(250.0, ge=100.0, le=2000.0)
    n_channels: int = Field(64, ge=8, le=len(CHANNELS))
    cue: float = Field(0.5, gt=0.0, le=5.0)
    flicker: float = Field(5.0, ge=1.0, le=20.0)
    rest: float = Field(0.5, ge=0.0, le=5.0)
    lapse: float = Field(0.1, ge=0.0, le=0.5)
    snr: float = Field(1.0, gt=0.0)
    local_noise: float = Field(0.05, ge=0.0, le=1.0)
    line_freq: float = Field(50.0, gt=0.0)

    @model_validator(mode="after")
    def _check_consistency(self) -> "SsvepConfig":
        if len(self.frequencies) < 2 or len(set(self.frequencies)) != len(self.frequencies):
            raise ValueError(f"frequencies must be at least two distinct targets, not {list(self.frequencies)}")
        off_grid = [f for f in self.frequencies if f not in ALL_FREQUENCIES]
        if off_grid:
            raise ValueError(f"frequencies {off_grid} are not Wang2016 targets (8 to 15.8 Hz in steps of 0.2 Hz)")
        if N_HARMONICS * max(self.frequencies) >= self.sfreq / 2:
            raise ValueError(f"harmonic {N_HARMONICS} of {max(self.frequencies)} Hz must lie below Nyquist "
                             f"({self.sfreq / 2} Hz)")
        if self.line_freq >= self.sfreq / 2:
            raise ValueError(f"line_freq ({self.line_freq}) must be below Nyquist ({self.sfreq / 2})")
        return self

    @property
    def classes(self) -> tuple[str, ...]:
        """The event names of the targets, in the order of :attr:`frequencies`."""
        return tuple(class_name(f) for f in self.frequencies)

    @property
    def interval(self) -> tuple[float, float]:
        """The flicker (s from the cue), MOABB's ``interval`` of Wang2016: events are written at its start."""
        return (self.cue, self.cue + self.flicker)

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> "SsvepConfig":
        """A named configuration (see :data:`PRESETS`), optionally with fields overridden."""
        return preset_config(cls, PRESETS, name, overrides, "simulated SSVEP")


#: Named configurations: field values that differ from the defaults.
PRESETS: dict[str, dict[str, Any]] = {
    # 10 subjects x 4 blocks x 8 targets (8-15 Hz, 1 Hz apart) of 64-channel EEG at 250 Hz, as Wang2016.
    "default": {},
    # For tests: 5 subjects (3 train, 1 val, 1 test across subjects) x 4 blocks of the 8 targets, 16 channels, and
    # snr 3, so that a covariance decoder learns the frequency-tuned topographies from 3 subjects.
    "tiny": dict(n_subjects=5, n_channels=16, snr=3.0),
}
