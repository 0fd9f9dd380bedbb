"""Tiny copies of THINGS-EEG2, THINGS-EEG1, Alljoined-1 and Alljoined-1.6M, laid out as distributed."""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

#: The 63 EEG channels of THINGS-EEG2 (actiCAP 64, reference FCz), then the stim channel.
EEG2_CHANNELS = [
    "Fp1", "Fz", "F3", "F7", "FT9", "FC5", "FC1", "C3", "T7", "TP9", "CP5", "CP1", "Pz", "P3", "P7", "O1", "Oz",
    "O2", "P4", "P8", "TP10", "CP6", "CP2", "Cz", "C4", "T8", "FT10", "FC6", "FC2", "F4", "F8", "Fp2", "AF7", "AF3",
    "AFz", "F1", "F5", "FT7", "FC3", "C1", "C5", "TP7", "CP3", "P1", "P5", "PO7", "PO3", "POz", "PO4", "PO8", "P6",
    "P2", "CPz", "CP4", "TP8", "C6", "C2", "FC4", "FT8", "F6", "AF8", "AF4", "F2",
]
TRAIN_CONCEPTS = ["00001_aardvark", "00002_abacus"]
TEST_CONCEPTS = ["00001_aircraft_carrier", "00002_antelope"]
TEST_FILES = ["aircraft_carrier_06s.jpg", "antelope_01b.jpg"]
#: THINGS-EEG2 fixture: stim codes written in every training and test file, and their samples.
EEG2_TRAIN_CODES = [1, 12, 99999, 20, 3]
EEG2_TEST_CODES = [2, 1, 99999, 2]
EEG2_SAMPLES = [400, 650, 900, 1150, 1400]
EEG2_N_SAMPLES = 2600


def train_files(concept: str) -> list[str]:
    """The 10 image files of a THINGS-EEG2 training concept: ``aardvark_01b.jpg``, ``aardvark_02s.jpg``, ..."""
    name = concept.split("_", 1)[1]
    return [f"{name}_01b.jpg"] + [f"{name}_{i:02d}s.jpg" for i in range(2, 11)]


def write_image(path: Path, seed: int) -> None:
    """A tiny 8 x 8 JPEG, colour from ``seed``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), (seed * 40 % 256, 90, 200)).save(path, format="JPEG")


def write_image_set(folder: Path) -> None:
    """THINGS-EEG2's ``image_set/``: 2 training concepts x 10 images, 2 test concepts x 1, and the metadata."""
    train = [(c, f) for c in TRAIN_CONCEPTS for f in train_files(c)]
    test = list(zip(TEST_CONCEPTS, TEST_FILES))
    for seed, (concept, file) in enumerate(train):
        write_image(folder / "training_images" / concept / file, seed)
    for seed, (concept, file) in enumerate(test):
        write_image(folder / "test_images" / concept / file, 100 + seed)
    metadata = {
        "test_img_concepts": [c for c, _ in test], "test_img_files": [f for _, f in test],
        "train_img_concepts": [c for c, _ in train], "train_img_files": [f for _, f in train],
        "test_img_concepts_THINGS": ["46_aircraft_carrier", "52_antelope"],
        "train_img_concepts_THINGS": ["1_aardvark", "2_abacus"],
    }
    np.save(folder / "image_metadata.npy", metadata)


def eeg2_signal(subject: int, session: int, partition: str) -> np.ndarray:
    """EEG rows of a THINGS-EEG2 fixture file, shape (63, EEG2_N_SAMPLES), volts, seeded."""
    seed = subject * 100 + session * 10 + (partition == "test")
    return 1e-5 * np.random.default_rng(seed).standard_normal((63, EEG2_N_SAMPLES))


def write_things_eeg2(root: Path, subjects=(1, 2), sessions=(1, 2), image_set: bool = True) -> None:
    """``raw_data/sub-XX/ses-YY/raw_eeg_{training,test}.npy`` dicts (+ ``image_set/``) under ``root``."""
    for subject in subjects:
        for session in sessions:
            folder = root / "raw_data" / f"sub-{subject:02d}" / f"ses-{session:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            for partition, codes in (("training", EEG2_TRAIN_CODES), ("test", EEG2_TEST_CODES)):
                stim = np.zeros((1, EEG2_N_SAMPLES))
                stim[0, EEG2_SAMPLES[:len(codes)]] = codes
                np.save(folder / f"raw_eeg_{partition}.npy", {
                    "raw_eeg_data": np.vstack([eeg2_signal(subject, session, partition), stim]),
                    "ch_names": EEG2_CHANNELS + ["stim"], "ch_types": ["eeg"] * 63 + ["stim"],
                    "sfreq": 1000, "highpass": 0.01, "lowpass": 100,
                })
    if image_set:
        write_image_set(root / "image_set")


#: THINGS-EEG1 fixture: (stim path, isteststim) per event, and onsets in seconds.
EEG1_EVENTS = [
    ("stimuli\\carousel\\carousel_11s.jpg", 0), ("stimuli\\piano\\piano_05n.jpg", 0),
    ("stimuli\\oatmeal\\oatmeal_16s.jpg", 1), ("stimuli\\carousel\\carousel_02s.jpg", 0),
    ("stimuli\\oatmeal\\oatmeal_16s.jpg", 1),
]
EEG1_ONSETS = [1.724, 1.824, 1.924, 2.024, 2.124]
EEG1_CHANNELS = ["Fp1", "Fz", "F3", "F7", "Cz", "Pz", "O1", "Oz", "O2"]
EEG1_SFREQ = 1000.0
EEG1_N_SAMPLES = 4000
EEG1_COLUMNS_SUB01 = [
    "onset", "duration", "eventnumber", "objectnumber", "object", "sequencenumber", "presentationnumber",
    "blocksequencenumber", "withinsequencenumber", "stimnumber", "stim", "istarget", "stimname", "response", "rt",
    "correct", "time_stimon", "time_stimoff", "stimdur", "sample",
]
EEG1_COLUMNS_LATER = [
    "onset", "duration", "eventnumber", "blocksequencenumber", "isteststim", "object", "objectnumber",
    "presentationnumber", "sequencenumber", "stim", "stimnumber", "teststimnumber", "withinsequencenumber",
    "istarget", "stimname", "response", "rt", "correct", "time_stimon", "time_stimoff", "stimdur", "sample",
]


def eeg1_stimdur(row: int) -> float:
    """Measured image duration written in row ``row`` of the fixture events, seconds."""
    return 0.0499 + row * 1e-5


def write_things_eeg1(root: Path, subjects=(1, 2)) -> None:
    """BIDS ds003825 copy: sub-01 has the early columns (no test images), later subjects ``isteststim``."""
    from pybv import write_brainvision

    root.mkdir(parents=True, exist_ok=True)
    (root / "dataset_description.json").write_text(json.dumps({
        "Name": "Human electroencephalography recordings from 50 subjects for 22,248 images from 1,854 object "
                "concepts", "BIDSVersion": "1.0.2", "License": "CC0"}))
    (root / ".bidsignore").write_text("derivatives/\nstimuli/\n*.csv\n*.py\n*.DS_Store\n")
    (root / "participants.tsv").write_text("participant_id\n" + "".join(f"sub-{s:02d}\n" for s in subjects))
    for subject in subjects:
        folder = root / f"sub-{subject:02d}" / "eeg"
        data = 1e-5 * np.random.default_rng(subject).standard_normal((len(EEG1_CHANNELS), EEG1_N_SAMPLES))
        write_brainvision(data=data, sfreq=EEG1_SFREQ, ch_names=EEG1_CHANNELS, unit="µV",
                          fname_base=f"sub-{subject:02d}_task-rsvp_eeg", folder_out=folder)
        rows = EEG1_EVENTS if subject > 1 else [e for e in EEG1_EVENTS if not e[1]]
        onsets = EEG1_ONSETS if subject > 1 else [o for o, e in zip(EEG1_ONSETS, EEG1_EVENTS) if not e[1]]
        columns = EEG1_COLUMNS_LATER if subject > 1 else EEG1_COLUMNS_SUB01
        lines = ["\t".join(columns)]
        for number, ((stim, test), onset) in enumerate(zip(rows, onsets)):
            concept, name = stim.split("\\")[1], stim.split("\\")[2]
            values = {
                "onset": f"{onset}", "duration": "50", "eventnumber": str(number),
                "objectnumber": "-1" if test else "275", "object": "-1" if test else concept,
                "sequencenumber": "0", "presentationnumber": str(number), "blocksequencenumber": "0",
                "withinsequencenumber": "0", "stimnumber": "10", "stim": stim, "istarget": "0", "stimname": name,
                "response": "0", "rt": "0.0", "correct": "0", "time_stimon": f"{61.5 + onset}",
                "time_stimoff": f"{61.55 + onset}", "stimdur": f"{eeg1_stimdur(number)}",
                "sample": str(round(onset * EEG1_SFREQ)), "isteststim": str(test),
                "teststimnumber": "160" if test else "-1",
            }
            lines.append("\t".join(values[c] for c in columns))
        (folder / f"sub-{subject:02d}_task-rsvp_events.tsv").write_text("\n".join(lines) + "\n")
    for seed, stim in enumerate(sorted({s for s, _ in EEG1_EVENTS})):
        write_image(root.joinpath(*stim.split("\\")), seed)


#: Alljoined-1 fixture: (subject, session, block, trial, 73k_id, split) per epoch, files by split.
ALLJOINED1_EPOCHS = [
    (1, 1, 1, 1, 2951, "train"), (1, 1, 1, 2, 3050, "test"), (1, 1, 1, 3, 2951, "train"),
    (1, 1, 2, 1, 4130, "train"), (1, 2, 1, 1, 3050, "test"), (1, 2, 1, 2, 2951, "train"),
    (2, 1, 1, 1, 5000, "train"), (2, 1, 1, 2, 3050, "test"),
]
ALLJOINED1_TIMES = 334


def alljoined1_epoch(index: int) -> np.ndarray:
    """Epoch ``index`` of the fixture, shape (64, 334), volts: channel c, sample t -> (index, c, t) coded."""
    channels = np.arange(64)[:, None]
    times = np.arange(ALLJOINED1_TIMES)[None, :]
    return 1e-6 * (index + 0.01 * channels + 1e-4 * times)


def _png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (seed % 256, 10, 20)).save(buffer, format="PNG")
    return buffer.getvalue()


def write_alljoined1(root: Path) -> None:
    """``data/{train,test}-*.parquet`` with the HuggingFace schema of ``Alljoined/05_125`` (rows shuffled)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([
        ("EEG", pa.list_(pa.list_(pa.float64()))),
        ("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
        ("subject_id", pa.int32()), ("session", pa.int32()), ("block", pa.int32()), ("trial", pa.int32()),
        ("73k_id", pa.int32()), ("coco_id", pa.int32()), ("curr_time", pa.float32()),
    ])
    (root / "data").mkdir(parents=True, exist_ok=True)
    rows = {"train": [], "test": []}
    for index, (subject, session, block, trial, image, split) in enumerate(ALLJOINED1_EPOCHS):
        rows[split].append({
            "EEG": alljoined1_epoch(index).tolist(), "image": {"bytes": _png(image), "path": None},
            "subject_id": subject, "session": session, "block": block, "trial": trial, "73k_id": image,
            "coco_id": 100000 + image, "curr_time": 2.0 + trial * 0.65,
        })
    train = rows["train"][::-1]
    half = len(train) // 2
    parts = {"train-00000-of-00002": train[:half], "train-00001-of-00002": train[half:],
             "test-00000-of-00001": rows["test"]}
    for name, part in parts.items():
        pq.write_table(pa.Table.from_pylist(part, schema=schema), root / "data" / f"{name}.parquet")


#: Alljoined-1.6M fixture channels: EMOTIV FLEX2 electrodes (``Afz`` as EMOTIV spells it) and extra rows.
FLEX2_EEG = [
    "Cz", "Fz", "Fp1", "F7", "F3", "FC1", "C3", "FC5", "FT9", "T7", "CP5", "CP1", "P3", "P7", "PO9", "O1", "Pz",
    "Oz", "O2", "PO10", "P8", "P4", "CP2", "CP6", "T8", "FT10", "FC6", "C4", "FC2", "F4", "F8", "Afz",
]
FLEX2_EXTRA = ["TimestampS", "Counter", "MarkerHardware"]
FLEX2_SFREQ = 256.0
FLEX2_SECONDS = 6
#: Per (subject, session, block): planned trials (image index, partition, category) and markers written.
STIM_ORDER = {
    (1, 1, 1): [(16541, "stim_test", "antelope"), (16540, "stim_test", "aircraft_carrier"),
                (16541, "stim_test", "antelope")],
    (1, 1, 5): [(3, "stim_train", "aardvark"), (12, "stim_train", "abacus"), (0, "stim_train", "aardvark")],
    (2, 1, 5): [(19, "stim_train", "abacus"), (3, "stim_train", "aardvark")],
}
#: Markers: (onset s, description); the second planned trial of block 5 has no marker (a dropped trial).
MARKERS = {
    (1, 1, 1): [(1.0, "stim_test,16541"), (1.5, "stim_test,16540"), (2.0, "oddball,16540"), (2.5, "stim_test,16541")],
    (1, 1, 5): [(1.25, "stim_train,3"), (2.25, "stim_train,0")],
    (2, 1, 5): [(0.75, "stim_train,19"), (1.75, "stim_train,3")],
}


def flex2_signal(subject: int, session: int, block: int) -> np.ndarray:
    """EEG rows of a fixture block, shape (32, FLEX2_SECONDS * 256), volts, seeded."""
    rng = np.random.default_rng(subject * 1000 + session * 100 + block)
    return 2e-5 * rng.standard_normal((len(FLEX2_EEG), int(FLEX2_SECONDS * FLEX2_SFREQ)))


def write_alljoined16m(root: Path, image_set: bool = True) -> None:
    """``raw_eeg/sub-XX/session_XX/block_XX/<EMOTIV name>.md.edf``, ``preprocessed_eeg/sub-XX/stim_order.parquet``."""
    import mne
    import pandas as pd

    for (subject, session, block), markers in MARKERS.items():
        folder = root / "raw_eeg" / f"sub-{subject:02d}" / f"session_{session:02d}" / f"block_{block:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        eeg = flex2_signal(subject, session, block)
        extra = np.vstack([np.arange(eeg.shape[1]) * 1e-6, np.ones(eeg.shape[1]) * 1e-6, np.zeros(eeg.shape[1])])
        info = mne.create_info(FLEX2_EEG + FLEX2_EXTRA, FLEX2_SFREQ, "eeg")
        raw = mne.io.RawArray(np.vstack([eeg, extra]), info, verbose=False)
        raw.set_annotations(mne.Annotations([m[0] for m in markers], [0.0] * len(markers), [m[1] for m in markers]))
        name = (f"Subject {subject}, Session {session}, Block {block} "
                "Recording_FLEX2_213075_2025.02.16T16.51.47.08.00.md.edf")
        mne.export.export_raw(folder / name, raw, fmt="edf", verbose=False)
    for subject in sorted({key[0] for key in STIM_ORDER}):
        rows = []
        for (sub, session, block), trials in STIM_ORDER.items():
            if sub != subject:
                continue
            for position, (index, partition, category) in enumerate(trials, start=1):
                test = partition == "stim_test"
                rows.append({
                    "image_path": f"/srv/eeg_reconstruction/shared/data/stimuli/repr_eeg2/images/{index:05d}.jpg",
                    "dataset": "repr_eeg2", "subject": subject, "session": session, "block_id": block,
                    "sequence_id": 1, "sequence_image_id": position, "partition": partition,
                    "category_name": category, "category_num": index - 16540 if test else index // 10,
                    "category_img_num": 0 if test else index % 10, "dropped": False,
                    "super_category": "animals", "super_category_id": 1,
                })
        folder = root / "preprocessed_eeg" / f"sub-{subject:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(rows).to_parquet(folder / "stim_order.parquet")
    if image_set:
        write_image_set(root / "image_set")
