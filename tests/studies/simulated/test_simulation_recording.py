from __future__ import annotations

from collections import Counter

import numpy as np

from neuroarena.studies.simulated.config import SimulationConfig
from neuroarena.studies.simulated.recording import n_samples, schedule, simulate_session
from neuroarena.studies.simulated.stimuli import make_stimuli

SMALL = dict(n_train_concepts=8, n_test_concepts=4, n_categories=2, train_repeats=2, test_repeats=3)


def test_same_seed_same_arrays_other_seed_other_arrays():
    config = SimulationConfig.preset("tiny", **SMALL)
    stimuli = make_stimuli(config)
    a = simulate_session(config, stimuli, 0, 1)
    b = simulate_session(config, stimuli, 0, 1)
    assert np.array_equal(a.data, b.data)
    assert a.events.equals(b.events)
    other_config = SimulationConfig.preset("tiny", seed=1, **SMALL)
    c = simulate_session(other_config, make_stimuli(other_config), 0, 1)
    assert not np.allclose(a.data, c.data)
    other_session = simulate_session(config, stimuli, 0, 0)
    assert not np.allclose(a.data, other_session.data)


def test_shape_and_scale():
    config = SimulationConfig.preset("tiny", **SMALL)
    session = simulate_session(config, make_stimuli(config), 1, 0)
    assert config.n_trials == 8 * 2 + 4 * 3
    assert session.data.shape == (32, n_samples(config)) == (32, round((4 + 28 * 0.6) * 250))
    assert session.sfreq == 250.0
    centred = session.data - np.median(session.data, axis=1, keepdims=True)
    assert 2e-6 < np.median(centred.std(axis=1)) < 5e-5  # tens of microvolts, in volts


def test_schedule_repeats_and_intervals():
    config = SimulationConfig.preset("tiny")
    stimuli = make_stimuli(config)
    order, onsets = schedule(config, stimuli, 0, 0)
    counts = Counter(stimuli.ids[i] for i in order)
    assert {counts[s] for s in stimuli.ids if s.startswith("test_")} == {4}
    assert {counts[s] for s in stimuli.ids if s.startswith("train_")} == {1}
    assert len(order) == 120 + 20 * 4
    gaps = np.diff(onsets) / config.sfreq
    assert gaps.min() >= config.soa - config.soa_jitter - 1 / config.sfreq
    assert gaps.max() <= config.soa + config.soa_jitter + 1 / config.sfreq
    assert onsets[0] >= 2.0 * config.sfreq and onsets[-1] + 0.8 * config.sfreq < n_samples(config)
    other_order, _ = schedule(config, stimuli, 1, 0)
    assert not np.array_equal(order, other_order)  # each subject has its own order
