from __future__ import annotations

import pytest
from pydantic import ValidationError

from neuroarena.prepare.config import PrepareConfig


def test_defaults_derive_window_samples():
    config = PrepareConfig()
    assert config.n_times == 100
    assert config.start_offset == -20
    assert config.baseline_slice == slice(0, 20)


def test_derived_samples_follow_sfreq_and_window():
    config = PrepareConfig(sfreq=250.0, window_start=-0.1, window_duration=0.8, baseline=(-0.1, 0.0))
    assert (config.n_times, config.start_offset, config.baseline_slice) == (200, -25, slice(0, 25))


@pytest.mark.parametrize("bad", [
    {"l_freq": 40.0, "h_freq": 30.0},
    {"baseline": (-0.5, 0.0)},
    {"baseline": (0.1, 0.1)},
    {"dtype": "float16", "scaling": "none"},
    {"picks": ["Cz", "Cz"]},
    {"window_duration": 0.001},
    {"unknown": 1},
])
def test_inconsistent_configs_are_rejected(bad):
    with pytest.raises(ValidationError):
        PrepareConfig(**bad)


def test_config_is_frozen():
    with pytest.raises(ValidationError):
        PrepareConfig().sfreq = 50.0
