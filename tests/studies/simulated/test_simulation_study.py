from __future__ import annotations

import numpy as np

from neuroarena.hashing import stable_hash
from neuroarena.studies.simulated.config import SimulationConfig
from neuroarena.studies.simulated.stimuli import make_stimuli
from neuroarena.studies.simulated.study import Simulated


def test_default_root_is_keyed_by_the_config(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROARENA_HOME", str(tmp_path))
    study = Simulated(preset="tiny")
    assert study.root == tmp_path / "data" / f"simulated-{stable_hash(SimulationConfig.preset('tiny'))}"
    assert Simulated().config == SimulationConfig()
    assert Simulated(preset="tiny").root != Simulated(config=SimulationConfig.preset("tiny", seed=1)).root
    assert not study.root.exists()  # nothing is written until asked


def test_recordings_and_events(tiny_study):
    recordings = tiny_study.recordings()
    assert [(r.study, r.subject, r.session) for r in recordings] == [
        ("Simulated", "01", "1"), ("Simulated", "01", "2"), ("Simulated", "02", "1"), ("Simulated", "02", "2"),
    ]
    events = recordings[2].events()
    test_counts = events.loc[events["split"] == "test", "stimulus"].value_counts()
    assert len(test_counts) == 20 and set(test_counts) == {4}
    train_counts = events.loc[events["split"] == "train", "stimulus"].value_counts()
    assert len(train_counts) == 160 and set(train_counts) == {1}
    assert not set(test_counts.index) & set(train_counts.index)
    stimuli = make_stimuli(tiny_study.config).to_frame()
    assert (events["category"].to_numpy() == stimuli.loc[events["stimulus"], "category"].to_numpy()).all()


def test_stimulus_features_and_params(tiny_study):
    features = tiny_study.stimulus_features()
    assert features.shape == (180, 8)
    assert list(features.columns) == [f"f{i}" for i in range(8)]
    assert np.array_equal(features.loc["test_0002"].to_numpy(), make_stimuli(tiny_study.config).features[162])
    params = tiny_study.params()
    assert params["name"] == "Simulated" and params["config"]["n_channels"] == 32
    assert Simulated.aliases == ("simulated",)
