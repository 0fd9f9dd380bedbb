from __future__ import annotations

import numpy as np
import pytest

from neuroarena.studies.simulated import brain
from neuroarena.studies.simulated.config import SimulationConfig


@pytest.mark.parametrize("n_channels", [8, 22, 32, 63, 74])
def test_electrodes_spread_and_include_the_key_sites(n_channels):
    electrodes = brain.select_electrodes(n_channels)
    assert len(set(electrodes.names)) == n_channels
    assert {"Fp1", "Fp2", "O1", "O2", "Oz"} <= set(electrodes.names)
    assert np.allclose(np.linalg.norm(electrodes.unit_positions, axis=1), 1.0)
    distances = np.linalg.norm(electrodes.unit_positions[:, None] - electrodes.unit_positions[None], axis=-1)
    assert distances[~np.eye(n_channels, dtype=bool)].min() > 0.25  # no two electrodes closer than ~15 deg
    assert electrodes.names == brain.select_electrodes(n_channels).names


def test_electrodes_up_to_21_are_10_20_sites():
    assert set(brain.select_electrodes(21).names) == set(brain.PRIORITY_CHANNELS)
    assert not {"Iz", "F9", "TP10"} & set(brain.select_electrodes(60).names)


def test_gaussian_bump():
    positions = np.array([[0.0, 0.0, 1.0], [np.sin(0.45), 0.0, np.cos(0.45)], [1.0, 0.0, 0.0]])
    bump = brain.gaussian_bump(positions, np.array([0.0, 0.0, 2.0]), width=0.45)
    assert bump == pytest.approx([1.0, np.exp(-0.5), np.exp(-0.5 * (np.pi / 2 / 0.45) ** 2)])


def _setup(**fields):
    config = SimulationConfig.preset("tiny", **fields)
    electrodes = brain.select_electrodes(config.n_channels)
    return (config, brain.make_forward_model(config), brain.make_subject(config, electrodes, 0),
            brain.make_session(config, config.n_channels, 0, 0))


def test_response_is_linear_in_the_features():
    config, model, subject, session = _setup()
    times = np.arange(0, 0.8, 0.004)
    rng = np.random.default_rng(0)
    f1, f2 = rng.standard_normal((2, config.feature_dim))
    zero = np.zeros(config.feature_dim)
    r0, r1, r2, r12 = brain.expected_response(config, np.stack([zero, f1, f2, f1 + f2]), model, subject, session, times)
    assert np.allclose(r12 - r0, (r1 - r0) + (r2 - r0), atol=1e-18)
    assert np.abs(r1 - r0).max() > 0.1 * np.abs(r0).max()


def test_response_scale_and_latency():
    config, model, subject, session = _setup()
    times = np.arange(-0.2, 0.8, 0.001)
    zero = np.zeros((1, config.feature_dim))
    response = brain.expected_response(config, zero, model, subject, session, times)[0]
    assert np.all(np.abs(response[:, times < 0]) < 1e-3 * np.abs(response).max())  # nothing before onset
    peak_volts = np.abs(response).max()
    assert 1e-6 < peak_volts < 5e-5  # microvolt scale
    doubled = brain.expected_response(SimulationConfig.preset("tiny", snr=2 * config.snr), zero, model, subject, session,
                                      times)
    assert np.allclose(doubled[0], 2 * response)
    shifted = brain.SubjectBrain(subject.patterns, subject.latency_shift + 0.05, subject.gain, subject.alpha_freq)
    later = brain.expected_response(config, zero, model, shifted, session, times)[0]
    assert np.allclose(later[:, 50:], response[:, :-50], atol=1e-3 * peak_volts)


def test_subjects_differ_and_are_deterministic():
    config = SimulationConfig.preset("tiny")
    electrodes = brain.select_electrodes(config.n_channels)
    a, b = brain.make_subject(config, electrodes, 0), brain.make_subject(config, electrodes, 1)
    assert np.array_equal(a.patterns, brain.make_subject(config, electrodes, 0).patterns)
    assert not np.allclose(a.patterns, b.patterns)
    assert 9.0 <= a.alpha_freq <= 11.0
    occipital = electrodes.names.index("Oz")
    frontal = electrodes.names.index("Fp1")
    assert a.patterns[occipital, 0] > 5 * a.patterns[frontal, 0]  # the first source is occipital
