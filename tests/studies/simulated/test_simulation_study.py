from __future__ import annotations

import numpy as np

from neuroarena.hashing import stable_hash
from neuroarena.studies.simulated.config import SimulationConfig
from neuroarena.studies.simulated.stimuli import make_stimuli
from neuroarena.studies.simulated.study import Simulated


def test_default_root_is_keyed_by_the_config_and_the_generator(tmp_path, monkeypatch):
    from neuroarena.studies.simulated import study as study_module

    monkeypatch.setenv("NEUROARENA_HOME", str(tmp_path))
    study = Simulated(preset="tiny")
    key = {"config": SimulationConfig.preset("tiny"), "generator": study_module.GENERATOR_VERSION}
    assert study.root == tmp_path / "data" / f"simulated-{stable_hash(key)}"
    assert study.params()["generator"] == study_module.GENERATOR_VERSION
    # data of an older generator are never reused: its folder has another name
    monkeypatch.setattr(study_module, "GENERATOR_VERSION", study_module.GENERATOR_VERSION - 1)
    assert Simulated(preset="tiny").root != study.root
    monkeypatch.undo()
    monkeypatch.setenv("NEUROARENA_HOME", str(tmp_path))
    assert Simulated().config == SimulationConfig.preset("default")
    assert Simulated(config={"snr": 4.0}).config == SimulationConfig.preset("default", snr=4.0)
    assert Simulated(preset="tiny").root != Simulated(config=SimulationConfig.preset("tiny", seed=1)).root
    assert not study.root.exists()  # nothing is written until asked


def test_recordings_and_events(tiny_study):
    recordings = tiny_study.recordings()
    assert [(r.study, r.subject, r.session) for r in recordings] == [
        ("Simulated", s, k) for s in ("01", "02") for k in ("1", "2", "3")
    ]
    events = recordings[2].events()
    test_counts = events.loc[events["split"] == "test", "stimulus"].value_counts()
    assert len(test_counts) == 20 and set(test_counts) == {4}
    train_counts = events.loc[events["split"] == "train", "stimulus"].value_counts()
    assert len(train_counts) == 120 and set(train_counts) == {1}
    assert not set(test_counts.index) & set(train_counts.index)
    stimuli = make_stimuli(tiny_study.config).to_frame()
    assert (events["category"].to_numpy() == stimuli.loc[events["stimulus"], "category"].to_numpy()).all()


def test_stimulus_features_and_params(tiny_study):
    features = tiny_study.stimulus_features()
    assert features.shape == (140, 8)
    assert list(features.columns) == [f"f{i}" for i in range(8)]
    assert np.array_equal(features.loc["test_0002"].to_numpy(), make_stimuli(tiny_study.config).features[122])
    params = tiny_study.params()
    assert params["name"] == "Simulated" and params["config"]["n_channels"] == 32
    assert Simulated.aliases == ("simulated",)


def test_stimuli_have_rendered_images_and_captions(tiny_study):
    from PIL import Image

    stimuli = tiny_study.stimuli()
    truth = make_stimuli(tiny_study.config)
    assert list(stimuli.columns) == ["image", "category", "caption", "split"]
    assert stimuli.index.tolist() == list(truth.ids)
    assert stimuli["caption"].tolist() == list(truth.captions)
    assert (stimuli["split"] == "test").sum() == 20
    image = Image.open(stimuli.loc["test_0002", "image"])
    assert image.size == (96, 96) and image.mode == "RGB"
    pixels = np.asarray(image)
    colour = truth.captions[122].split()[5]  # "a photo of a <size> <colour> ..."
    from neuroarena.studies.simulated.images import RGB

    assert (np.abs(pixels.astype(int) - RGB[colour]).sum(axis=2) < 3).sum() > 20  # the object has its colour
    assert tiny_study.preferred_embedder("image") == "features"
    assert tiny_study.preferred_embedder("caption") == "minilm"
