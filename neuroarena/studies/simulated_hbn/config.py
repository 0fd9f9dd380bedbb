"""What the simulated HBN challenge data look like: one frozen configuration, and its presets."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from neuroarena.errors import NeuroarenaError

#: Version of the generator: raised whenever the same configuration writes different data, so that a dataset
#: written by an older generator is never reused (it names the dataset's folder).
GENERATOR_VERSION = 2
#: The simulated releases: R1-R4 for training, R5 (the challenge's local test release) for testing.
RELEASES: tuple[str, ...] = ("R1", "R2", "R3", "R4", "R5")
MovieTask = Literal["DespicableMe", "ThePresent", "DiaryOfAWimpyKid", "FunwithFractals"]


class SimulatedHbnConfig(BaseModel):
    """Parameters of the simulated HBN releases (field defaults: the ``default`` preset).

    Each training release (R1-R4) has ``subjects_per_release`` subjects and the test release R5
    ``test_subjects``, enough subjects for a subject-level score. Every subject does ``ccd_runs``
    contrast-change runs of ``trials_per_run`` trials, watches ``movie`` (``movie_seconds`` long, the same
    film for all) and rests for ``rest_seconds``. ``rt_snr`` scales the centro-parietal build-up whose slope
    sets each response time, ``movie_snr`` the movie-driven sources (2 by default: at 1 their 4 µV sat so far
    under the 22 µV background that a pretrained EEGNet matched windows of one movie time across subjects
    at chance, 0.020 among 60 times; at 2 nearest neighbours on the raw windows match 0.16-0.24 of them and
    a pretrained EEGNet 0.34),
    ``trait_coupling`` is the correlation of ``externalizing`` with the subject's EEG-coupled latent and
    ``theta_modulation`` how much that latent moves frontal theta (log amplitude per standard deviation).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(0, ge=0)
    subjects_per_release: int = Field(6, ge=2, le=60)
    test_subjects: int = Field(16, ge=2, le=300)
    ccd_runs: int = Field(3, ge=1, le=3)
    trials_per_run: int = Field(16, ge=4, le=200)
    movie: MovieTask = "ThePresent"
    movie_seconds: float = Field(120.0, ge=10.0, le=1200.0)
    rest_seconds: float = Field(60.0, ge=10.0, le=1200.0)
    rt_snr: float = Field(1.0, gt=0.0)
    movie_snr: float = Field(2.0, gt=0.0)
    trait_coupling: float = Field(0.5, ge=0.0, le=0.95)
    theta_modulation: float = Field(0.3, ge=0.0, le=1.0)

    @property
    def n_subjects(self) -> int:
        """Subjects in all releases."""
        return self.subjects_per_release * (len(RELEASES) - 1) + self.test_subjects

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> "SimulatedHbnConfig":
        """A named configuration (see :data:`PRESETS`), optionally with fields overridden."""
        if name not in PRESETS:
            raise NeuroarenaError(f"unknown simulated-HBN preset {name!r}",
                                  fix=f"use one of {', '.join(sorted(PRESETS))}")
        try:
            return cls(**{**PRESETS[name], **overrides})
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "config"
            raise NeuroarenaError(f"simulated-HBN {where}: {first['msg']}",
                                  fix=f"see the fields of SimulatedHbnConfig ({', '.join(cls.model_fields)})") from None


#: Named configurations: field values that differ from the defaults.
PRESETS: dict[str, dict[str, Any]] = {
    # 40 subjects (6 per training release, 16 in R5), 3 x 16 trials, 2 min of film, 1 min of rest: about 8 min
    # of 129-channel EEG per subject (some 600 MB of BDF in all).
    "default": {},
    # For tests: 10 subjects, 2 x 10 trials, 30 s of film, 20 s of rest; some 65 MB, written in a few seconds.
    "tiny": dict(subjects_per_release=2, test_subjects=2, ccd_runs=2, trials_per_run=10, movie_seconds=30.0,
                 rest_seconds=20.0),
}
