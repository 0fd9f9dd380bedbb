"""Alljoined-1 (Xu et al. 2024): 8 subjects, 64-channel BioSemi EEG to natural (NSD/COCO) images."""
from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import atomic_path
from neuroarena.home import data_dir
from neuroarena.studies.arrays import epochs_from_array, events_table, missing_data
from neuroarena.studies.base import EpochedRelease, Recording, Study

if TYPE_CHECKING:
    import mne
    import pandas as pd

#: BioSemi ActiveTwo 64-channel order (task-images_channels.tsv of NEMAR nm000133, the BIDS copy).
BIOSEMI64 = (
    "Fp1", "AF7", "AF3", "F1", "F3", "F5", "F7", "FT7", "FC5", "FC3", "FC1", "C1", "C3", "C5", "T7", "TP7",
    "CP5", "CP3", "CP1", "P1", "P3", "P5", "P7", "P9", "PO7", "PO3", "O1", "Iz", "Oz", "POz", "Pz", "CPz",
    "Fpz", "Fp2", "AF8", "AF4", "AFz", "Fz", "F2", "F4", "F6", "F8", "FT8", "FC6", "FC4", "FC2", "FCz", "Cz",
    "C2", "C4", "C6", "T8", "TP8", "CP6", "CP4", "CP2", "P2", "P4", "P6", "P8", "P10", "PO8", "PO4", "O2",
)
#: Columns read to list and order the epochs.
KEY_COLUMNS = ["subject_id", "session", "block", "trial", "73k_id"]
SPLITS = ("train", "test")
IMAGE_SUFFIXES = {"PNG": ".png", "JPEG": ".jpg"}


class Xu2024Alljoined(Study):
    """Alljoined-1: a dataset for EEG-to-image decoding (8 subjects, 10,000 NSD images each).

    RSVP of MS-COCO images from the Natural Scenes Dataset (300 ms on, 300 ms blank + 0-50 ms
    jitter), recorded with a 64-channel BioSemi ActiveTwo at 512 Hz, 1-2 sessions per subject.

    On disk (``root``), the HuggingFace dataset ``Alljoined/05_125``
    (https://huggingface.co/datasets/Alljoined/05_125), written by
    ``final_dataset/create_huggingface_dataset.py`` of github.com/Alljoined/alljoined_preprocessing::

        data/train-00000-of-00012.parquet ... train-00011-of-00012.parquet
        data/test-00000-of-00003.parquet ... test-00002-of-00003.parquet

    One row per epoch: ``EEG`` (list of 64 lists of float64, volts; channel order
    :data:`BIOSEMI64`, the BDF order), ``image`` (the 224 x 224 stimulus, ``{bytes, path}``),
    ``subject_id``, ``session``, ``block``, ``trial`` (int32), ``73k_id`` (NSD image id),
    ``coco_id`` (int32), ``curr_time`` (float32, onset in the raw recording, s). The split is the
    file's (``train``/``test``: the authors' ``test_indices.json``).

    This archive holds epochs only, already processed by the authors (``fif-eeg-preprocessing.py``):
    0.5-125 Hz band-pass, 60 Hz notch, ICA, epochs from -0.05 to 0.60 s (334 samples: 26 before
    the onset), AutoReject, average reference, baseline (-0.05, 0). The raw BDF recordings are on
    NEMAR (nm000133, BIDS) and OSF (https://osf.io/kqgs8/), not read here. The 334-sample epoch
    length and the 26-sample onset offset come from that code, not from the files (the loader
    reads the length from the data; ``onset_sample`` is a parameter).

    Recordings: one per subject and session, its epochs (both splits) in ``(block, trial)`` order
    laid end to end (:func:`~neuroarena.studies.arrays.raw_from_epochs`): MNE filters each epoch
    on its own, and windows must stay within -0.05..0.60 s of the onset. Events: one per epoch,
    ``kind="stimulus"``, ``stimulus`` the ``73k_id``, ``category`` and ``caption`` empty (the
    archive has none), duration 0.3 s.

    Parameters
    ----------
    root : str or Path, optional
        Default ``data_dir() / "Xu2024Alljoined"``.
    subjects : list of str or int, optional
        Subjects to use (1..8); default all.
    onset_sample : int
        Sample of each epoch at the image onset (26 = 0.05 s at 512 Hz).
    """

    name = "Xu2024Alljoined"
    aliases = ("alljoined-1", "xu2024alljoined")
    citation = ("Xu, J., Aristimunha, B., Feucht, M. E., Qian, E., Liu, C., Shahjahan, T., ... & Nestor, A. (2024). "
                "Alljoined - A dataset for EEG-to-Image decoding. CVPR 2024 Workshop on Data Curation and "
                "Augmentation in Medical Imaging. https://doi.org/10.48550/arXiv.2404.05553")
    description = "Alljoined-1: 8 subjects, 64-channel EEG epochs to 10,000 NSD/COCO images each (HuggingFace)."
    dataset = "alljoined-1"
    repo_id = "Alljoined/05_125"
    sfreq = 512.0
    n_times = 334
    duration = 0.3
    line_freq = 60.0

    def __init__(self, root: str | Path | None = None, subjects: list[str] | None = None,
                 sessions: list[str] | None = None, onset_sample: int = 26):
        super().__init__(root if root is not None else data_dir() / self.name, subjects, sessions)
        self.onset_sample = onset_sample
        self._events: dict[tuple[int, int], pd.DataFrame] = {}

    def download(self) -> None:
        """Fetch the parquet files from the HuggingFace Hub."""
        from huggingface_hub import snapshot_download

        snapshot_download(repo_id=self.repo_id, repo_type="dataset", local_dir=self.root,
                          allow_patterns=["data/*.parquet", "README.md"])

    def find_recordings(self) -> list[Recording]:
        """One recording per subject and session, sorted."""
        keys = self._keys()
        pairs = sorted({(int(s), int(n)) for s, n in zip(keys["subject_id"], keys["session"])})
        return [Recording(study=self.name, subject=f"{s:02d}", session=str(n), run="", task="images",
                          path=self.root / "data", loader=lambda s=s, n=n: self._load(s, n),
                          events_loader=lambda s=s, n=n: self._events_of(s, n))
                for s, n in pairs]

    def params(self) -> dict[str, Any]:
        """Name, subjects and the epochs' onset sample."""
        return {**super().params(), "onset_sample": self.onset_sample}

    def stimuli(self) -> "pd.DataFrame":
        """The chosen subjects' images, written once from the parquet files to ``images/<73k_id>.png|jpg``."""
        import pandas as pd
        import pyarrow.parquet as pq

        keys = self._keys()
        if self.subjects is not None:
            keys = keys[keys["subject_id"].isin([int(s) for s in self.subjects])]
        keys = keys.drop_duplicates("73k_id")
        folder = self.root / "images"
        images = {path.stem: path for path in folder.glob("*")} if folder.is_dir() else {}
        wanted = set(keys["73k_id"].astype(str)) - set(images)
        for path in self._files() if wanted else []:
            table = pq.read_table(path, columns=["73k_id", "image"]).to_pydict()
            for stimulus, image in zip(table["73k_id"], table["image"]):
                if str(stimulus) in wanted:
                    images[str(stimulus)] = _write_image(folder, str(stimulus), image["bytes"], path)
                    wanted.discard(str(stimulus))
        return pd.DataFrame({
            "stimulus": keys["73k_id"].astype(str).to_numpy(),
            "image": [str(images[str(s)].resolve()) for s in keys["73k_id"]],
            "category": "", "caption": "", "split": keys["split"].to_numpy(),
        }).set_index("stimulus").sort_index()

    def _files(self) -> list[Path]:
        folder = self.root / "data"
        files = sorted(p for p in folder.glob("*.parquet") if p.name.split("-")[0] in SPLITS)
        if not files:
            raise missing_data(folder, self.dataset, "no Alljoined-1 parquet files")
        return files

    def _keys(self) -> "pd.DataFrame":
        """Subject, session, block, trial, 73k_id and split of every epoch, shape (n_epochs, 6)."""
        import pandas as pd
        import pyarrow.parquet as pq

        tables = []
        for path in self._files():
            table = pq.read_table(path, columns=KEY_COLUMNS).to_pandas()
            tables.append(table.assign(split=path.name.split("-")[0]))
        return pd.concat(tables, ignore_index=True)

    def epoched(self) -> EpochedRelease:
        """The authors' epochs: -0.05..0.60 s at 512 Hz, 0.5-125 Hz, 60 Hz notch, average reference."""
        return EpochedRelease(tmin=-self.onset_sample / self.sfreq, n_times=self.n_times, sfreq=self.sfreq,
                              l_freq=0.5, h_freq=125.0, notch=(60.0,), reference="average", baseline=(-0.05, 0.0),
                              line_freq=self.line_freq, steps="ICA, AutoReject")

    def _load(self, subject: int, session: int) -> "mne.EpochsArray":
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        where = [("subject_id", "=", subject), ("session", "=", session)]
        parts, chunks = [], []
        for path in self._files():
            table = pq.read_table(path, columns=KEY_COLUMNS + ["EEG"], filters=where)
            parts.append(table.select(KEY_COLUMNS).to_pandas().assign(split=path.name.split("-")[0]))
            chunks += table.column("EEG").chunks
        keys = pd.concat(parts, ignore_index=True)
        order = np.lexsort((keys["trial"].to_numpy(), keys["block"].to_numpy()))
        keys = keys.iloc[order].reset_index(drop=True)
        source = self.root / "data" / f"sub-{subject:02d}_ses-{session}"
        epochs = _epoch_array(pa.chunked_array(chunks, type=table.schema.field("EEG").type), source)[order]
        raw = epochs_from_array(epochs, BIOSEMI64, self.sfreq, -self.onset_sample / self.sfreq, source,
                                self.line_freq)
        self._events[(subject, session)] = events_table(
            onset=np.full(len(keys), np.nan), duration=self.duration, kind="stimulus", stimulus=keys["73k_id"].astype(str),
            category=[""] * len(keys), split=keys["split"])
        return raw

    def _events_of(self, subject: int, session: int) -> "pd.DataFrame":
        if (subject, session) not in self._events:
            self._load(subject, session)
        return self._events.pop((subject, session))


def _epoch_array(column, path: Path) -> np.ndarray:
    """The ``EEG`` column (list of channel lists) as one array, shape (n_epochs, 64, n_times)."""
    import pyarrow.compute as pc

    n_epochs = len(column)
    channels = pc.list_value_length(column).to_numpy(zero_copy_only=False)
    if n_epochs == 0:
        raise NeuroarenaError("no epoch of this recording", path=path, fix="check the subject and session")
    if (channels != len(BIOSEMI64)).any():
        raise NeuroarenaError(f"an epoch has {channels[channels != len(BIOSEMI64)][0]} channels, not "
                              f"{len(BIOSEMI64)}", path=path, fix="download the parquet files again")
    rows = pc.list_flatten(column)
    lengths = pc.list_value_length(rows).to_numpy(zero_copy_only=False)
    if (lengths != lengths[0]).any():
        raise NeuroarenaError(f"epochs differ in length ({lengths.min()} to {lengths.max()} samples)", path=path,
                              fix="download the parquet files again")
    values = pc.list_flatten(rows).to_numpy(zero_copy_only=False).astype(float)
    return values.reshape(n_epochs, len(BIOSEMI64), int(lengths[0]))


def _write_image(folder: Path, stimulus: str, content: bytes, source: Path) -> Path:
    from PIL import Image, UnidentifiedImageError

    try:
        kind = Image.open(io.BytesIO(content)).format
    except (UnidentifiedImageError, TypeError):
        raise NeuroarenaError(f"image of {stimulus} is not a picture", path=source,
                              fix="download the parquet files again") from None
    path = folder / f"{stimulus}{IMAGE_SUFFIXES.get(kind, '.' + str(kind).lower())}"
    with atomic_path(path) as tmp:
        tmp.write_bytes(content)
    return path
