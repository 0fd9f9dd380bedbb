"""Layer activations on disk, keyed by content: the network's (weights hash, preprocessing, image size,
pooling), the layer and the stimulus set's (sha256 of every image file, in order), never by a name.

``<cache>/activations/<key>.npy`` holds one layer's activations, shape (n_images, n_features), float32,
written atomically.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.fileio import atomic_path
from neuroarena.hashing import stable_hash

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.alignment.networks import ImageNetwork


@dataclass
class ExtractionLog:
    """What the cache did: images run through the network, layers read from disk, seconds spent extracting."""

    images: int = 0
    cached_layers: int = 0
    extracted_layers: int = 0
    seconds: float = 0.0
    keys: dict[str, str] = field(default_factory=dict)


def stimulus_set_hash(image_keys: Sequence[str]) -> str:
    """One sha256 over the image files' sha256s, in order (the stimulus set's identity)."""
    return hashlib.sha256("\n".join(image_keys).encode()).hexdigest()


def activation_key(network: "ImageNetwork", layer: str, image_keys: Sequence[str]) -> str:
    """The cache key of one layer of ``network`` on one stimulus set."""
    return stable_hash({"network": network.content, "layer": layer, "stimuli": stimulus_set_hash(image_keys)})


def cached_activations(network: "ImageNetwork", stimuli: "pd.DataFrame", layers: Sequence[str],
                       root: Path, log: ExtractionLog | None = None, batch: int = 64) -> dict[str, np.ndarray]:
    """Each layer's activations for the stimuli's images, from the cache or computed (and cached).

    Parameters
    ----------
    stimuli : DataFrame, shape (n_images, ...)
        With an ``image`` column of paths.
    root : Path
        The activation cache folder.

    Returns
    -------
    dict
        Layer -> ndarray, shape (n_images, n_features), float32.
    """
    from neuroarena.targets.embedders.inputs import content_keys, read_image, stimulus_inputs

    log = log if log is not None else ExtractionLog()
    paths = stimulus_inputs(stimuli, "image")
    keys = content_keys(paths, "image")
    files = {layer: root / f"{activation_key(network, layer, keys)}.npy" for layer in layers}
    out = {layer: np.load(path) for layer, path in files.items() if path.is_file()}
    log.cached_layers += len(out)
    missing = [layer for layer in layers if layer not in out]
    log.keys.update({layer: files[layer].stem for layer in layers})
    if not missing:
        return out
    started, parts = time.perf_counter(), {layer: [] for layer in missing}
    for start in range(0, len(paths), batch):
        images = [read_image(path) for path in paths[start:start + batch]]
        for layer, values in network.activations(images, missing).items():
            parts[layer].append(values)
    log.seconds += time.perf_counter() - started
    log.images += len(paths)
    log.extracted_layers += len(missing)
    root.mkdir(parents=True, exist_ok=True)
    for layer in missing:
        out[layer] = np.concatenate(parts[layer]).astype(np.float32)
        with atomic_path(files[layer]) as tmp:
            with open(tmp, "wb") as file:
                np.save(file, out[layer])
    return out
