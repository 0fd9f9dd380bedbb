"""What the simulated THINGS-like experiment looks like: one frozen configuration."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from neuroarena.errors import NeuroarenaError

#: Number of channels in the montage the simulator draws from (``easycap-M1``).
MAX_CHANNELS = 74
#: Number of named stimulus categories (the THINGS high-level categories).
MAX_CATEGORIES = 27
#: Version of the generator: raised whenever the same configuration writes different data, so that a
#: dataset written by an older generator is never reused (it names the dataset's folder).
GENERATOR_VERSION = 2


class SimulationConfig(BaseModel):
    """Parameters of the simulated visual experiment (the field defaults are the base the :data:`PRESETS` change).

    Every subject sees, in every session, each training stimulus ``train_repeats``
    times and each test stimulus ``test_repeats`` times in a shuffled order, one
    stimulus every ``soa`` seconds (onsets jittered by up to ``soa_jitter``).
    The evoked response depends linearly on each stimulus' latent features; ``snr``
    scales it against the background noise (higher is easier; 1 gives the amplitudes
    and single-trial SNR of real visual ERPs). ``local_noise`` is the share of the
    background's variance that is channel-local rather than spread over the scalp from
    shared generators (higher is harder for decoders that combine channels).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(0, ge=0)
    n_subjects: int = Field(4, ge=1, le=99)
    n_sessions: int = Field(3, ge=1, le=9)
    n_channels: int = Field(63, ge=8, le=MAX_CHANNELS)
    sfreq: float = Field(250.0, ge=100.0, le=2000.0)
    n_categories: int = Field(20, ge=2, le=MAX_CATEGORIES)
    n_train_concepts: int = Field(120, ge=2)
    n_test_concepts: int = Field(40, ge=2)
    train_repeats: int = Field(1, ge=1)
    test_repeats: int = Field(6, ge=1)
    feature_dim: int = Field(16, ge=8, le=256)
    category_share: float = Field(0.5, ge=0.0, le=1.0)
    n_sources: int = Field(4, ge=1, le=8)
    soa: float = Field(0.6, gt=0.0)
    soa_jitter: float = Field(0.1, ge=0.0)
    stimulus_duration: float = Field(0.1, gt=0.0)
    snr: float = Field(1.0, gt=0.0)
    local_noise: float = Field(0.001, ge=0.0, le=1.0)
    line_freq: float = Field(50.0, gt=0.0)

    @model_validator(mode="after")
    def _check_consistency(self) -> "SimulationConfig":
        if self.soa_jitter >= self.soa:
            raise ValueError(f"soa_jitter ({self.soa_jitter}) must be smaller than soa ({self.soa})")
        if self.stimulus_duration > self.soa - self.soa_jitter:
            raise ValueError("stimulus_duration must fit in the shortest interval soa - soa_jitter")
        if self.line_freq >= self.sfreq / 2:
            raise ValueError(f"line_freq ({self.line_freq}) must be below Nyquist ({self.sfreq / 2})")
        if min(self.n_train_concepts, self.n_test_concepts) < self.n_categories:
            raise ValueError("n_train_concepts and n_test_concepts must each be >= n_categories")
        return self

    @property
    def n_trials(self) -> int:
        """Stimulus presentations per session."""
        return self.n_train_concepts * self.train_repeats + self.n_test_concepts * self.test_repeats

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> "SimulationConfig":
        """A named configuration (see :data:`PRESETS`), optionally with fields overridden."""
        if name not in PRESETS:
            raise NeuroarenaError(
                f"unknown simulation preset {name!r}",
                fix=f"use one of {', '.join(sorted(PRESETS))}",
            )
        try:
            return cls(**{**PRESETS[name], **overrides})
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "config"
            raise NeuroarenaError(f"simulation {where}: {first['msg']}",
                                  fix=f"see the fields of SimulationConfig ({', '.join(cls.model_fields)})") from None


#: Named configurations: field values that differ from the defaults.
PRESETS: dict[str, dict[str, Any]] = {
    # For tests: small, fast (< 5 s to write), real single-trial SNR, and still decodable (most of each
    # image's features is its category's).
    "tiny": dict(
        n_subjects=2, n_sessions=3, n_channels=32, n_categories=4, n_train_concepts=120,
        n_test_concepts=20, train_repeats=1, test_repeats=4, feature_dim=8, category_share=0.9, snr=1.1,
    ),
    # The README demo, sized so that on 2 cores the standard recipe (lr 1e-4, warm-up, patience 10) ranks
    # every kind of model apart: 3 subjects x 5 sessions (3 train, 1 val, 1 test for the category task),
    # 80 unseen test images (Top-5 chance 0.0625) seen 4 times per session, 8 categories with a strong
    # category part, each training image twice per session (the evoked response has the real single-trial
    # SNR, 0.35-0.5 at Oz; the decoders combine channels to undo the background and repeats to learn).
    "default": dict(
        n_subjects=3, n_sessions=5, n_channels=32, n_categories=8, n_train_concepts=160, n_test_concepts=80,
        train_repeats=2, test_repeats=4, category_share=0.75, snr=1.5,
    ),
    # Speed benchmark: 8 subjects x 1 session x 4 min of 22-channel EEG; 1 s windows never overlap.
    "neuralbench": dict(
        n_subjects=8, n_sessions=1, n_channels=22, n_categories=4, n_train_concepts=160,
        n_test_concepts=20, train_repeats=1, test_repeats=2, soa=1.18, soa_jitter=0.1,
    ),
}
