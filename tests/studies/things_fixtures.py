"""THINGS-EEG2's image set, tiny and laid out as distributed.

The THINGS-EEG2 recordings are in ``things_eeg2_fixtures.py``, THINGS-EEG1 in ``things_eeg1_fixtures.py``,
Alljoined-1 and Alljoined-1.6M in ``alljoined_fixtures.py``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

#: The first THINGS-EEG2 training and test concepts and test images (y63gw wiki tree; image_metadata.npy
#: first entries as quoted in loaders: '00001_aardvark', 'aircraft_carrier_06s.jpg', 'antelope_01b.jpg').
TRAIN_CONCEPTS = ["00001_aardvark", "00002_abacus"]
TEST_CONCEPTS = ["00001_aircraft_carrier", "00002_antelope"]
TEST_FILES = ["aircraft_carrier_06s.jpg", "antelope_01b.jpg"]


def train_files(concept: str) -> list[str]:
    """The 10 image files of a THINGS-EEG2 training concept: ``aardvark_01b.jpg``, ``aardvark_02s.jpg``, ..."""
    name = concept.split("_", 1)[1]
    return [f"{name}_01b.jpg"] + [f"{name}_{i:02d}s.jpg" for i in range(2, 11)]


def write_image(path: Path, seed: int) -> None:
    """A tiny 8 x 8 JPEG, colour from ``seed``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), (seed * 40 % 256, 90, 200)).save(path, format="JPEG")


def write_image_set(folder: Path, concepts: list[str] = TRAIN_CONCEPTS) -> None:
    """THINGS-EEG2's ``image_set/``: training ``concepts`` x 10 images, 2 test concepts x 1, and the metadata.

    ``image_metadata.npy`` holds the 6 keys of the release, one entry per image (the ``*_THINGS`` keys
    give the concept's number in THINGS: ``00010_aircraft_carrier``; BERG ``01_prepare_data`` reads them).
    """
    train = [(c, f) for c in concepts for f in train_files(c)]
    test = list(zip(TEST_CONCEPTS, TEST_FILES))
    for seed, (concept, file) in enumerate(train):
        write_image(folder / "training_images" / concept / file, seed)
    for seed, (concept, file) in enumerate(test):
        write_image(folder / "test_images" / concept / file, 100 + seed)
    metadata = {
        "test_img_concepts": [c for c, _ in test], "test_img_files": [f for _, f in test],
        "train_img_concepts": [c for c, _ in train], "train_img_files": [f for _, f in train],
        "test_img_concepts_THINGS": ["00010_aircraft_carrier", "00027_antelope"],
        "train_img_concepts_THINGS": [c for c, _ in train],  # fixture: THINGS numbers taken as equal
    }
    np.save(folder / "image_metadata.npy", metadata)
