"""Models of vision: the subject interface, layer commitment, the activation cache keyed by content, the zoo."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from neuroarena.alignment.activations import ExtractionLog, cached_activations
from neuroarena.alignment.networks import PixelNetwork, V1Network, efficientnet_lite, torchvision_network
from neuroarena.alignment.vision_model import VisionModel
from neuroarena.alignment.zoo import VISION_MODELS, identifier, register_vision_model, vision_model_names
from neuroarena.errors import NeuroarenaError


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """Six skimage photographs written as PNG files, as a stimulus table."""
    from skimage import data

    folder = tmp_path_factory.mktemp("photos")
    rows = {}
    for name in ("astronaut", "coffee", "chelsea", "rocket", "camera", "moon"):
        array = getattr(data, name)()
        image = Image.fromarray(array).convert("RGB").resize((64, 64))
        image.save(folder / f"{name}.png")
        rows[name] = str(folder / f"{name}.png")
    return pd.DataFrame({"image": rows}).rename_axis("stimulus")


def _table_model(features: np.ndarray, ids: list[str], layers=("a", "b", "c", "d", "e")) -> VisionModel:
    frame = pd.DataFrame(features, index=ids)
    return VisionModel("table", lambda stimuli, names: {n: frame.loc[stimuli.index].to_numpy() * (1 + i)
                                                        for i, n in enumerate(names)}, tuple(layers))


def test_regions_get_layers_by_depth_and_eeg_follows_it_unless_committed():
    model = _table_model(np.eye(3), ["x", "y", "z"])
    assert [model.layer_for(r) for r in ("V1", "V2", "V4", "IT", "eeg")] == ["b", "b", "c", "d", "d"]
    model.commit("eeg", "e")
    assert model.layer_for("eeg") == "e" and model.layer_for("IT") == "d"
    with pytest.raises(NeuroarenaError, match="no layer 'z'"):
        model.commit("V4", "z")
    with pytest.raises(NeuroarenaError, match="unknown recording target 'MT'"):
        model.start_recording("MT")


def test_recording_label_probabilities_and_odd_one_out_tasks():
    rng = np.random.default_rng(0)
    ids = [f"s{i}" for i in range(40)]
    labels = np.repeat(["cat", "dog"], 20)
    features = rng.normal(0, 0.3, (40, 4)) + np.where(labels == "cat", 2.0, -2.0)[:, None]
    model = _table_model(features, ids)
    stimuli = pd.DataFrame({"label": labels}, index=ids)
    model.start_recording("eeg", [(0.0, 10.0)])
    recording = model.look_at(stimuli)
    assert recording.values.shape == (40, 4) and recording.layer == "d" and recording.time_bins == [(0.0, 10.0)]
    model.start_task("label", stimuli.iloc[::2])
    assert (model.look_at(stimuli.iloc[1::2]) == labels[1::2]).all()  # held-out stimuli, separable classes
    model.start_task("probabilities", stimuli.iloc[::2])
    probabilities = model.look_at(stimuli.iloc[1::2])
    assert list(probabilities.columns) == ["cat", "dog"] and np.allclose(probabilities.sum(axis=1), 1.0)
    model.start_task("odd_one_out")
    odd = model.look_at(stimuli, triplets=np.array([[0, 1, 25], [30, 2, 31]]))
    assert odd.tolist() == [25, 2]  # the dog among two cats, the cat among two dogs
    model.start_task("passive")
    assert model.look_at(stimuli) is None
    with pytest.raises(NeuroarenaError, match="needs fitting stimuli"):
        model.start_task("label")


def test_activations_are_cached_by_content_not_by_name(photos, tmp_path):
    network, log = PixelNetwork(size=16), ExtractionLog()
    first = cached_activations(network, photos, ["pixels"], tmp_path, log)["pixels"]
    assert first.shape == (6, 256) and (log.extracted_layers, log.cached_layers, log.images) == (1, 0, 6)
    again = cached_activations(PixelNetwork(size=16), photos, ["pixels"], tmp_path, log)["pixels"]
    assert np.array_equal(first, again) and (log.extracted_layers, log.cached_layers) == (1, 1)
    key = log.keys["pixels"]
    cached_activations(PixelNetwork(size=8), photos, ["pixels"], tmp_path, log)  # other preprocessing
    assert log.keys["pixels"] != key and log.extracted_layers == 2
    # the same file names with other pixels are another stimulus set
    edited = tmp_path / "edited"
    edited.mkdir()
    moved = photos.copy()
    for name, path in photos["image"].items():
        image = Image.open(path)
        (image.rotate(90) if name == "moon" else image).save(edited / f"{name}.png")
        moved.loc[name, "image"] = str(edited / f"{name}.png")
    changed = cached_activations(PixelNetwork(size=16), moved, ["pixels"], tmp_path, log)["pixels"]
    assert log.extracted_layers == 3
    assert np.array_equal(changed[:5], first[:5]) and not np.array_equal(changed[5], first[5])


def test_v1_efficientnet_and_untrained_torchvision_layers(photos):
    images = [Image.open(p).convert("RGB") for p in photos["image"]]
    v1 = V1Network(size=32).activations(images, ["s1", "c1"])
    assert all(v.shape[0] == 6 and np.isfinite(v).all() for v in v1.values())
    lite = efficientnet_lite(size=64)
    out = lite.activations(images[:2], [lite.layers[0], lite.layers[-1]])
    assert out[lite.layers[0]].shape[0] == 2
    assert out[lite.layers[-1]].shape == (2, 1280 * 4)  # a 2 x 2 map at 64 px: not pooled
    untrained = efficientnet_lite(size=64, pretrained=False)
    assert untrained.content["weights"] != lite.content["weights"]  # the random control is another network
    net = torchvision_network("resnet18", None, pretrained=False, size=32)
    layers = net.activations(images[:3], ["layer1", "avgpool"])
    assert layers["layer1"].shape == (3, 64 * 16) and layers["avgpool"].shape == (3, 512)


def test_missing_weights_say_what_to_download_and_unknown_models_list_the_known():
    with pytest.raises(NeuroarenaError, match=r"download https://download\.pytorch\.org/.*resnet18"):
        torchvision_network("resnet18", None)
    with pytest.raises(NeuroarenaError, match="unknown model of vision 'resnet1000'"):
        vision_model_names(["resnet1000"])
    assert vision_model_names(["all_vision", "pixels"]) == ["pixels", "v1", "efficientnet-lite0", "random", "oracle"]
    assert identifier("resnet18", pretrained=False) == "resnet18-untrained"
    assert identifier("pixels", pretrained=False) == "pixels"  # nothing to untrain


def test_users_register_their_own_models():
    from neuroarena.alignment.zoo import Built

    @register_vision_model("mean-colour", "the image's mean RGB")
    def _build(context):
        def features(stimuli, layers):
            return {"rgb": np.stack([np.asarray(Image.open(p).convert("RGB")).mean(axis=(0, 1))
                                     for p in stimuli["image"]])}
        return Built(features, ("rgb",), {"kind": "mean-colour"})

    try:
        assert vision_model_names(["mean-colour"]) == ["mean-colour"]
    finally:
        VISION_MODELS.pop("mean-colour")


@pytest.fixture(scope="module")
def tiny_hf(tmp_path_factory):
    """A tiny DINOv2 and a tiny CLIP, random weights from a config, saved as local model folders."""
    from transformers import CLIPConfig, CLIPModel, Dinov2Config, Dinov2Model

    root = tmp_path_factory.mktemp("hf")
    Dinov2Model(Dinov2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                             image_size=32, patch_size=8)).save_pretrained(root / "dinov2")
    vision = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, image_size=32,
                  patch_size=8)
    text = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, vocab_size=100)
    CLIPModel(CLIPConfig(text_config=text, vision_config=vision, projection_dim=16)).save_pretrained(root / "clip")
    return root


def test_huggingface_vision_models_from_a_local_folder(tiny_hf, photos):
    from neuroarena.alignment.networks import huggingface_network

    images = [Image.open(p).convert("RGB") for p in photos["image"]][:3]
    for kind in ("dinov2", "clip"):
        net = huggingface_network(tiny_hf / kind, size=32)
        assert len(net.layers) == 2, net.layers  # the encoder blocks
        out = net.activations(images, list(net.layers))
        assert all(v.shape == (3, 32) and np.isfinite(v).all() for v in out.values())
        untrained = huggingface_network(tiny_hf / kind, pretrained=False, size=32)
        assert untrained.content["weights"] != net.content["weights"] and untrained.layers == net.layers
    with pytest.raises(NeuroarenaError, match="no HuggingFace model here"):
        huggingface_network(tiny_hf / "missing")
