"""THINGS-EEG2 (Gifford et al. 2022): 10 subjects, 4 sessions; epochs of 17 channels, or raw 63-channel EEG."""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.home import data_dir
from neuroarena.studies.arrays import epochs_from_array, events_table, missing_data, raw_from_array
from neuroarena.studies.base import EpochedRelease, Recording, Study

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
PREPROCESSED_KEYS = ("preprocessed_eeg_data", "ch_names", "times")
#: Folder of each release under ``root`` and the file that marks a subject as present.
FOLDERS = {"preprocessed": "preprocessed_data", "raw": "raw_data"}
PREFIXES = {"preprocessed": "preprocessed_eeg", "raw": "raw_eeg"}
MARKERS = {release: f"{prefix}_training.npy" for release, prefix in PREFIXES.items()}
#: The preprocessed epochs: first sample (s), rate (Hz), samples; the seed of the authors' repetition shuffle.
EPOCH_TMIN, EPOCH_SFREQ, EPOCH_TIMES = -0.2, 100.0, 100
SHUFFLE_SEED = 20200220
N_SUBJECTS = 10
FIGSHARE = ("https://plus.figshare.com/articles/dataset/"
            "A_large_and_rich_EEG_dataset_for_modeling_human_visual_object_recognition/18470912/4")
DRIVE = "https://drive.google.com/drive/folders/1KnOcV38RthPcpZR2vtiSm0jtZ6p63RNt"


class Gifford2022Large(Study):
    """THINGS-EEG2: a large and rich EEG dataset for modeling human visual object recognition.

    Ten subjects saw THINGS images in RSVP (100 ms on, 100 ms blank) over four sessions, plus target
    (catch) images. Training: 16,540 images (1,654 concepts x 10); each session shows half of the
    training concepts (827 concepts, 8,270 images), each image twice (some a third time), so every
    training image is seen in one of sessions 1-2 and one of sessions 3-4: 4 repetitions overall
    (``p.training_cat=p.tot_training_cat/2``, ``p.rep_training=2`` in
    ``00_data_collection/train/defineStimuliOrder.m`` of github.com/gifale95/eeg_encoding). Test: 200
    images (one per concept, concepts not in training) 20 times per session, 80 overall
    (``p.rep_test=20``, ``00_data_collection/test/data_collection_test.m``).

    Two releases, either under ``root`` (``release="auto"`` takes the one there, the preprocessed one
    when both are)::

        preprocessed_data/sub-01/preprocessed_eeg_training.npy   # OSF https://osf.io/anp5v/, sub-XX.zip
        preprocessed_data/sub-01/preprocessed_eeg_test.npy
        raw_data/sub-01/ses-01/raw_eeg_training.npy              # OSF https://osf.io/crxs4/, sub-XX.zip
        raw_data/sub-01/ses-01/raw_eeg_test.npy                  #   (the 5 training runs concatenated)
        image_set/image_metadata.npy                             # OSF https://osf.io/y63gw/: dict
        image_set/training_images/00001_aardvark/aardvark_01b.jpg ... 01654_zucchini/zucchini_10s.jpg
        image_set/test_images/00001_aircraft_carrier/aircraft_carrier_06s.jpg ... (200 folders)

    Image condition ``k`` (1-based) is entry ``k - 1`` of ``image_metadata.npy``: sorted concepts,
    then sorted images (y63gw wiki; author in gifale95/eeg_encoding issue #3).

    **Preprocessed** (``save_prepr`` in ``02_eeg_preprocessing/preprocessing_utils.py`` of
    eeg_encoding): pickled dicts (``np.load(..., allow_pickle=True).item()``) of
    ``preprocessed_eeg_data`` (training (16540, 4, 17, 100), test (200, 80, 17, 100): image
    conditions x repetitions x channels x times; float64 inferred from the code, unconfirmed),
    ``ch_names`` (17 channels matching ``^O|^P``: Pz P3 P7 O1 Oz O2 P4 P8 P1 P5 PO7 PO3 POz PO4 PO8
    P6 P2) and ``times`` (-0.2 .. 0.79 s, 100 Hz). The authors kept those channels, dropped the
    targets, cut epochs of -0.2..0.8 s with baseline (-0.2, 0) at 1000 Hz, resampled them to 100 Hz
    (MNE ``Epochs.resample``: no other low-pass than its anti-aliasing, i.e. at most the 50 Hz
    Nyquist; its exact filter depends on the MNE version used), kept 2 training / 20 test
    repetitions per image and session at random, and whitened each session (multivariate noise
    normalisation: shrinkage covariance over repetitions, averaged, ``Sigma^-1/2``), so the values
    are dimensionless, not volts (MNE holds them as volts). No offline filter (the amplifier's
    0.01-100 Hz only, ``source_to_raw.py``), no re-reference (the online one; which electrode is
    unconfirmed), no ICA. Repetitions were then shuffled across sessions with one fixed permutation
    (``sklearn.utils.shuffle``, seed 20200220): the session of a repetition is not reliably known,
    so this release has no sessions. Recordings: one per subject and partition (``task`` training /
    test); its epochs are every (image, repetition), image-major; events one per epoch
    (``kind="stimulus"``, ``stimulus`` the image file stem, ``category`` the concept, ``split``
    train / test, ``repetition`` the index along the file's repetition axis, ``onset`` NaN).
    :meth:`epoched` tells the store what was done.

    **Raw** (``01_eeg_preprocessing/source_to_raw.py``; crxs4 wiki): pickled dicts of
    ``raw_eeg_data`` (64 x n_samples, volts: 63 EEG channels then ``stim``), ``ch_names``,
    ``ch_types`` (the wiki's ``ch_type`` is a typo: the authors' loader reads ``ch_types``),
    ``sfreq`` 1000, ``highpass`` 0.01, ``lowpass`` 100. The stim channel holds the image condition
    at each onset (1..16,540 training, 1..200 test) and 99,999 for targets. Recordings: one per
    subject, session and partition, continuous; events one per non-zero stim sample (targets
    ``kind="target"``). The crxs4 files sit on OSF's Google Drive provider, not osfstorage
    (download scripts use ``.../crxs4/providers/googledrive``); in 2025 the component showed an
    empty folder and the author pointed to Figshare+ and Google Drive (eeg_encoding issue #7).

    **Download.** :meth:`download` lists the OSF project's storage providers
    (:func:`~neuroarena.studies.osf.fetch_osf_node_files`) and fetches ``sub-XX.zip`` from the one
    holding them: osfstorage for anp5v (the Perceptogram README fetches
    ``files.de-1.osf.io/v1/resources/anp5v/providers/osfstorage``), googledrive for crxs4, whose
    listings carry no checksum (osf.io ``get_extra``; inferred, unconfirmed live): the sha256 is then
    computed after download and recorded in ``<folder>/SHA256SUMS``, with a warning. Each zip is
    unpacked to ``<folder>/sub-XX`` whichever folders it wraps the files in (a top ``sub-XX/`` is
    inferred, unconfirmed). When crxs4 lists nothing, the error names Figshare+ and Google Drive.
    Unconfirmed besides: the exact raw channel order, and that the released arrays match this code
    and seed (the repetition permutation, e.g. ``[2, 1, 3, 0]`` for training, is derived from it).

    Parameters
    ----------
    root : str or Path, optional
        Default ``data_dir() / "Gifford2022Large"``.
    subjects : list of str or int, optional
        Subjects to use (1..10); default every subject on disk.
    sessions : list of str or int, optional
        Sessions to use (1..4; raw release only); default every session on disk.
    release : {"auto", "preprocessed", "raw"}
        Which release to read and :meth:`download`; ``auto``: the one on disk (preprocessed when both
        or none are).
    skip_unreadable : bool
        Leave out, with a warning, a recording that cannot be read instead of stopping.
    """

    name = "Gifford2022Large"
    aliases = ("things-eeg2", "gifford2022large")
    citation = ("Gifford, A. T., Dwivedi, K., Roig, G., & Cichy, R. M. (2022). A large and rich EEG dataset for "
                "modeling human visual object recognition. NeuroImage, 264, 119754. "
                "https://doi.org/10.1016/j.neuroimage.2022.119754")
    description = "THINGS-EEG2: 10 subjects x 4 sessions of RSVP EEG to 16,740 THINGS images (OSF; epochs or raw)."
    dataset = "things-eeg2"
    preprocessed_node = "anp5v"
    raw_eeg_node = "crxs4"
    image_set_node = "y63gw"
    duration = 0.1

    line_freq = 50.0  # recorded in Berlin

    def __init__(self, root: str | Path | None = None, subjects: list[str] | None = None,
                 sessions: list[str] | None = None, release: Literal["auto", "preprocessed", "raw"] = "auto",
                 skip_unreadable: bool = False):
        super().__init__(root if root is not None else data_dir() / self.name, subjects, sessions, skip_unreadable)
        if release not in ("auto", *FOLDERS):
            raise NeuroarenaError(f"unknown THINGS-EEG2 release {release!r}", path=self.root,
                                  fix="choose release auto, preprocessed or raw")
        self.release = release
        if release == "preprocessed" and self.sessions is not None:
            raise self._no_sessions()
        self._events: dict[Path, pd.DataFrame] = {}

    def resolved_release(self) -> str:
        """The release read: :attr:`release`, or for ``auto`` the raw one when only it is on disk, else preprocessed."""
        if self.release != "auto":
            return self.release
        return "raw" if self._present("raw") and not self._present("preprocessed") else "preprocessed"

    def params(self) -> dict[str, Any]:
        """Name, subjects, sessions and the release read."""
        return {**super().params(), "release": self.resolved_release()}

    def epoched(self) -> EpochedRelease | None:
        """The preprocessed release's epochs and what the authors did to them (None for the raw release)."""
        if self.resolved_release() != "preprocessed":
            return None
        return EpochedRelease(
            tmin=EPOCH_TMIN, n_times=EPOCH_TIMES, sfreq=EPOCH_SFREQ, l_freq=0.01, h_freq=EPOCH_SFREQ / 2, notch=(),
            reference=None, baseline=(-0.2, 0.0), line_freq=self.line_freq, whitened=True,
            steps="17 occipital/parietal channels (^O|^P); targets removed; baseline -0.2..0 s at 1000 Hz; resampled "
                  "to 100 Hz (no offline filter: amplifier 0.01-100 Hz); multivariate noise normalisation per "
                  f"session; repetitions shuffled across sessions (seed {SHUFFLE_SEED})")

    def download(self) -> None:
        """Fetch the chosen subjects' zips of :attr:`release` (``auto``: preprocessed) and the image set from OSF."""
        from neuroarena.studies import osf
        from neuroarena.studies.download import unpack_folder

        release = "preprocessed" if self.release == "auto" else self.release
        folder = self.root / FOLDERS[release]
        numbers = [int(s) for s in self.subjects] if self.subjects else range(1, N_SUBJECTS + 1)
        wanted = [f"sub-{s:02d}.zip" for s in numbers if not any((folder / f"sub-{s:02d}").rglob(MARKERS[release]))]
        if wanted:
            node = self.preprocessed_node if release == "preprocessed" else self.raw_eeg_node
            elsewhere = "" if release == "preprocessed" else (
                f"get sub-XX.zip from Figshare+ ({FIGSHARE}) or the authors' Google Drive ({DRIVE}) and unpack it "
                f"into {folder} as sub-XX/ses-YY/raw_eeg_{{training,test}}.npy")
            archives = osf.fetch_osf_node_files(osf.osf_node_url(node), wanted, folder, unpack=False,
                                                elsewhere=elsewhere)
            for archive in archives:  # the subject's folder, whichever folders the zip wraps it in
                unpack_folder(archive, folder / archive.stem, MARKERS[release], depth=0 if release == "preprocessed"
                              else 1)
        images = self.root / "image_set"
        names = [name for name, done in [("image_metadata.npy", (images / "image_metadata.npy").is_file()),
                                         ("training_images.zip", (images / "training_images").is_dir()),
                                         ("test_images.zip", (images / "test_images").is_dir())] if not done]
        if names:
            osf.fetch_osf_files(osf.osf_listing_url(self.image_set_node), names, images)

    def find_recordings(self) -> list[Recording]:
        """One recording per subject and partition (preprocessed) or subject, session and partition (raw), sorted."""
        release = self.resolved_release()
        folder = self.root / FOLDERS[release]
        if not self._present(release):
            if self.release == "auto":
                raise missing_data(self.root, self.dataset, "no THINGS-EEG2 data here: neither preprocessed_data/"
                                   "sub-XX/preprocessed_eeg_*.npy nor raw_data/sub-XX/ses-YY/raw_eeg_*.npy")
            other = next((r for r in FOLDERS if r != release and self._present(r)), None)
            download = (f"run `neuroarena eeg image --dataset {self.dataset} --dataset-param release={release} "
                        "--download`")
            raise NeuroarenaError(f"no {release} release here (sub-XX/.../{PREFIXES[release]}_*.npy)", path=folder,
                                  fix=f"choose release='{other}' (found in {self.root / FOLDERS[other]}), or {download}"
                                  if other else download)
        if release == "preprocessed":
            if self.sessions is not None:
                raise self._no_sessions()
            places = [(subject, "", subject) for subject in self._pick(folder, "sub", self.subjects)]
        else:
            places = [(subject, session.name[4:], session) for subject in self._pick(folder, "sub", self.subjects)
                      for session in self._pick(subject, "ses", self.sessions)]
        load = self._load_epochs if release == "preprocessed" else self._load_raw
        found = []
        for subject, session, place in places:
            for partition in PARTITIONS:
                path = place / f"{PREFIXES[release]}_{partition}.npy"
                if not path.is_file():
                    raise missing_data(path, self.dataset, f"{release} EEG file not found")
                found.append(Recording(
                    study=self.name, subject=subject.name[4:], session=session, run="", task=partition, path=path,
                    loader=lambda p=path: load(p), events_loader=lambda p=path: self._events_of(p, load),
                    files=(path, self.root / "image_set" / "image_metadata.npy")))
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

    def _present(self, release: str) -> bool:
        return any((self.root / FOLDERS[release]).glob(f"sub-*/**/{PREFIXES[release]}_*.npy"))

    def _no_sessions(self) -> NeuroarenaError:
        return NeuroarenaError(
            f"the preprocessed release has no sessions: its repetitions were shuffled across sessions (seed "
            f"{SHUFFLE_SEED})", path=self.root / FOLDERS["preprocessed"],
            fix="leave sessions out, or use release='raw' (raw_data/sub-XX/ses-YY)")

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

    def _events_of(self, path: Path, load: Callable[[Path], Any]) -> "pd.DataFrame":
        if path not in self._events:
            load(path)
        return self._events.pop(path)

    def _load_epochs(self, path: Path) -> "mne.EpochsArray":
        """Epochs of a preprocessed file, shape (n_images * n_repetitions, 17, 100), image-major."""
        content = read_pickled_dict(path, PREPROCESSED_KEYS)
        data = np.asarray(content["preprocessed_eeg_data"])
        ch_names = [str(name) for name in content["ch_names"]]
        split = PARTITIONS[path.stem.removeprefix("preprocessed_eeg_")]
        concepts, files = self._image_lists[split]
        check_epoch_layout(data.shape, ch_names, np.asarray(content["times"], dtype=float), len(files), split, path)
        n_images, n_reps = data.shape[:2]
        epochs = epochs_from_array(data.reshape(n_images * n_reps, *data.shape[2:]), ch_names, EPOCH_SFREQ,
                                   EPOCH_TMIN, path, self.line_freq)
        image = np.repeat(np.arange(n_images), n_reps)
        events = events_table(
            onset=np.full(len(image), np.nan), duration=self.duration, kind="stimulus",
            stimulus=np.array([Path(f).stem for f in files])[image], category=np.array(
                [concept_name(c) for c in concepts])[image], split=[split] * len(image))
        events["repetition"] = np.tile(np.arange(n_reps), n_images)
        self._events[path] = events
        return epochs

    def _load_raw(self, path: Path) -> "mne.io.RawArray":
        content = read_pickled_dict(path, RAW_KEYS)
        ch_names, ch_types = list(content["ch_names"]), list(content["ch_types"])
        raw = raw_from_array(np.asarray(content["raw_eeg_data"], dtype=float), ch_names, content["sfreq"], path,
                             ch_types)
        self._events[path] = self._events_from_raw(raw, path)
        return raw

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


def read_pickled_dict(path: Path, keys: tuple[str, ...]) -> dict[str, Any]:
    """A dict saved with ``np.save`` (a 0-d object array), checked to hold ``keys``."""
    try:
        content = np.load(path, allow_pickle=True).item()
    except (ValueError, OSError, EOFError) as err:
        raise NeuroarenaError(f"not a pickled dict as THINGS-EEG2 releases them ({err})", path=path,
                              fix="download it again") from None
    missing = [key for key in keys if not isinstance(content, dict) or key not in content]
    if missing:
        raise NeuroarenaError(f"file lacks keys {missing}", path=path, fix="download it again")
    return content


def check_epoch_layout(shape: tuple[int, ...], ch_names: list[str], times: np.ndarray, n_images: int, split: str,
                       path: Path) -> None:
    """Check a preprocessed array, shape (n_images, n_repetitions, n_chans, n_times), against its metadata.

    ``n_images`` is the number of images ``image_metadata.npy`` lists for ``split``; ``times`` must
    be the release's -0.2 .. 0.79 s at 100 Hz.
    """
    fix = "download the preprocessed release (OSF anp5v) and the image set (OSF y63gw) again"
    if len(shape) != 4:
        raise NeuroarenaError(f"preprocessed_eeg_data has shape {shape}, not (images, repetitions, channels, "
                              "times)", path=path, fix=fix)
    if shape[0] != n_images:
        raise NeuroarenaError(f"preprocessed_eeg_data holds {shape[0]} image conditions but image_metadata.npy "
                              f"lists {n_images} {split} images", path=path, fix=fix)
    if shape[2] != len(ch_names):
        raise NeuroarenaError(f"preprocessed_eeg_data has {shape[2]} channels but ch_names {len(ch_names)}",
                              path=path, fix=fix)
    expected = EPOCH_TMIN + np.arange(EPOCH_TIMES) / EPOCH_SFREQ
    if times.shape != expected.shape or shape[3] != EPOCH_TIMES or not np.allclose(times, expected, atol=1e-6):
        span = f"{times[0]:g}..{times[-1]:g} s in {len(times)} samples" if times.size else "empty"
        raise NeuroarenaError(f"times are {span} ({shape[3]} in the data), not -0.2..0.79 s at 100 Hz", path=path,
                              fix=fix)


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
