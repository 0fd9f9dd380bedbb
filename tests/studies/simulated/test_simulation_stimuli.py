from __future__ import annotations

import numpy as np

from neuroarena.studies.simulated.config import SimulationConfig
from neuroarena.studies.simulated.stimuli import _caption, make_stimuli


def test_splits_are_disjoint_and_cover_every_category():
    config = SimulationConfig.preset("tiny")
    stimuli = make_stimuli(config)
    train = [i for i, s in zip(stimuli.ids, stimuli.splits) if s == "train"]
    test = [i for i, s in zip(stimuli.ids, stimuli.splits) if s == "test"]
    assert (len(train), len(test)) == (120, 20)
    assert train[3] == "train_0003" and test[7] == "test_0007"
    assert not set(train) & set(test)
    assert np.bincount(stimuli.category_index[:120]).tolist() == [30, 30, 30, 30]
    assert np.bincount(stimuli.category_index[120:]).tolist() == [5, 5, 5, 5]
    assert stimuli.category_names == ("animal", "food", "vehicle", "tool")
    assert stimuli.features.shape == (140, 8)


def test_category_is_decodable_from_features():
    stimuli = make_stimuli(SimulationConfig())
    distances = ((stimuli.features[:, None] - stimuli.prototypes[None]) ** 2).sum(-1)
    accuracy = np.mean(distances.argmin(1) == stimuli.category_index)
    assert accuracy > 0.9  # chance is 1/20


def test_caption_reads_attributes_off_the_features():
    individual = np.array([1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, -1.0])  # large; 3rd colour; negative texture
    assert _caption("tool", individual) == "a photo of a large blue tool that is smooth"
    individual = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 1.0])
    assert _caption("bird", individual) == "a photo of a medium-sized white bird that is rough"


def test_deterministic_in_seed():
    a, b = make_stimuli(SimulationConfig()), make_stimuli(SimulationConfig())
    c = make_stimuli(SimulationConfig(seed=1))
    assert np.array_equal(a.features, b.features) and a.captions == b.captions
    assert not np.allclose(a.features, c.features)


def test_frame():
    frame = make_stimuli(SimulationConfig.preset("tiny")).to_frame()
    assert frame.index.name == "stimulus"
    assert list(frame.columns) == ["category", "caption", "split"] + [f"f{i}" for i in range(8)]
    assert frame.loc["test_0000", "split"] == "test"
