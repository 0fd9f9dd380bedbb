"""Alljoined-1 (Xu et al. 2024): 8 subjects, 64-channel BioSemi EEG epochs to natural (NSD/COCO) images."""
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
    import pyarrow as pa

#: BioSemi ActiveTwo 64-channel order (task-images_channels.tsv of NEMAR nm000133, the BIDS copy).
BIOSEMI64 = (
    "Fp1", "AF7", "AF3", "F1", "F3", "F5", "F7", "FT7", "FC5", "FC3", "FC1", "C1", "C3", "C5", "T7", "TP7",
    "CP5", "CP3", "CP1", "P1", "P3", "P5", "P7", "P9", "PO7", "PO3", "O1", "Iz", "Oz", "POz", "Pz", "CPz",
    "Fpz", "Fp2", "AF8", "AF4", "AFz", "Fz", "F2", "F4", "F6", "F8", "FT8", "FC6", "FC4", "FC2", "FCz", "Cz",
    "C2", "C4", "C6", "T8", "TP8", "CP6", "CP4", "CP2", "P2", "P4", "P6", "P8", "P10", "PO8", "PO4", "O2",
)
#: Columns read to list and order the epochs (``curr_time``: the onset in the raw recording, s).
KEY_COLUMNS = ["subject_id", "session", "block", "trial", "73k_id", "curr_time"]
#: Columns every parquet file of the release has (``image`` only in the first revision).
REQUIRED_COLUMNS = ("EEG", *KEY_COLUMNS)
SPLITS = ("train", "test")
IMAGE_SUFFIXES = {"PNG": ".png", "JPEG": ".jpg"}
READABLE_IMAGES = (".png", ".jpg", ".jpeg")
#: NSD's stimulus file and its image array, shape (73000, 425, 425, 3), uint8.
NSD_FILE = "nsd_stimuli.hdf5"
NSD_DATASET = "imgBrick"
NSD_SOURCE = "s3://natural-scenes-dataset/nsddata_stimuli/stimuli/nsd/nsd_stimuli.hdf5"
REDOWNLOAD = "delete it and run `neuroarena eeg image --dataset alljoined-1 --download`"


class Xu2024Alljoined(Study):
    """Alljoined-1: a dataset for EEG-to-image decoding (8 subjects, 10,000 NSD images each).

    RSVP of MS-COCO images from the Natural Scenes Dataset (300 ms on, 300 ms blank + 0-50 ms
    jitter), recorded with a 64-channel BioSemi ActiveTwo at 512 Hz, 1-2 sessions per subject.

    On disk (``root``), the HuggingFace dataset ``Alljoined/05_125``
    (https://huggingface.co/datasets/Alljoined/05_125)::

        data/train-00000-of-000NN.parquet ...   # every data/train-*.parquet and data/test-*.parquet
        data/test-00000-of-000NN.parquet ...    # (the shard count differs between revisions)

    One row per epoch: ``EEG`` (64 lists of float64, volts; channel order :data:`BIOSEMI64`, the
    BDF order), ``subject_id``, ``session``, ``block``, ``trial``, ``73k_id`` (NSD image id),
    ``coco_id`` (int32) and ``curr_time`` (float32: the onset in the raw recording, s,
    ``onset / 512`` in ``main_dataset.py``). The split is the file's (the authors'
    ``test_indices.json``). Schema of the current revision: the dataset card (README.md @ b24cdd0)
    and viewer; its shard names: the ``data/`` tree (12 train + 3 test shards at aab5b68, which the
    card's split sizes contradict, so they are globbed, not counted).

    Images. The first revision (``final_dataset/create_huggingface_dataset.py`` of
    github.com/Alljoined/alljoined_preprocessing) had an ``image`` column (224 x 224, from
    ``coco_images_224_float16.hdf5[73k_id - 1]``, so 1-based ids); the current one has none
    (``1_preprocessing/final_dataset/create_huggingface_dataset.py`` of
    github.com/Alljoined/alljoined-dataset1 drops it and marks ``73k_id`` "0-indexed"). The images
    are then the user's: one ``<73k_id>.png`` (or .jpg) per image in ``root/images/``, or NSD's
    ``nsd_stimuli.hdf5`` (``imgBrick``, 73,000 x 425 x 425 x 3) at ``root/nsd_stimuli.hdf5``,
    from which the images used are written once to ``root/images_nsd_base<b>/<73k_id>.png``.
    Which base the current ``73k_id`` has is unconfirmed (the two scripts disagree), hence
    ``nsd_index_base``: row ``73k_id - nsd_index_base`` of ``imgBrick``. To check it, compare
    ``coco_id`` with ``cocoId`` of NSD's ``nsd_stim_info_merged.csv`` at ``nsdId = 73k_id - base``.

    Epochs only, already processed by the authors (``fif-eeg-preprocessing.py`` of the 0.5-125
    version of alljoined_preprocessing): 0.5-125 Hz band-pass, 60 Hz notch, ICA, epochs from
    -0.05 to 0.60 s (334 samples, the onset at sample 26), AutoReject, average reference,
    baseline (-0.05, 0); :meth:`epoched` says so, and a task's preprocessing is adapted to it.
    The 334 samples (also from the card's byte count) and the onset sample come from that code,
    not from the files: the loader reads the length from the data; ``onset_sample`` is a
    parameter. The raw BDF recordings (NEMAR nm000133, OSF kqgs8) are not read here.

    Recordings: one per subject and session, an ``mne.EpochsArray`` of its epochs (both splits)
    in ``(block, trial)`` order. Events: one per epoch, ``onset`` the ``curr_time``,
    ``kind="stimulus"``, ``stimulus`` the ``73k_id``, ``category`` and ``caption`` empty (the
    release has none), duration 0.3 s.

    Parameters
    ----------
    root : str or Path, optional
        Default ``data_dir() / "Xu2024Alljoined"``.
    subjects, sessions : list of str or int, optional
        Subjects (1..8) and sessions (1, 2) to use; default all.
    onset_sample : int
        Sample of each epoch at the image onset (26 = 0.05 s at 512 Hz).
    nsd_index_base : {0, 1}
        Index base of ``73k_id`` when images are read from ``imgBrick`` (unconfirmed; 0 as the
        script that wrote the current schema says).
    nsd_stimuli : str or Path, optional
        NSD's ``nsd_stimuli.hdf5``; default ``root / "nsd_stimuli.hdf5"``.
    skip_unreadable : bool
        Leave out, with a warning, a recording that cannot be read instead of stopping.
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
                 sessions: list[str] | None = None, onset_sample: int = 26, nsd_index_base: int = 0,
                 nsd_stimuli: str | Path | None = None, skip_unreadable: bool = False):
        super().__init__(root if root is not None else data_dir() / self.name, subjects, sessions, skip_unreadable)
        if nsd_index_base not in (0, 1):
            raise NeuroarenaError(f"nsd_index_base {nsd_index_base!r} is neither 0 nor 1", fix="pass 0 or 1")
        self.onset_sample = onset_sample
        self.nsd_index_base = nsd_index_base
        self.nsd_stimuli = Path(nsd_stimuli) if nsd_stimuli is not None else self.root / NSD_FILE
        self._key_table: pd.DataFrame | None = None

    def download(self) -> None:
        """Fetch the parquet files from the HuggingFace Hub (NSD's images need NSD's own agreement)."""
        from huggingface_hub import snapshot_download

        snapshot_download(repo_id=self.repo_id, repo_type="dataset", local_dir=self.root,
                          allow_patterns=["data/train-*", "data/test-*", "README.md"])

    def find_recordings(self) -> list[Recording]:
        """One recording per subject and session, sorted."""
        keys = self._keys()
        pairs = sorted({(int(s), int(n)) for s, n in zip(keys["subject_id"], keys["session"])})
        files = tuple(self._files())  # each recording's epochs are spread over every file
        return [Recording(study=self.name, subject=f"{s:02d}", session=str(n), run="", task="images",
                          path=self.root / "data", loader=lambda s=s, n=n: self._load(s, n),
                          events_loader=lambda s=s, n=n: self._events(s, n), files=files)
                for s, n in pairs]

    def params(self) -> dict[str, Any]:
        """Name, subjects, sessions, the epochs' onset sample and the NSD index base."""
        return {**super().params(), "onset_sample": self.onset_sample, "nsd_index_base": self.nsd_index_base}

    def epoched(self) -> EpochedRelease:
        """The authors' epochs: -0.05..0.60 s at 512 Hz, 0.5-125 Hz, 60 Hz notch, average reference."""
        return EpochedRelease(tmin=-self.onset_sample / self.sfreq, n_times=self.n_times, sfreq=self.sfreq,
                              l_freq=0.5, h_freq=125.0, notch=(60.0,), reference="average", baseline=(-0.05, 0.0),
                              line_freq=self.line_freq, steps="ICA, AutoReject")

    def stimuli(self) -> "pd.DataFrame":
        """The chosen subjects' images (index: ``73k_id``), as files (see the class docstring).

        Raises
        ------
        NeuroarenaError
            An image is neither in the parquet files, nor in ``images/``, nor in ``nsd_stimuli.hdf5``.
        """
        import pandas as pd

        keys = self._chosen(self._keys()).drop_duplicates("73k_id").sort_values("73k_id", kind="stable")
        ids = keys["73k_id"].astype(str).tolist()
        images = self._image_files(ids)
        return pd.DataFrame({
            "stimulus": ids, "image": [str(images[s].resolve()) for s in ids],
            "category": "", "caption": "", "split": keys["split"].to_numpy(),
        }).set_index("stimulus").sort_index()

    def _files(self) -> list[Path]:
        folder = self.root / "data"
        files = sorted(p for split in SPLITS for p in folder.glob(f"{split}-*.parquet") if p.is_file())
        if not files:
            raise missing_data(folder, self.dataset, "no Alljoined-1 parquet files (data/train-*.parquet)")
        return files

    def _keys(self) -> "pd.DataFrame":
        """:data:`KEY_COLUMNS` and ``split`` of every epoch, shape (n_epochs, 7), read once."""
        import pandas as pd

        if self._key_table is None:
            tables = [read_parquet(path, KEY_COLUMNS, check=REQUIRED_COLUMNS).to_pandas().assign(
                split=path.name.split("-")[0]) for path in self._files()]
            self._key_table = pd.concat(tables, ignore_index=True)
        return self._key_table

    def _chosen(self, keys: "pd.DataFrame") -> "pd.DataFrame":
        for column, labels in (("subject_id", self.subjects), ("session", self.sessions)):
            if labels is not None:
                keys = keys[keys[column].isin([int(label) for label in labels if label.isdigit()])]
        return keys

    def _epoch_keys(self, subject: int, session: int) -> "pd.DataFrame":
        """The keys of one subject's session in epoch order: by block, then trial (a stable sort)."""
        keys = self._keys()
        return _in_epoch_order(keys[(keys["subject_id"] == subject) & (keys["session"] == session)])

    def _events(self, subject: int, session: int) -> "pd.DataFrame":
        keys = self._epoch_keys(subject, session)
        return events_table(onset=keys["curr_time"].to_numpy(dtype=float), duration=self.duration, kind="stimulus",
                            stimulus=keys["73k_id"].astype(str), category=[""] * len(keys), split=keys["split"])

    def _load(self, subject: int, session: int) -> "mne.EpochsArray":
        import pandas as pd
        import pyarrow as pa

        where = [("subject_id", "=", subject), ("session", "=", session)]
        parts, chunks, kind = [], [], None
        for path in self._files():
            table = read_parquet(path, KEY_COLUMNS + ["EEG"], filters=where)
            parts.append(table.select(KEY_COLUMNS).to_pandas().assign(split=path.name.split("-")[0]))
            chunks += table.column("EEG").chunks
            kind = table.schema.field("EEG").type
        keys = pd.concat(parts, ignore_index=True)
        order = np.lexsort((keys["trial"].to_numpy(), keys["block"].to_numpy()))
        source = self.root / "data" / f"sub-{subject:02d}_ses-{session}"
        epochs = _epoch_array(pa.chunked_array(chunks, type=kind), source)[order]
        return epochs_from_array(epochs, BIOSEMI64, self.sfreq, -self.onset_sample / self.sfreq, source,
                                 self.line_freq)

    def _image_files(self, ids: list[str]) -> dict[str, Path]:
        """Image file per stimulus id: ``images/``, else written from the parquet or from ``imgBrick``."""
        images = _image_folder(self.root / "images")
        wanted = [s for s in ids if s not in images]
        in_parquet = bool(wanted) and "image" in parquet_columns(self._files()[0])
        if in_parquet:
            images.update(self._write_parquet_images(set(wanted)))
        elif wanted:
            folder = self.root / f"images_nsd_base{self.nsd_index_base}"
            images.update(_image_folder(folder))
            wanted = [s for s in ids if s not in images]
            if wanted and self.nsd_stimuli.is_file():
                images.update(write_nsd_images(self.nsd_stimuli, wanted, self.nsd_index_base, folder))
        absent = [s for s in ids if s not in images]
        if absent and in_parquet:
            raise NeuroarenaError(f"{len(absent)} of {len(ids)} images (73k_id {absent[0]}, ...) are in no parquet "
                                  "file's image column", path=self.root / "data", fix=REDOWNLOAD)
        if absent:
            raise NeuroarenaError(
                f"{len(absent)} of {len(ids)} images missing (73k_id {absent[0]}, ...): this revision's parquet "
                "files have no 'image' column; the stimuli are NSD images", path=self.root / "images",
                fix=f"put NSD's {NSD_FILE} ({NSD_SOURCE}, after NSD's data-access agreement) at {self.nsd_stimuli}, "
                    f"or one <73k_id>.png per image in {self.root / 'images'}")
        return images

    def _write_parquet_images(self, wanted: set[str]) -> dict[str, Path]:
        """The images of ``wanted`` ids from the ``image`` column, written once to ``images/``."""
        written = {}
        for path in self._files():
            table = read_parquet(path, ["73k_id", "image"]).to_pydict()
            for stimulus, image in zip(table["73k_id"], table["image"]):
                if str(stimulus) in wanted and str(stimulus) not in written:
                    written[str(stimulus)] = _write_image(self.root / "images", str(stimulus), image["bytes"], path)
        return written


def parquet_columns(path: Path) -> list[str]:
    """Column names of a parquet file (its footer only).

    Raises
    ------
    NeuroarenaError
        The file is not a readable parquet file (truncated, corrupt).
    """
    return _parquet_call(path, lambda pq: pq.read_schema(path).names)


def read_parquet(path: Path, columns: list[str], filters: list | None = None,
                 check: tuple[str, ...] | None = None) -> "pa.Table":
    """``columns`` of one parquet file (rows passing ``filters``), after checking it has ``check`` (default ``columns``).

    Raises
    ------
    NeuroarenaError
        The file is not a readable parquet file (truncated, corrupt) or lacks a column.
    """
    names = parquet_columns(path)
    absent = [column for column in (columns if check is None else check) if column not in names]
    if absent:
        raise NeuroarenaError(f"parquet file lacks column(s) {', '.join(absent)} (it has {', '.join(names)})",
                              path=path, fix=f"this is not an Alljoined/05_125 file: {REDOWNLOAD}")
    return _parquet_call(path, lambda pq: pq.read_table(path, columns=columns, filters=filters))


def _parquet_call(path: Path, call):
    """``call(pyarrow.parquet)``, with pyarrow's errors on a damaged file made one line naming it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return call(pq)
    except (pa.ArrowException, OSError) as error:
        reason = (str(error).strip().splitlines() or [""])[0]
        raise NeuroarenaError(f"not a readable parquet file ({type(error).__name__}: {reason[:160]})", path=path,
                              fix=REDOWNLOAD) from None


def write_nsd_images(path: Path, ids: list[str], base: int, folder: Path) -> dict[str, Path]:
    """Row ``int(id) - base`` of NSD's ``imgBrick``, shape (73000, 425, 425, 3) uint8, as ``folder/<id>.png``.

    Raises
    ------
    NeuroarenaError
        The file is not readable HDF5, has no ``imgBrick`` of RGB images, or an id falls outside it.
    """
    from PIL import Image

    try:
        import h5py
    except ImportError:
        raise NeuroarenaError(f"reading {NSD_FILE} needs the h5py package", path=path,
                              fix="pip install h5py") from None
    written = {}
    try:
        with h5py.File(path, "r") as stimuli:
            brick = stimuli.get(NSD_DATASET)
            if brick is None or brick.ndim != 4 or brick.shape[-1] != 3:
                raise NeuroarenaError(f"no {NSD_DATASET} array of RGB images (n, height, width, 3) in this file",
                                      path=path, fix=f"use NSD's {NSD_FILE} ({NSD_SOURCE})")
            for stimulus in sorted(ids, key=int):
                row = int(stimulus) - base
                if not 0 <= row < len(brick):
                    raise NeuroarenaError(f"73k_id {stimulus} (index base {base}) is outside the {len(brick)} "
                                          f"images of {NSD_DATASET}", path=path, fix="check nsd_index_base (0 or 1)")
                out = folder / f"{stimulus}.png"
                with atomic_path(out) as tmp:
                    Image.fromarray(np.asarray(brick[row], dtype=np.uint8)).save(tmp, format="PNG")
                written[stimulus] = out
    except OSError as error:
        raise NeuroarenaError(f"not a readable HDF5 file ({error})", path=path,
                              fix=f"download {NSD_FILE} again ({NSD_SOURCE})") from None
    return written


def _in_epoch_order(keys: "pd.DataFrame") -> "pd.DataFrame":
    order = np.lexsort((keys["trial"].to_numpy(), keys["block"].to_numpy()))
    return keys.iloc[order].reset_index(drop=True)


def _image_folder(folder: Path) -> dict[str, Path]:
    """Stimulus id (file stem) -> image file of ``folder`` (hidden files, such as partial writes, left out)."""
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in folder.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in READABLE_IMAGES}


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
