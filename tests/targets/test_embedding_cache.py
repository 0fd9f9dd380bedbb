"""The embedding cache: keyed by embedder and content, computed once, readable after a failure."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from neuroarena.errors import NeuroarenaError
from neuroarena.targets.embedders import EMBEDDERS, EmbedderConfig, cache as cache_module, embed as embed_module
from neuroarena.targets.embedders import embed_stimuli, resolve_embedder
from neuroarena.targets.embedders.cache import EmbeddingCache


@pytest.fixture(scope="module")
def tiny_dinov2(tmp_path_factory) -> Path:
    from transformers import BitImageProcessor, Dinov2Config, Dinov2Model

    folder = tmp_path_factory.mktemp("tiny-dinov2")
    torch.manual_seed(0)
    Dinov2Model(Dinov2Config(hidden_size=16, num_hidden_layers=3, num_attention_heads=2, intermediate_size=32,
                             image_size=28, patch_size=14)).save_pretrained(folder)
    BitImageProcessor(size={"shortest_edge": 28}, crop_size={"height": 28, "width": 28}).save_pretrained(folder)
    return folder


@pytest.fixture
def config(tiny_dinov2) -> EmbedderConfig:
    return EmbedderConfig(**{**resolve_embedder(tiny_dinov2).model_dump(), "image_size": 28, "batch_size": 2})


@pytest.fixture
def loads(monkeypatch) -> list:
    """Every encoder :func:`embed_stimuli` loads (the real loader, counted)."""
    loaded = []
    real = embed_module.load_encoder

    def counting(*args, **kwargs):
        loaded.append(real(*args, **kwargs))
        return loaded[-1]

    monkeypatch.setattr(embed_module, "load_encoder", counting)
    return loaded


def write_image(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)).save(path)
    return path


def table(paths: list[Path], ids: list[str] | None = None) -> pd.DataFrame:
    ids = ids or [p.stem for p in paths]
    return pd.DataFrame({"image": [str(p) for p in paths], "category": "c", "caption": "", "split": "train"},
                        index=pd.Index(ids, name="stimulus"))


def test_second_call_loads_no_model_and_returns_the_same_arrays(config, loads, tmp_path):
    paths = [write_image(tmp_path / f"img{i}.png", i) for i in range(3)]
    cache_root = tmp_path / "cache"
    first = embed_stimuli(config, table(paths), cache_root=cache_root)
    assert len(loads) == 1 and (first.attrs["computed"], first.attrs["cached"]) == (3, 0)
    second = embed_stimuli(config, table(paths), cache_root=cache_root)
    assert len(loads) == 1 and (second.attrs["computed"], second.attrs["cached"]) == (0, 3)
    np.testing.assert_array_equal(first.to_numpy(), second.to_numpy())
    assert first.dtypes.eq(np.float32).all()
    folder = cache_root / f"dinov2-{config.hash}"
    assert (folder / "config.json").is_file() and len(list(folder.glob("shard-*.npz"))) == 1


def test_keys_are_file_contents_not_names(config, loads, tmp_path):
    a, b = write_image(tmp_path / "a.png", 1), write_image(tmp_path / "b.png", 2)
    cache_root = tmp_path / "cache"
    # two ids share one file: one forward pass for both, identical rows
    first = embed_stimuli(config, table([a, a, b], ids=["x1", "x2", "x3"]), cache_root=cache_root)
    assert first.attrs["computed"] == 2 and first.index.tolist() == ["x1", "x2", "x3"]
    np.testing.assert_array_equal(first.loc["x1"], first.loc["x2"])
    # a renamed file is found in the cache
    renamed = tmp_path / "renamed.png"
    shutil.move(a, renamed)
    moved = embed_stimuli(config, table([renamed, b]), cache_root=cache_root)
    assert moved.attrs["computed"] == 0 and len(loads) == 1
    np.testing.assert_array_equal(moved.loc["renamed"], first.loc["x1"])
    # changed pixels change the bytes: computed again, and only that file
    pixels = np.asarray(Image.open(b)).copy()
    pixels[10:20, 15:25] = 255 - pixels[10:20, 15:25]
    Image.fromarray(pixels).save(b)
    edited = embed_stimuli(config, table([renamed, b]), cache_root=cache_root)
    assert (edited.attrs["computed"], edited.attrs["cached"]) == (1, 1) and len(loads) == 2
    assert not np.array_equal(edited.loc["b"], first.loc["x3"])


def test_each_configuration_has_its_own_entries(config, loads, tmp_path):
    paths = [write_image(tmp_path / f"img{i}.png", i) for i in range(2)]
    cache_root = tmp_path / "cache"
    mean = embed_stimuli(config, table(paths), cache_root=cache_root)
    cls_config = EmbedderConfig(**{**config.model_dump(), "pooling": "cls"})
    cls = embed_stimuli(cls_config, table(paths), cache_root=cache_root)
    assert cls.attrs["computed"] == 2 and not np.allclose(cls.to_numpy(), mean.to_numpy())
    bigger = EmbedderConfig(**{**config.model_dump(), "image_size": 42})
    assert embed_stimuli(bigger, table(paths), cache_root=cache_root).attrs["computed"] == 2
    again = embed_stimuli(config.model_copy(update={"batch_size": 5}), table(paths), cache_root=cache_root)
    assert again.attrs["computed"] == 0 and len(loads) == 3
    np.testing.assert_array_equal(again.to_numpy(), mean.to_numpy())
    assert sorted(p.name for p in cache_root.iterdir()) == sorted(
        f"dinov2-{c.hash}" for c in (config, cls_config, bigger))


def test_a_failure_midway_keeps_what_was_computed(config, loads, tmp_path):
    paths = [write_image(tmp_path / f"img{i}.png", i) for i in range(5)]
    paths[2].write_bytes(b"not an image")
    cache_root = tmp_path / "cache"
    with pytest.raises(NeuroarenaError) as error:
        embed_stimuli(config, table(paths), cache_root=cache_root)  # batches of 2: the second one fails
    assert str(error.value).startswith(f"{paths[2]}: cannot decode the image") and "\n" not in str(error.value)
    folder = cache_root / f"dinov2-{config.hash}"
    (folder / ".shard-00000000000000000000-dead.npz.x1y2.tmp").write_bytes(b"PK\x03\x04 half-written")  # a killed writer
    write_image(paths[2], 2)
    resumed = embed_stimuli(config, table(paths), cache_root=cache_root)
    assert (resumed.attrs["computed"], resumed.attrs["cached"]) == (3, 2)
    fresh = embed_stimuli(config, table(paths), cache_root=tmp_path / "fresh")
    np.testing.assert_allclose(resumed.to_numpy(), fresh.to_numpy(), atol=1e-6)


def test_many_shards_are_merged(config, loads, monkeypatch, tmp_path):
    monkeypatch.setattr(embed_module, "SHARD_ROWS", 1)
    monkeypatch.setattr(cache_module, "MAX_SHARDS", 2)
    paths = [write_image(tmp_path / f"img{i}.png", i) for i in range(5)]
    cache_root = tmp_path / "cache"
    first = embed_stimuli(config, table(paths), cache_root=cache_root)
    shards = EmbeddingCache(cache_root, config).shards()
    assert len(shards) == 1
    with np.load(shards[0]) as stored:
        assert stored["keys"].shape == (5,) and stored["vectors"].shape == (5, 16)
    second = embed_stimuli(config, table(paths), cache_root=cache_root)
    assert second.attrs["computed"] == 0
    np.testing.assert_array_equal(second.to_numpy(), first.to_numpy())


def test_bad_inputs_fail_before_any_model_loads(config, loads, tmp_path):
    present = write_image(tmp_path / "present.png", 0)
    missing = tmp_path / "missing.png"
    with pytest.raises(NeuroarenaError) as error:
        embed_stimuli(config, table([present, missing]), cache_root=tmp_path)
    assert str(error.value) == (f"{missing}: the image file of stimulus 'missing' does not exist -> download the "
                                "study's stimulus images again (or fix the path)")
    captions = pd.DataFrame({"image": [str(present), ""], "caption": ["a cat", "  "]}, index=["s1", "s2"])
    with pytest.raises(NeuroarenaError, match=r"^stimulus 's2' has an empty caption -> give every stimulus"):
        embed_stimuli(EMBEDDERS["minilm"], captions, cache_root=tmp_path)
    with pytest.raises(NeuroarenaError, match="has no 'image' column"):
        embed_stimuli(config, captions.drop(columns="image"), cache_root=tmp_path)
    assert loads == []


def test_a_damaged_shard_is_named(config, loads, tmp_path):
    paths = [write_image(tmp_path / "img.png", 0)]
    embed_stimuli(config, table(paths), cache_root=tmp_path / "cache")
    shard = EmbeddingCache(tmp_path / "cache", config).shards()[0]
    shard.write_bytes(shard.read_bytes()[:200])  # truncated on disk
    with pytest.raises(NeuroarenaError, match=rf"^{shard}: unreadable embedding cache shard .* -> delete the file"):
        embed_stimuli(config, table(paths), cache_root=tmp_path / "cache")
