"""Tiny copies of Alljoined-1 (HF ``Alljoined/05_125``) and Alljoined-1.6M (HF ``Alljoined/Alljoined-1.6M``).

Each is laid out as distributed, with the irregularities of the real release (sources in the
study docstrings): Alljoined-1's current parquet files have no ``image`` column (the first
revision had one); Alljoined-1.6M has zero-padded markers among oddball/behav/debug ones, a
``.DS_Store``, sub-08's ``session_02 old`` retake, block folders with no EDF or two, and a
subject 6 whose recorded triggers need the authors' row move in ``stim_order.parquet``.
"""
from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    import pandas as pd

# Alljoined-1 ---------------------------------------------------------------------------------------

#: (subject, session, block, trial, 73k_id, split) per epoch; files by split.
ALLJOINED1_EPOCHS = [
    (1, 1, 1, 1, 2951, "train"), (1, 1, 1, 2, 3050, "test"), (1, 1, 1, 3, 2951, "train"),
    (1, 1, 2, 1, 4130, "train"), (1, 2, 1, 1, 3050, "test"), (1, 2, 1, 2, 2951, "train"),
    (2, 1, 1, 1, 5000, "train"), (2, 1, 1, 2, 3050, "test"),
]
ALLJOINED1_TIMES = 334
#: Rows of the fixture's NSD ``imgBrick`` (the real one has 73,000 of 425 x 425 x 3).
NSD_ROWS = 6000
NSD_SIZE = 4


def alljoined1_epoch(index: int) -> np.ndarray:
    """Epoch ``index`` of the fixture, shape (64, 334), volts: channel c, sample t -> (index, c, t) coded."""
    channels = np.arange(64)[:, None]
    times = np.arange(ALLJOINED1_TIMES)[None, :]
    return 1e-6 * (index + 0.01 * channels + 1e-4 * times)


def alljoined1_onset(block: int, trial: int) -> float:
    """``curr_time`` of a fixture epoch (s, as float32 stores it)."""
    return float(np.float32(40.0 * block + trial * 0.65))


def nsd_pixel(row: int) -> tuple[int, int, int]:
    """Colour of every pixel of the fixture ``imgBrick[row]``."""
    return row % 251, row // 251, 7


def _png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (seed % 256, 10, 20)).save(buffer, format="PNG")
    return buffer.getvalue()


def write_alljoined1(root: Path, image_column: bool = False) -> None:
    """``data/{train,test}-*.parquet`` with the schema of ``Alljoined/05_125`` (rows shuffled).

    The current revision has no ``image`` column; ``image_column=True`` writes the first one's.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    fields = [("EEG", pa.list_(pa.list_(pa.float64())))]
    if image_column:
        fields.append(("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())])))
    fields += [("subject_id", pa.int32()), ("session", pa.int32()), ("block", pa.int32()), ("trial", pa.int32()),
               ("73k_id", pa.int32()), ("coco_id", pa.int32()), ("curr_time", pa.float32())]
    schema = pa.schema(fields)
    (root / "data").mkdir(parents=True, exist_ok=True)
    rows = {"train": [], "test": []}
    for index, (subject, session, block, trial, image, split) in enumerate(ALLJOINED1_EPOCHS):
        row = {"EEG": alljoined1_epoch(index).tolist(), "subject_id": subject, "session": session, "block": block,
               "trial": trial, "73k_id": image, "coco_id": 100000 + image,
               "curr_time": alljoined1_onset(block, trial)}
        if image_column:
            row["image"] = {"bytes": _png(image), "path": None}
        rows[split].append(row)
    train = rows["train"][::-1]
    half = len(train) // 2
    parts = {"train-00000-of-00002": train[:half], "train-00001-of-00002": train[half:],
             "test-00000-of-00001": rows["test"]}
    for name, part in parts.items():
        pq.write_table(pa.Table.from_pylist(part, schema=schema), root / "data" / f"{name}.parquet")
    (root / "README.md").write_text("---\ndataset_info:\n  features:\n  - name: EEG\n---\n")


def write_nsd_stimuli(path: Path) -> None:
    """NSD's ``nsd_stimuli.hdf5``: ``imgBrick`` (n, height, width, 3) uint8, row r coloured :func:`nsd_pixel`."""
    import h5py

    brick = np.zeros((NSD_ROWS, NSD_SIZE, NSD_SIZE, 3), dtype=np.uint8)
    brick[:] = np.array([nsd_pixel(r) for r in range(NSD_ROWS)], dtype=np.uint8)[:, None, None, :]
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as stimuli:
        stimuli.create_dataset("imgBrick", data=brick, chunks=(1, NSD_SIZE, NSD_SIZE, 3), compression="gzip")


# Alljoined-1.6M ------------------------------------------------------------------------------------

#: EMOTIV FLEX2 electrodes (``Afz`` as EMOTIV spells it) and some of its metadata channels.
FLEX2_EEG = [
    "Cz", "Fz", "Fp1", "F7", "F3", "FC1", "C3", "FC5", "FT9", "T7", "CP5", "CP1", "P3", "P7", "PO9", "O1", "Pz",
    "Oz", "O2", "PO10", "P8", "P4", "CP2", "CP6", "T8", "FT10", "FC6", "C4", "FC2", "F4", "F8", "Afz",
]
FLEX2_EXTRA = ["TimestampS", "Counter", "MarkerHardware"]
FLEX2_SFREQ = 256.0
FLEX2_SECONDS = 8
#: Per (subject, session, block): planned trials of stim_order.parquet (image index, partition, category).
STIM_ORDER = {
    (1, 1, 1): [(16541, "stim_test", "antelope"), (16540, "stim_test", "aircraft_carrier"),
                (16743, "oddball", "woody"), (16541, "stim_test", "antelope")],
    (1, 1, 5): [(3, "stim_train", "aardvark"), (12, "stim_train", "abacus"), (0, "stim_train", "aardvark")],
    (2, 1, 5): [(19, "stim_train", "abacus"), (3, "stim_train", "aardvark")],
    (8, 2, 5): [(7, "stim_train", "aardvark"), (15, "stim_train", "abacus")],
}
#: Markers written per (subject, session, block): (onset s, description). Block 5 of sub-01 has
#: zero-padded values and lacks the marker of its second planned trial (a dropped trial).
MARKERS = {
    (1, 1, 1): [(1.0, "stim_test,16541,-1,1"), (1.5, "stim_test,16540,-1,2"), (2.0, "oddball,16743,-1,3"),
                (2.5, "stim_test,16541,-1,4"), (3.0, "behav,3,-1,5")],
    (1, 1, 5): [(0.5, "debug,1,-1,1"), (1.25, "stim_train,00003,-1,2"), (2.25, "stim_train,00000,-1,3"),
                (2.75, "behav,0,-1,4")],
    (2, 1, 5): [(0.75, "stim_train,19,-1,1"), (1.75, "stim_train,3,-1,2")],
    (8, 2, 5): [(0.75, "stim_train,7,-1,1"), (1.75, "stim_train,15,-1,2")],
    (6, 4, 5): [],  # filled by write_alljoined16m from SUB06_*
}
#: Subject 6: its stim_order.parquet has SUB06_FIRST rows before session 4 block 5, whose six
#: planned images (rows SUB06_FIRST..+5) were recorded with the one of row 73,762 before rows
#: 73,760 and 73,761, as the authors' fix implies.
SUB06_FIRST = 73758
SUB06_IMAGES = [101, 102, 103, 104, 105, 106]
SUB06_RECORDED = [101, 102, 105, 103, 104, 106]
EDF_NAME = "Subject {s}, Session {n}, Block {b} Recording_FLEX2_213075_2025.02.16T16.51.47.08.00.md.edf"


def flex2_signal(subject: int, session: int, block: int) -> np.ndarray:
    """EEG rows of a fixture block, shape (32, FLEX2_SECONDS * 256), volts, seeded."""
    rng = np.random.default_rng(subject * 1000 + session * 100 + block)
    return 2e-5 * rng.standard_normal((len(FLEX2_EEG), int(FLEX2_SECONDS * FLEX2_SFREQ)))


def write_flex2_edf(folder: Path, subject: int, session: int, block: int, markers: list[tuple[float, str]]) -> Path:
    """An EMOTIV-named EDF of :func:`flex2_signal` and metadata rows, ``markers`` as annotations, and its .json."""
    import mne

    folder.mkdir(parents=True, exist_ok=True)
    eeg = flex2_signal(subject, session, block)
    extra = np.vstack([np.arange(eeg.shape[1]) * 1e-6, np.ones(eeg.shape[1]) * 1e-6, np.zeros(eeg.shape[1])])
    raw = mne.io.RawArray(np.vstack([eeg, extra]), mne.create_info(FLEX2_EEG + FLEX2_EXTRA, FLEX2_SFREQ, "eeg"),
                          verbose=False)
    raw.set_annotations(mne.Annotations([m[0] for m in markers], [0.0] * len(markers), [m[1] for m in markers]))
    path = folder / EDF_NAME.format(s=subject, n=session, b=block)
    mne.export.export_raw(path, raw, fmt="edf", verbose=False)
    Path(str(path)[: -len(".edf")] + ".json").write_text(json.dumps({"Markers": []}))  # EMOTIV's, not read
    return path


def _stim_order_rows(subject: int) -> list[dict]:
    rows = []
    for (sub, session, block), trials in STIM_ORDER.items():
        if sub != subject:
            continue
        for position, (index, partition, category) in enumerate(trials, start=1):
            rows.append(_design_row(subject, session, block, position, index, partition, category))
    return rows


def _design_row(subject: int, session: int, block: int, position: int, index: int, partition: str,
                category: str) -> dict:
    test = partition == "stim_test"
    return {"image_path": f"/srv/eeg_reconstruction/shared/data/stimuli/repr_eeg2/images/{index:05d}.jpg",
            "dataset": "repr_eeg2", "subject": subject, "session": session, "block_id": block,
            "sequence_id": 1 + (position - 1) // 20, "sequence_image_id": 1 + (position - 1) % 20,
            "partition": partition, "category_name": category,
            "category_num": index - 16540 if test else index // 10, "category_img_num": 0 if test else index % 10}


def _sub06_stim_order() -> "pd.DataFrame":
    """Subject 6's design: SUB06_FIRST training rows of sessions 1-3, then session 4 block 5."""
    import pandas as pd

    position = np.arange(SUB06_FIRST)
    per_session = -(-SUB06_FIRST // 3)
    within = position % per_session
    filler = pd.DataFrame({
        "image_path": [f"/srv/eeg_reconstruction/shared/data/stimuli/repr_eeg2/images/{i:05d}.jpg"
                       for i in position % 16540],
        "dataset": "repr_eeg2", "subject": 6, "session": 1 + position // per_session,
        "block_id": 5 + within * 15 // per_session, "sequence_id": 1 + within // 20,
        "sequence_image_id": 1 + within % 20, "partition": "stim_train", "category_name": "aardvark",
        "category_num": (position % 16540) // 10, "category_img_num": position % 10,
    })
    block = pd.DataFrame([_design_row(6, 4, 5, k + 1, index, "stim_train", "abacus")
                          for k, index in enumerate(SUB06_IMAGES)])
    return pd.concat([filler, block], ignore_index=True)


def write_alljoined16m(root: Path, stimuli: str | None = "zip") -> None:
    """``raw_eeg/sub-XX/session_XX/block_XX/<EMOTIV name>.md.edf`` (+ .json), ``preprocessed_eeg/sub-XX/
    stim_order.parquet`` and the images (``stimuli="zip"``: ``stimuli.zip``; ``"folder"``: ``stimuli/``)."""
    import pandas as pd

    markers = dict(MARKERS)
    markers[(6, 4, 5)] = [(0.5 + 0.5 * k, f"stim_train,{index:05d},-1,{k + 1}")
                          for k, index in enumerate(SUB06_RECORDED)]
    raw = root / "raw_eeg"
    for (subject, session, block), written in markers.items():
        write_flex2_edf(raw / f"sub-{subject:02d}" / f"session_{session:02d}" / f"block_{block:02d}", subject, session,
                   block, written)
    (raw / "sub-01" / "session_01" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    retake = raw / "sub-08" / "session_02 old" / "block_05"  # sub-08's retake of session 2
    shutil.copytree(raw / "sub-08" / "session_02" / "block_05", retake)
    empty = raw / "sub-02" / "session_01" / "block_06"  # a block folder whose EDF is gone (its .json stays)
    empty.mkdir(parents=True)
    (empty / EDF_NAME.format(s=2, n=1, b=6).replace(".edf", ".json")).write_text("{}")
    double = raw / "sub-02" / "session_01" / "block_07"  # two recordings in one block folder
    shutil.copytree(raw / "sub-02" / "session_01" / "block_05", double)
    first = next(double.glob("*.edf"))
    shutil.copy(first, double / first.name.replace("16.51.47", "17.02.11"))
    for subject in (1, 2, 6, 8):
        folder = root / "preprocessed_eeg" / f"sub-{subject:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        table = _sub06_stim_order() if subject == 6 else pd.DataFrame(_stim_order_rows(subject))
        table.to_parquet(folder / "stim_order.parquet")
    images = sorted({index for trials in STIM_ORDER.values() for index, partition, _ in trials
                     if partition != "oddball"} | set(SUB06_IMAGES))
    if stimuli == "folder":
        (root / "stimuli").mkdir()
        for index in images:
            stimulus_image(index).save(root / "stimuli" / f"{index:05d}.jpg", format="JPEG")
    elif stimuli == "zip":
        with zipfile.ZipFile(root / "stimuli.zip", "w") as archive:
            for index in images:
                buffer = io.BytesIO()
                stimulus_image(index).save(buffer, format="JPEG")
                archive.writestr(f"stimuli/{index:05d}.jpg", buffer.getvalue())
            archive.writestr("__MACOSX/stimuli/._00000.jpg", b"\x00")


def stimulus_image(index: int) -> Image.Image:
    """The fixture's picture of image ``index``: 8 x 8, colour from the index."""
    return Image.new("RGB", (8, 8), (index % 256, 90, 200))
