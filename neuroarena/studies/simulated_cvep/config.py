"""What the simulated c-VEP study looks like: one frozen configuration, and its presets."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from neuroarena.studies.simulated_bids import preset_config

#: Version of the generator: raised whenever the same configuration writes different data, so that a dataset
#: written by an older generator is never reused (it names the dataset's folder).
GENERATOR_VERSION = 1
#: Thielen2021's 8 channels, as MOABB names them (a montage optimized for c-VEP; Ahmadi et al. 2019, J. Neural
#: Eng. 16:066038).
CHANNELS: tuple[str, ...] = ("Fpz", "T7", "O1", "POz", "Oz", "Iz", "O2", "T8")
#: The event names of a bit, as MOABB's Thielen2021 names them: the screen flashes on ("1.0") or stays off.
ON, OFF = "1.0", "0.0"
#: MOABB's epoch of Thielen2021 (s from each bit): events are written at its start.
INTERVAL = (0.0, 0.3)


class CvepConfig(BaseModel):
    """Parameters of the simulated c-VEP study (field defaults: the ``default`` preset).

    Every subject does ``n_runs`` runs (one recording each) of ``trials_per_run`` trials; a trial shows a code of
    ``trial_bits`` bits at ``bit_rate`` bits per second (Thielen2021: one 126-bit cycle lasts 2.1 s at 60 Hz),
    then ``gap`` seconds of rest. Every bit is an event. Each "on" bit evokes a visual response, except with
    probability ``miss`` (a blink, a glance away); ``snr`` scales the response against the 1/f background (1: a
    P100 of about 4 µV at Oz per flash, under 22 µV RMS of background), ``local_noise`` is the share of the
    background's variance that is channel-local.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(0, ge=0)
    n_subjects: int = Field(10, ge=2, le=99)
    n_runs: int = Field(2, ge=1, le=9)
    trials_per_run: int = Field(10, ge=1, le=100)
    trial_bits: int = Field(126, ge=20, le=4000)
    bit_rate: float = Field(60.0, ge=10.0, le=120.0)
    sfreq: float = Field(240.0, ge=100.0, le=2000.0)
    gap: float = Field(1.0, ge=0.5, le=10.0)
    miss: float = Field(0.25, ge=0.0, lt=1.0)
    snr: float = Field(1.0, gt=0.0)
    local_noise: float = Field(0.05, ge=0.0, le=1.0)
    line_freq: float = Field(50.0, gt=0.0)

    @model_validator(mode="after")
    def _check_consistency(self) -> "CvepConfig":
        per_bit = self.sfreq / self.bit_rate
        if abs(per_bit - round(per_bit)) > 1e-9:
            raise ValueError(f"sfreq ({self.sfreq}) must be a multiple of bit_rate ({self.bit_rate}): every bit "
                             "starts on a sample")
        if self.line_freq >= self.sfreq / 2:
            raise ValueError(f"line_freq ({self.line_freq}) must be below Nyquist ({self.sfreq / 2})")
        return self

    @property
    def classes(self) -> tuple[str, ...]:
        """The event names of a bit: on, off."""
        return (ON, OFF)

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> "CvepConfig":
        """A named configuration (see :data:`PRESETS`), optionally with fields overridden."""
        return preset_config(cls, PRESETS, name, overrides, "simulated c-VEP")


#: Named configurations: field values that differ from the defaults.
PRESETS: dict[str, dict[str, Any]] = {
    # 10 subjects x 2 runs x 10 trials of 126 bits at 60 Hz (2,520 bits per subject), 8 channels at 240 Hz.
    "default": {},
    # For tests: 5 subjects (3 train, 1 val, 1 test across subjects) x 1 run x 6 trials (756 bits each), at 30 Hz
    # and snr 3: at 60 Hz ~20 flashes overlap in a 0.3 s window and no covariance decoder learns from 3 subjects.
    "tiny": dict(n_subjects=5, n_runs=1, trials_per_run=6, bit_rate=30.0, snr=3.0),
}
