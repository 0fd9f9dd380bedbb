from __future__ import annotations

import pydantic
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated.config import SimulationConfig


def test_presets():
    tiny = SimulationConfig.preset("tiny")
    assert (tiny.n_subjects, tiny.n_sessions, tiny.n_channels, tiny.n_categories) == (2, 3, 32, 4)
    assert tiny.n_trials == 120 * 1 + 20 * 4
    default = SimulationConfig.preset("default")
    assert (default.n_subjects, default.n_sessions, default.n_channels, default.n_categories) == (3, 5, 32, 8)
    assert (default.n_train_concepts, default.n_test_concepts, default.snr) == (160, 80, 1.5)
    assert default.n_trials == 160 * 2 + 80 * 4
    bench = SimulationConfig.preset("neuralbench")
    assert (bench.n_subjects, bench.n_sessions, bench.n_channels, bench.n_categories) == (8, 1, 22, 4)
    assert bench.soa - bench.soa_jitter > 1.0  # 1 s windows never overlap
    assert 4 + bench.n_trials * bench.soa == pytest.approx(240.0)  # 2 s lead-in and -out + 4 min


def test_preset_overrides_and_unknown_name():
    assert SimulationConfig.preset("tiny", seed=3).seed == 3
    with pytest.raises(NeuroarenaError, match="unknown simulation preset 'huge'"):
        SimulationConfig.preset("huge")
    with pytest.raises(NeuroarenaError, match="simulation snrr: Extra inputs are not permitted -> see the fields"):
        SimulationConfig.preset("default", snrr=3.0)


@pytest.mark.parametrize("fields, message", [
    (dict(soa=0.5, soa_jitter=0.5), "soa_jitter"),
    (dict(line_freq=150.0), "Nyquist"),
    (dict(n_test_concepts=10), "n_categories"),
    (dict(n_channels=100), "less than or equal to 74"),
    (dict(colour="red"), "Extra inputs"),
])
def test_invalid_configs(fields, message):
    with pytest.raises(pydantic.ValidationError, match=message):
        SimulationConfig(**fields)


def test_frozen():
    with pytest.raises(pydantic.ValidationError):
        SimulationConfig().seed = 1
