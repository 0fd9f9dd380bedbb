"""What shapes a window store: filtering, referencing, resampling, windowing, scaling."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


#: Volts to microvolts: the factor of ``scaling: microvolts``.
MICROVOLTS = 1e6


class PrepareConfig(BaseModel):
    """Preprocessing and windowing of one study; its hash keys the window store.

    Times (``window_start``, ``window_duration``, ``baseline``) are in seconds
    relative to the event onset. A window holds the samples at
    ``window_start + k / sfreq`` for ``k = 0 .. n_times - 1``; the baseline is the
    mean over the window samples with ``baseline[0] <= t < baseline[1]``.
    Scaling is per recording and per channel, computed on that recording's windows:
    ``robust`` subtracts the median and divides by the inter-quartile range,
    ``standard`` the mean and the standard deviation; ``microvolts`` only multiplies volts by 1e6
    (:data:`MICROVOLTS`), a fixed map that a model given raw volts (a competition's scorer) can apply
    itself.
    ``notch`` lists line-noise frequencies to remove, or ``"line"``: the recording's own power-line
    frequency (``raw.info["line_freq"]``, else the study's). ``picks`` selects (and orders) channels
    the recordings have; ``channels`` is the exact output channel list, and with
    ``interpolate_missing`` a channel a recording lacks is interpolated (spherical splines) from the
    channels it has, at its standard 10-05 position.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    l_freq: float | None = Field(0.5, gt=0)
    h_freq: float | None = Field(40.0, gt=0)
    notch: list[float] | Literal["line"] = Field(default_factory=lambda: [50.0])
    sfreq: float = Field(100.0, gt=0)
    reference: Literal["average"] | list[str] | None = "average"
    window_start: float = -0.2
    window_duration: float = Field(1.0, gt=0)
    baseline: tuple[float, float] | None = (-0.2, 0.0)
    scaling: Literal["robust", "standard", "microvolts", "none"] = "robust"
    clip: float | None = Field(20.0, gt=0)
    dtype: Literal["float16", "float32"] = "float16"
    event_kind: str = "stimulus"
    picks: list[str] | None = None
    channels: list[str] | None = None
    interpolate_missing: bool = False

    @property
    def n_times(self) -> int:
        """Samples per window: ``round(window_duration * sfreq)``."""
        return round(self.window_duration * self.sfreq)

    @property
    def start_offset(self) -> int:
        """Samples from the event onset to the first window sample: ``round(window_start * sfreq)``."""
        return round(self.window_start * self.sfreq)

    @property
    def baseline_slice(self) -> slice | None:
        """Window samples averaged for the baseline, or None without baseline correction."""
        if self.baseline is None:
            return None
        first = round((self.baseline[0] - self.window_start) * self.sfreq)
        stop = round((self.baseline[1] - self.window_start) * self.sfreq)
        return slice(first, stop)

    @model_validator(mode="after")
    def _check_consistency(self) -> PrepareConfig:
        if self.l_freq is not None and self.h_freq is not None and self.l_freq >= self.h_freq:
            raise ValueError(f"l_freq ({self.l_freq}) must be below h_freq ({self.h_freq})")
        if self.n_times < 1:
            raise ValueError("window_duration * sfreq must be at least one sample")
        if self.baseline is not None:
            window = self.baseline_slice
            if not 0 <= window.start < window.stop <= self.n_times:
                raise ValueError(
                    f"baseline {self.baseline} must hold at least one sample inside the window "
                    f"[{self.window_start}, {self.window_start + self.window_duration})"
                )
        if self.dtype == "float16" and self.scaling == "none":
            raise ValueError("dtype float16 needs scaling 'robust' or 'standard' (volts underflow float16)")
        if self.picks is not None and len(set(self.picks)) != len(self.picks):
            raise ValueError("picks lists a channel twice")
        if self.channels is not None:
            if self.picks is not None:
                raise ValueError("set either picks or channels, not both")
            if not self.channels or len({name.lower() for name in self.channels}) != len(self.channels):
                raise ValueError("channels must list each channel once")
        elif self.interpolate_missing:
            raise ValueError("interpolate_missing needs channels (the output channel list)")
        return self
