"""Tiny copies of both THINGS-EEG2 releases and of the OSF listings they are downloaded from.

Sources: github.com/gifale95/eeg_encoding (``00_data_collection``, ``01_eeg_preprocessing/source_to_raw.py``,
``02_eeg_preprocessing/preprocessing_utils.py``), the OSF wikis of crxs4 / y63gw, and the OSF API code
(osf.io ``api/nodes/serializers.py``, ``api/files/serializers.py``).
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np

from things_fixtures import write_image_set

#: Training concepts of the fixture: the first two are THINGS-EEG2's first (y63gw wiki); the other names
#: are illustrative. Six, so that each session can show half of them.
EEG2_TRAIN_CONCEPTS = ["00001_aardvark", "00002_abacus", "00003_accordion", "00004_acorn",
                       "00005_air_conditioner", "00006_air_mattress"]

# --- raw release (OSF crxs4) ---
#: 63 EEG channels, then "stim" (source_to_raw.py appends 'stim'); this order (actiCAP 64) is illustrative:
#: the release's exact order is unconfirmed.
EEG2_CHANNELS = [
    "Fp1", "Fz", "F3", "F7", "FT9", "FC5", "FC1", "C3", "T7", "TP9", "CP5", "CP1", "Pz", "P3", "P7", "O1", "Oz",
    "O2", "P4", "P8", "TP10", "CP6", "CP2", "Cz", "C4", "T8", "FT10", "FC6", "FC2", "F4", "F8", "Fp2", "AF7", "AF3",
    "AFz", "F1", "F5", "FT7", "FC3", "C1", "C5", "TP7", "CP3", "P1", "P5", "PO7", "PO3", "POz", "PO4", "PO8", "P6",
    "P2", "CPz", "CP4", "TP8", "C6", "C2", "FC4", "FT8", "F6", "AF8", "AF4", "F2",
]
#: Stim codes of the training file of an odd / even session. Each session shows half of the training
#: concepts (defineStimuliOrder.m: sessions_cat{1}=cat_1(1:p.training_cat), sessions_cat{2}=cat_1(...+1:end)):
#: here concepts 1, 3, 5 (codes 1-10, 21-30, 41-50) in odd sessions, 2, 4, 6 in even ones; each image twice,
#: one a third time (eeg_encoding issue #9: "2 (or sometimes 3)"); 99999 is a target (crxs4 wiki).
EEG2_TRAIN_CODES = {1: [1, 21, 99999, 41, 1, 21, 41, 1], 0: [12, 31, 99999, 51, 12, 31, 51]}
#: Every test image in every session (data_collection_test.m: p.rep_test=20 per session).
EEG2_TEST_CODES = [2, 1, 99999, 2, 1]
EEG2_N_SAMPLES = 3200


def eeg2_sample(index: int) -> int:
    """Sample (1000 Hz) of the ``index``-th stim code of a fixture file: 250 ms apart from 0.4 s."""
    return 400 + 250 * index


def eeg2_codes(session: int, partition: str) -> list[int]:
    """The stim codes written in a fixture file."""
    return EEG2_TEST_CODES if partition == "test" else EEG2_TRAIN_CODES[session % 2]


def eeg2_signal(subject: int, session: int, partition: str) -> np.ndarray:
    """EEG rows of a raw fixture file, shape (63, EEG2_N_SAMPLES), volts, seeded."""
    seed = subject * 100 + session * 10 + (partition == "test")
    return 1e-5 * np.random.default_rng(seed).standard_normal((63, EEG2_N_SAMPLES))


def write_things_eeg2(root: Path, subjects=(1, 2), sessions=(1, 2), image_set: bool = True) -> None:
    """``raw_data/sub-XX/ses-YY/raw_eeg_{training,test}.npy`` dicts (+ ``image_set/``) under ``root``."""
    for subject in subjects:
        for session in sessions:
            folder = root / "raw_data" / f"sub-{subject:02d}" / f"ses-{session:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            for partition in ("training", "test"):
                codes = eeg2_codes(session, partition)
                stim = np.zeros((1, EEG2_N_SAMPLES))
                stim[0, [eeg2_sample(i) for i in range(len(codes))]] = codes
                np.save(folder / f"raw_eeg_{partition}.npy", {  # keys of source_to_raw.py
                    "raw_eeg_data": np.vstack([eeg2_signal(subject, session, partition), stim]),
                    "ch_names": EEG2_CHANNELS + ["stim"], "ch_types": ["eeg"] * 63 + ["stim"],
                    "sfreq": 1000, "highpass": 0.01, "lowpass": 100,
                })
    if image_set:
        write_image_set(root / "image_set", EEG2_TRAIN_CONCEPTS)


# --- preprocessed release (OSF anp5v) ---
#: The 17 channels in stored order (ATM-family eegdatasets_leaveone.py comment "'ch_names': ['Pz', 'P3', ...]";
#: the Perceptogram electrode-swap script lists the same order from the OSF file).
EEG2_PREPROCESSED_CHANNELS = ["Pz", "P3", "P7", "O1", "Oz", "O2", "P4", "P8", "P1", "P5", "PO7", "PO3", "POz",
                              "PO4", "PO8", "P6", "P2"]
#: -0.2 .. 0.79 s at 100 Hz (ATM-family comment "'times': array([-0.2 , -0.19, ..., 0.79])"; MNE epochs -0.2..0.8 s
#: at 1000 Hz resampled to 100 Hz give 100 samples).
EEG2_TIMES = -0.2 + np.arange(100) / 100
#: Repetitions per image: training 2 per session x 2 sessions, test 20 x 4 (save_prepr; the released shapes
#: (16540, 4, 17, 100) and (200, 80, 17, 100) quoted by ATM-family loaders).
EEG2_REPETITIONS = {"training": 4, "test": 80}


def eeg2_epochs(subject: int, partition: str) -> np.ndarray:
    """Whitened (dimensionless) epochs of a preprocessed fixture file, shape (n_images, n_reps, 17, 100).

    Value ``image + rep / 100`` plus seeded noise of spread 0.01, so an epoch's image and repetition can be
    read back from its mean.
    """
    n_images = len(EEG2_TRAIN_CONCEPTS) * 10 if partition == "training" else 2
    n_reps = EEG2_REPETITIONS[partition]
    code = np.arange(n_images)[:, None, None, None] + np.arange(n_reps)[None, :, None, None] / 100
    noise = np.random.default_rng(subject * 10 + (partition == "test")).standard_normal((n_images, n_reps, 17, 100))
    return code + 0.01 * noise


def write_things_eeg2_preprocessed(root: Path, subjects=(1, 2), image_set: bool = True) -> None:
    """``preprocessed_data/sub-XX/preprocessed_eeg_{training,test}.npy`` dicts (+ ``image_set/``) under ``root``."""
    for subject in subjects:
        folder = root / "preprocessed_data" / f"sub-{subject:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        for partition in ("training", "test"):
            np.save(folder / f"preprocessed_eeg_{partition}.npy", {  # keys of save_prepr
                "preprocessed_eeg_data": eeg2_epochs(subject, partition),
                "ch_names": list(EEG2_PREPROCESSED_CHANNELS), "times": EEG2_TIMES.copy(),
            })
    if image_set:
        write_image_set(root / "image_set", EEG2_TRAIN_CONCEPTS)


# --- OSF API listings (file:// copies laid out as api.osf.io/v2 returns them) ---
def zip_folder(source: Path, archive: Path, inside: str = "") -> Path:
    """Zip every file under ``source`` into ``archive``, paths relative to ``source`` under ``inside``."""
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            zipped.write(path, f"{inside}{path.relative_to(source).as_posix()}")
    return archive


def write_osf_folder(path: Path, files: list[Path], node: str, provider: str, hashes: bool) -> str:
    """A provider's top-folder listing of ``files``; ``hashes=False`` gives nulls, as add-on providers do."""
    entries = []
    for file in files:
        digest = hashlib.sha256(file.read_bytes()).hexdigest() if hashes else None
        md5 = hashlib.md5(file.read_bytes()).hexdigest() if hashes else None
        entries.append({
            "id": f"{node}-{file.name}", "type": "files",
            "attributes": {"guid": None, "kind": "file", "name": file.name, "path": f"/{file.name}",
                           "provider": provider, "size": file.stat().st_size,
                           "extra": {"hashes": {"md5": md5, "sha256": digest}}},
            "links": {"download": file.as_uri(), "info": f"https://api.osf.io/v2/files/{node}-{file.name}/"},
        })
    path.write_text(json.dumps({"data": entries, "links": {"first": None, "last": None, "prev": None, "next": None,
                                                           "meta": {"total": len(entries), "per_page": 10}}}))
    return path.as_uri()


def write_osf_node(path: Path, node: str, folders: dict[str, str]) -> str:
    """``/v2/nodes/<node>/files/``: one entry per storage provider, its top folder's listing address."""
    entries = [{
        "id": f"{node}:{provider}", "type": "files",
        "attributes": {"kind": "folder", "name": provider, "path": "/", "node": node, "provider": provider},
        "relationships": {"files": {"links": {"related": {"href": href, "meta": {}}}}},
        "links": {"upload": f"https://files.osf.io/v1/resources/{node}/providers/{provider}/",
                  "new_folder": f"https://files.osf.io/v1/resources/{node}/providers/{provider}/?kind=folder"},
    } for provider, href in folders.items()]
    path.write_text(json.dumps({"data": entries, "links": {"next": None}}))
    return path.as_uri()
