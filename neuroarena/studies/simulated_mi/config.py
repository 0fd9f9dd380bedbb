"""What the simulated motor-imagery study looks like: one frozen configuration, and its presets."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from neuroarena.studies.simulated_bids import preset_config

#: Version of the generator: raised whenever the same configuration writes different data, so that a dataset
#: written by an older generator is never reused (it names the dataset's folder).
GENERATOR_VERSION = 1
#: The recorded channels, in the order they are chosen (``n_channels`` takes the first ones): the sensorimotor
#: 10-10 sites around C3 and C4 first, then the rest of BNCI2014_001's 22 channels, then other 10-20/10-10 sites.
CHANNELS: tuple[str, ...] = (
    "C3", "Cz", "C4", "FC3", "FC4", "CP3", "CP4", "C1", "C2", "C5", "C6",
    "Fz", "FC1", "FCz", "FC2", "CP1", "CPz", "CP2", "P1", "Pz", "P2", "POz",
    "F3", "F4", "P3", "P4", "FC5", "FC6", "CP5", "CP6", "T7", "T8",
)
#: The imagined movements the simulation knows (``rest``: no imagery after the cue).
ClassName = Literal["left_hand", "right_hand", "feet", "rest"]


class MotorImageryConfig(BaseModel):
    """Parameters of the simulated motor-imagery study (field defaults: the ``default`` preset).

    Every subject does ``n_sessions`` sessions of ``n_runs`` runs; each run holds ``trials_per_class`` trials of
    each class in a shuffled order. A trial is ``fixation`` seconds of fixation cross, the cue at t = 0 and
    ``imagery`` seconds of imagined movement; cues come every ``cue_interval`` seconds plus a rest of
    ``U(0, cue_jitter)`` seconds. During imagery the mu (10-12 Hz) and beta (18-24 Hz) rhythm of the
    sensorimotor cortex opposite the imagined hand loses ``erd`` of its amplitude (the subject's own depth
    varies around it, and each trial's around the subject's); the other rhythms grow by ``ers``. With
    ``feet`` among the classes a third, midline source (under Cz, the feet's cortex) desynchronizes in feet
    trials; ``rest`` trials modulate nothing. ``snr``
    scales the rhythms against the 1/f background (1: about 8 µV of mu over the motor cortex, under 22 µV RMS
    of background), ``local_noise`` is the share of the background's variance that is channel-local.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(0, ge=0)
    n_subjects: int = Field(10, ge=2, le=99)
    n_sessions: int = Field(1, ge=1, le=9)
    n_runs: int = Field(2, ge=1, le=9)
    trials_per_class: int = Field(20, ge=2, le=200)
    classes: tuple[ClassName, ...] = ("left_hand", "right_hand")
    sfreq: float = Field(250.0, ge=100.0, le=2000.0)
    n_channels: int = Field(22, ge=11, le=len(CHANNELS))
    fixation: float = Field(2.0, ge=0.5, le=10.0)
    imagery: float = Field(4.0, ge=1.0, le=10.0)
    cue_interval: float = Field(6.0, gt=0.0, le=30.0)
    cue_jitter: float = Field(0.5, ge=0.0, le=10.0)
    erd: float = Field(0.35, ge=0.0, lt=0.9)
    ers: float = Field(0.0, ge=0.0, le=1.0)
    snr: float = Field(1.0, gt=0.0)
    local_noise: float = Field(0.05, ge=0.0, le=1.0)
    line_freq: float = Field(50.0, gt=0.0)

    @model_validator(mode="after")
    def _check_consistency(self) -> "MotorImageryConfig":
        if len(set(self.classes)) != len(self.classes) or len(self.classes) < 2:
            raise ValueError(f"classes must be at least two distinct movements, not {list(self.classes)}")
        if self.cue_interval < self.fixation + self.imagery:
            raise ValueError(f"cue_interval ({self.cue_interval}) must hold fixation + imagery "
                             f"({self.fixation + self.imagery})")
        if self.line_freq >= self.sfreq / 2:
            raise ValueError(f"line_freq ({self.line_freq}) must be below Nyquist ({self.sfreq / 2})")
        return self

    @property
    def n_sources(self) -> int:
        """Sensorimotor sources simulated: left and right hand areas, and the midline one with ``feet``."""
        return 3 if "feet" in self.classes else 2

    @property
    def n_trials(self) -> int:
        """Trials per run."""
        return self.trials_per_class * len(self.classes)

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> "MotorImageryConfig":
        """A named configuration (see :data:`PRESETS`), optionally with fields overridden."""
        return preset_config(cls, PRESETS, name, overrides, "simulated motor imagery", "simulated motor-imagery")


#: Named configurations: field values that differ from the defaults.
PRESETS: dict[str, dict[str, Any]] = {
    # 10 subjects x 2 runs x 40 trials (20 per hand) of 22-channel EEG at 250 Hz, as BNCI2014_001's channels.
    "default": {},
    # For tests: 5 subjects (3 train, 1 val, 1 test across subjects) x 1 run x 24 trials, written in seconds.
    "tiny": dict(n_subjects=5, n_runs=1, trials_per_class=12),
    # BNCI2015_004-like: 9 subjects x 2 sessions of one run, four classes, 30 channels; trained on the first
    # session and tested on the second.
    "sessions": dict(n_subjects=9, n_sessions=2, n_runs=1, trials_per_class=20, n_channels=30,
                     classes=("left_hand", "right_hand", "feet", "rest"), erd=0.45),
    "sessions-tiny": dict(n_subjects=4, n_sessions=2, n_runs=1, trials_per_class=10, n_channels=22,
                          classes=("left_hand", "right_hand", "feet", "rest"), erd=0.5),
}
