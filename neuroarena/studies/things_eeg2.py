"""THINGS-EEG2 (Gifford et al. 2022): 10 subjects, 4 sessions, raw 63-channel EEG at 1000 Hz."""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.home import data_dir
from neuroarena.studies.arrays import events_table, missing_data, raw_from_array
from neuroarena.studies.base import Recording, Study

if TYPE_CHECKING:
    import mne
    import pandas as pd

#: File partition -> the dataset's own split of its images.
PARTITIONS = {"training": "train", "test": "test"}
#: Stimulus-channel code of the target (catch) trials.
TARGET_CODE = 99999
#: Keys of ``image_metadata.npy`` per split: (concept folders, image files).
METADATA_KEYS = {"train": ("train_img_concepts", "train_img_files"), "test": ("test_img_concepts", "test_img_files")}
IMAGE_FOLDERS = {"train": "training_images", "test": "test_images"}
RAW_KEYS = ("raw_eeg_data", "ch_names", "ch_types", "sfreq")


class Gifford2022Large(Study):
    """THINGS-EEG2: a large and rich EEG dataset for modeling human visual object recognition.

    Ten subjects saw THINGS images in RSVP (100 ms on, 100 ms blank): in each of four sessions,
    16,540 training images (1,654 concepts x 10) twice overall and 200 test images (one per
    concept, concepts not in the training set) 20 times overall, plus target (catch) images.

    On disk (``root``), as distributed on OSF (raw EEG: https://osf.io/crxs4/, one
    ``sub-XX.zip`` per subject; images: https://osf.io/y63gw/, ``training_images.zip``,
    ``test_images.zip``, ``image_metadata.npy``; documented in the wikis of both projects)::

        raw_data/sub-01/ses-01/raw_eeg_training.npy     # the 5 training runs of the session, concatenated
        raw_data/sub-01/ses-01/raw_eeg_test.npy
        ...       sub-10/ses-04/...
        image_set/image_metadata.npy                    # dict: train_img_concepts, train_img_files,
                                                        #       test_img_concepts, test_img_files (+ *_THINGS)
        image_set/training_images/00001_aardvark/aardvark_01b.jpg ... 01654_zucchini/zucchini_10s.jpg
        image_set/test_images/00001_aircraft_carrier/aircraft_carrier_06s.jpg ... (200 folders)

    Each ``raw_eeg_*.npy`` is a pickled dict (``np.load(..., allow_pickle=True).item()``), as
    written by ``01_eeg_preprocessing/source_to_raw.py`` of github.com/gifale95/eeg_encoding:
    ``raw_eeg_data`` float64 array, shape (64, n_samples), volts (MNE ``get_data`` of the
    BrainVision recordings); ``ch_names`` the 63 EEG channels (10-10 names) then ``"stim"``;
    ``ch_types`` (``"eeg"`` x 63, ``"stim"``; the wiki calls this key ``ch_type``, the authors'
    loader reads ``ch_types``); ``sfreq`` 1000; ``highpass`` 0.01; ``lowpass`` 100. The stim channel
    is zero except at image onsets, where it holds the image condition: 1..16,540 in training files,
    1..200 in test files (nested order: sorted concepts, then sorted images, i.e. the order of
    ``image_metadata.npy``), and 99,999 for targets.

    Events: one per non-zero stim sample, onset = sample / sfreq; image onsets are
    ``kind="stimulus"`` with ``stimulus`` the image file stem (``aardvark_01b``), ``category`` the
    THINGS concept (``aardvark``) and ``split`` ``train``/``test`` by file; targets are
    ``kind="target"`` with no stimulus. Duration 0.1 s.

    Parameters
    ----------
    root : str or Path, optional
        Default ``data_dir() / "Gifford2022Large"``.
    subjects : list of str or int, optional
        Subjects to use (1..10); default every subject on disk.
    sessions : list of str or int, optional
        Sessions to use (1..4); default every session on disk.
    """

    name = "Gifford2022Large"
    aliases = ("things-eeg2", "gifford2022large")
    citation = ("Gifford, A. T., Dwivedi, K., Roig, G., & Cichy, R. M. (2022). A large and rich EEG dataset for "
                "modeling human visual object recognition. NeuroImage, 264, 119754. "
                "https://doi.org/10.1016/j.neuroimage.2022.119754")
    description = "THINGS-EEG2: 10 subjects x 4 sessions of 63-channel RSVP EEG to 16,740 THINGS images (OSF)."
    dataset = "things-eeg2"
    raw_eeg_node = "crxs4"
    image_set_node = "y63gw"
    duration = 0.1

    line_freq = 50.0  # recorded in Berlin

    def __init__(self, root: str | Path | None = None, subjects: list[str] | None = None,
                 sessions: list[str] | None = None):
        super().__init__(root if root is not None else data_dir() / self.name, subjects, sessions)
        self._events: dict[Path, pd.DataFrame] = {}

    def download(self) -> None:
        """Fetch the subjects' raw-EEG zips and the image set from OSF (checksums from OSF's listing)."""
        from neuroarena.studies.osf import fetch_osf_files, osf_listing_url

        raw = self.root / "raw_data"
        numbers = [int(s) for s in self.subjects] if self.subjects else range(1, 11)
        wanted = [f"sub-{s:02d}.zip" for s in numbers if not (raw / f"sub-{s:02d}").is_dir()]
        if wanted:
            fetch_osf_files(osf_listing_url(self.raw_eeg_node), wanted, raw)
        images = self.root / "image_set"
        names = [name for name, done in [("image_metadata.npy", (images / "image_metadata.npy").is_file()),
                                         ("training_images.zip", (images / "training_images").is_dir()),
                                         ("test_images.zip", (images / "test_images").is_dir())] if not done]
        if names:
            fetch_osf_files(osf_listing_url(self.image_set_node), names, images)

    def find_recordings(self) -> list[Recording]:
        """One recording per subject, session and partition (training, then test), sorted."""
        raw = self.root / "raw_data"
        if not raw.is_dir():
            raise missing_data(raw, self.dataset, "THINGS-EEG2 raw data folder not found")
        found = []
        for subject in self._pick(raw, "sub", self.subjects):
            for session in self._pick(subject, "ses", self.sessions):
                for partition in PARTITIONS:
                    path = session / f"raw_eeg_{partition}.npy"
                    if not path.is_file():
                        raise missing_data(path, self.dataset, "raw EEG file not found")
                    found.append(Recording(
                        study=self.name, subject=subject.name[4:], session=session.name[4:], run="",
                        task=partition, path=path, loader=lambda p=path: self._load(p),
                        events_loader=lambda p=path: self._events_of(p),
                    ))
        return found

    def stimuli(self) -> "pd.DataFrame":
        """The 16,540 training and 200 test images, indexed by file stem."""
        import pandas as pd

        rows = []
        for split, folder in IMAGE_FOLDERS.items():
            base = self.root / "image_set" / folder
            if not base.is_dir():
                raise missing_data(base, self.dataset, "THINGS-EEG2 image folder not found")
            concepts, files = self._image_lists[split]
            rows += [(Path(file).stem, str(base / concept / file), concept_name(concept), "", split)
                     for concept, file in zip(concepts, files)]
        table = pd.DataFrame(rows, columns=["stimulus", "image", "category", "caption", "split"])
        return table.set_index("stimulus")

    @staticmethod
    def _pick(folder: Path, prefix: str, labels: list[str] | None) -> list[Path]:
        if labels is None:
            return sorted(p for p in folder.glob(f"{prefix}-*") if p.is_dir())
        paths = [folder / f"{prefix}-{int(n):02d}" if n.isdigit() else folder / f"{prefix}-{n}" for n in labels]
        for path in paths:
            if not path.is_dir():
                raise missing_data(path, Gifford2022Large.dataset, "folder not found")
        return paths

    @cached_property
    def _image_lists(self) -> dict[str, tuple[list[str], list[str]]]:
        return read_image_metadata(self.root / "image_set" / "image_metadata.npy", self.dataset)

    def _load(self, path: Path) -> "mne.io.RawArray":
        content = np.load(path, allow_pickle=True).item()
        missing = [key for key in RAW_KEYS if key not in content]
        if missing:
            raise NeuroarenaError(f"raw EEG file lacks keys {missing}", path=path, fix="download it again")
        ch_names, ch_types = list(content["ch_names"]), list(content["ch_types"])
        raw = raw_from_array(np.asarray(content["raw_eeg_data"], dtype=float), ch_names, content["sfreq"], path,
                             ch_types)
        self._events[path] = self._events_from_raw(raw, path)
        return raw

    def _events_of(self, path: Path) -> "pd.DataFrame":
        if path not in self._events:
            self._load(path)
        return self._events.pop(path)

    def _events_from_raw(self, raw: "mne.io.BaseRaw", path: Path) -> "pd.DataFrame":
        if "stim" not in raw.ch_names:
            raise NeuroarenaError("no 'stim' channel", path=path, fix="download the raw EEG file again")
        codes = raw.get_data(picks=[raw.ch_names.index("stim")])[0]
        samples = np.flatnonzero(codes)
        codes = np.rint(codes[samples]).astype(int)
        split = PARTITIONS[path.stem.removeprefix("raw_eeg_")]
        concepts, files = self._image_lists[split]
        images = codes != TARGET_CODE
        bad = images & ((codes < 1) | (codes > len(files)))
        if bad.any():
            raise NeuroarenaError(f"stim code {codes[bad][0]} is not an image condition: image_metadata.npy has "
                                  f"{len(files)} {split} images", path=path,
                                  fix="use the image_metadata.npy of the same THINGS-EEG2 release")
        index = np.where(images, codes - 1, 0)
        return events_table(
            onset=samples / raw.info["sfreq"], duration=self.duration,
            kind=np.where(images, "stimulus", "target").tolist(),
            stimulus=[Path(files[i]).stem if ok else "" for i, ok in zip(index, images)],
            category=[concept_name(concepts[i]) if ok else "" for i, ok in zip(index, images)],
            split=[split if ok else "" for ok in images],
        )


def read_image_metadata(path: Path, dataset: str = "things-eeg2") -> dict[str, tuple[list[str], list[str]]]:
    """Read THINGS-EEG2's ``image_metadata.npy``.

    Returns
    -------
    dict
        ``{"train": (concept_folders, image_files), "test": (...)}``, each list in image-condition
        order (condition ``k`` of the stim channel is entry ``k - 1``): 16,540 and 200 entries.
    """
    if not path.is_file():
        raise missing_data(path, dataset, "THINGS-EEG2 image metadata not found")
    metadata = np.load(path, allow_pickle=True).item()
    lists = {}
    for split, keys in METADATA_KEYS.items():
        if any(key not in metadata for key in keys):
            raise NeuroarenaError(f"image_metadata.npy lacks {keys}", path=path, fix="download it again")
        concepts, files = (list(map(str, metadata[key])) for key in keys)
        if len(concepts) != len(files):
            raise NeuroarenaError(f"{keys[0]} and {keys[1]} differ in length ({len(concepts)} vs {len(files)})",
                                  path=path, fix="download it again")
        lists[split] = (concepts, files)
    return lists


def concept_name(folder: str) -> str:
    """``"00001_aardvark"`` -> ``"aardvark"``."""
    return folder.split("_", 1)[1] if "_" in folder and folder.split("_", 1)[0].isdigit() else folder
