"""Wang2025Multisession: the multi-subject, multi-session EEG dataset OpenNeuro ds005589."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal

from neuroarena.errors import NeuroarenaError
from neuroarena.home import data_dir
from neuroarena.studies.base import EVENT_COLUMNS, STIMULUS_COLUMNS, EpochedRelease, Recording, Study, same_label

if TYPE_CHECKING:
    import mne
    import numpy as np
    import pandas as pd

#: The 20 image categories, in the order of the experiment's class indices (``*_1000Hz.json``).
CATEGORIES: tuple[str, ...] = (
    "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "flower", "horse", "motorbike", "person", "sheep", "sofa", "train", "tvmonitor",
)
#: ``presentation`` -> BIDS task labels: slow (1 s per image) and rapid (RSVP, 5 images per second).
TASKS: dict[str, tuple[str, ...]] = {"slow": ("lowSpeed",), "rapid": ("rsvp",), "both": ("lowSpeed", "rsvp")}
#: Sampling rate of the recordings and of the course arrays; ``*_events.tsv`` onsets count its samples.
SFREQ = 1000.0
#: ``eventnumber`` codes that mark no image of the image table: 252/254 answer right/wrong,
#: 99 an RSVP target image inserted into a sequence (listed in ``*_specialImage.csv`` instead).
NON_IMAGE_CODES: dict[str, frozenset[int]] = {"lowSpeed": frozenset({252, 254}), "rsvp": frozenset({99, 252, 254})}
#: Samples per epoch of the course arrays (0-500 ms at 1000 Hz).
COURSE_TIMES = 500
#: The course arrays hold microvolts (its handout clips them at +-500); MNE wants volts.
MICROVOLT = 1e-6
COURSE_IMAGE_FOLDERS = ("images", "All_images")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
_RUN_NAME = re.compile(r"^sub-([A-Za-z0-9]+)_ses-([A-Za-z0-9]+)_task-([A-Za-z0-9]+)_run-([A-Za-z0-9]+)_")


@dataclass(frozen=True)
class _Run:
    subject: str
    session: str
    task: str
    run: str
    eeg: Path
    images: Path
    events: Path | None


class Wang2025Multisession(Study):
    """OpenNeuro ds005589 (Xue et al. 2025): 122-channel EEG at 1000 Hz, 20 image categories.

    Up to 5 sessions per subject on different days, each with 4 slow runs (100 images shown
    for 1 s, then a 20-way category choice) and 4 rapid runs (2,000 images at 5 Hz in
    sequences of 20). Events: one ``kind="stimulus"`` row per image; ``stimulus`` is the image
    name without extension and ``_resized`` suffix (``n02835271_1031``), ``category`` the
    image's folder (one of :data:`CATEGORIES`), ``caption`` from ``captions.txt`` (``""`` when
    absent), ``split`` ``""``. Session and run labels lose their zero padding (``ses-01`` ->
    ``"1"``); subjects keep theirs (``"02"``).

    Two layouts are read (``layout``; ``"auto"`` picks the one the folder holds):

    ``"bids"``, the OpenNeuro release (files in ``sub-XX/ses-YY/`` with no ``eeg/`` folder;
    the ``.cdt`` files are listed in ``.bidsignore``)::

        dataset_description.json, participants.tsv, README
        sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_eeg.cdt  (+ .cdt.dpa header, .cdt.ceo)
        sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_events.tsv  onset, duration, eventnumber
        sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_image.csv   FilePath, one image per trial
        stimuli/<category>/<image>_resized.jpg
        derivatives/preprocessed_data/sub-02/ses-01/..._1000Hz.npy (not read in this layout)
        captions.txt (optional: the course's captions, copied here)

    The continuous Curry 8 recordings are read with MNE (it needs the ``curryreader`` package).
    ``onset`` in ``*_events.tsv`` counts samples at 1000 Hz, not seconds; ``eventnumber`` is
    the trial number (slow) or the position in its sequence (rapid); other codes are in
    :data:`NON_IMAGE_CODES`. The n-th image event shows the n-th image of ``*_image.csv``,
    whose rapid form puts a ``Sequence:,<k>`` line before each sequence of paths.

    ``"course"``, as distributed for CMU 11-685 (Fall 2025; same file names as the release's
    ``derivatives/preprocessed_data``, with each run's ``_image.csv`` beside its arrays)::

        captions.txt   tab-separated: dataset, category, image_name, abstracted (the caption)
        images/<image_name>.jpg   (or All_images/, .jpeg, .png, with or without _resized)
        [any folder]/sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_1000Hz.npy
        [any folder]/sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_image.csv

    Each ``_1000Hz.npy`` holds epochs, float32, shape (n_trials, n_channels, n_times): trial k is
    0-500 ms after the onset of the image in row k of ``_image.csv`` (filtered 0.1-100 Hz, notch
    50 Hz), in microvolts. A recording is its epochs joined end to end into one Raw, an ``EDGE``
    annotation between epochs (MNE filters each on its own) and one event at the start of each,
    so windows must start at 0 s or later and end by n_times / 1000 s. The arrays carry no
    channel names: ``ch_names`` gives them (10-05 labels, in the arrays' order; standard positions).

    Sources: OpenNeuro ds005589 (README, ``.bidsignore``, ``*_events.tsv``, file listing); the
    experiment's PsychoPy scripts (``FilePath`` tables, serial codes 1-100, 99, 252, 254); the
    11-685 handout (sections 2.3-2.7) and course projects' loaders (``captions.txt`` format).

    Parameters
    ----------
    root : str or Path, optional
        The dataset folder; ``$NEUROARENA_HOME/data/Wang2025Multisession`` by default.
    layout : {"bids", "course", "auto"}
    presentation : {"slow", "rapid", "both"}
        Which runs: slow (``task-lowSpeed``, the course's choice), rapid (``task-rsvp``) or both.
    subjects : list of str, optional
        Subject labels to keep (``["02", "03"]``); all when None.
    sessions : list of str, optional
        Session labels to keep (``["1", "2"]``); all when None.
    ch_names : list of str, optional
        Channel names of the course arrays, in order; needed to load them (the BIDS layout ignores it).
    """

    name = "Wang2025Multisession"
    aliases = ("wang2025multisession", "ds005589")
    citation = ("Xue S, Jin B, Jiang J, Guo L, Zhou J, Wang C, Liu J (2025). A multi-subject and multi-session "
                "EEG dataset for modelling human visual object recognition. Scientific Data. OpenNeuro ds005589.")
    description = "OpenNeuro ds005589: 122-channel EEG, 5 sessions per subject, 20 categories, captioned images."
    line_freq = 50.0  # recorded in China

    def __init__(self, root: str | Path | None = None, layout: Literal["bids", "course", "auto"] = "bids",
                 presentation: Literal["slow", "rapid", "both"] = "slow", subjects: list[str] | None = None,
                 ch_names: list[str] | None = None, sessions: list[str] | None = None):
        super().__init__(data_dir() / self.name if root is None else root, subjects, sessions)
        if layout not in ("bids", "course", "auto"):
            raise NeuroarenaError(f"unknown layout {layout!r}", fix="use 'bids', 'course' or 'auto'")
        if presentation not in TASKS:
            raise NeuroarenaError(f"unknown presentation {presentation!r}", fix="use 'slow', 'rapid' or 'both'")
        self.layout = layout
        self.presentation = presentation
        self.ch_names = None if ch_names is None else list(ch_names)

    def download(self) -> None:
        """Fetch the BIDS release with openneuro-py (only the chosen runs); the course files cannot be fetched."""
        if self.layout == "course":
            raise NeuroarenaError(
                "the course layout has no public download", path=self.root,
                fix="place captions.txt, images/ and each run's sub-XX_ses-YY_task-lowSpeed_run-ZZ_1000Hz.npy "
                    "and _image.csv in this folder, or use layout='bids' to download OpenNeuro ds005589",
            )
        import openneuro

        subjects = self.subjects or ["*"]
        include = [f"sub-{s}/**/*task-{t}_*" for s in subjects for t in TASKS[self.presentation]] + ["stimuli"]
        self.root.mkdir(parents=True, exist_ok=True)
        openneuro.download(dataset="ds005589", target_dir=self.root, include=include)

    def find_recordings(self) -> list[Recording]:
        """Every chosen run, sorted by subject, session, task and run."""
        layout = self._layout()
        captions = self._captions(layout)
        return [Recording(study=self.name, subject=run.subject, session=run.session, run=run.run, task=run.task,
                          path=run.eeg, loader=self._loader(run),
                          events_loader=lambda run=run: self._events(run, captions))
                for run in self._runs(layout)]

    def stimuli(self) -> "pd.DataFrame":
        """Every image of the chosen runs: index stimulus id, columns :data:`STIMULUS_COLUMNS`."""
        import pandas as pd

        layout = self._layout()
        captions = self._captions(layout)
        rows = {}
        for run in self._runs(layout):
            for stimulus, category in read_image_table(run.images):
                rows[stimulus] = {"image": self._image_file(layout, stimulus, category), "category": category,
                                  "caption": captions.get(stimulus, ""), "split": ""}
        table = pd.DataFrame.from_dict(rows, orient="index", columns=list(STIMULUS_COLUMNS)).sort_index()
        table.index.name = "stimulus"
        return table

    def params(self) -> dict[str, Any]:
        """Name, folder, layout, presentation, subjects and course channel names."""
        return {**super().params(), "root": str(self.root), "layout": self.layout,
                "presentation": self.presentation, "ch_names": self.ch_names}

    def epoched(self) -> EpochedRelease | None:
        """The course arrays are epochs (0-0.5 s at 1000 Hz, filtered 0.1-100 Hz, 50 Hz notch); the release is not."""
        if self._layout() != "course":
            return None
        return EpochedRelease(tmin=0.0, n_times=COURSE_TIMES, sfreq=SFREQ, l_freq=0.1, h_freq=100.0, notch=(50.0,),
                              line_freq=self.line_freq)

    def _layout(self) -> str:
        """The folder's layout; an error when it is not the one asked for (unless "auto")."""
        found = detect_layout(self.root)
        if self.layout not in ("auto", found):
            raise NeuroarenaError(f"this folder holds the {found} layout, not the {self.layout} one", path=self.root,
                                  fix=f"pass layout='{found}' (or 'auto')")
        return found

    def _loader(self, run: _Run) -> Callable[[], "mne.io.BaseRaw"]:
        if run.events is not None:
            return lambda: _read_curry(run.eeg)
        return lambda: _read_epochs(run.eeg, self.ch_names)

    def _captions(self, layout: str) -> dict[str, str]:
        path = self.root / "captions.txt"
        return read_captions(path) if layout == "course" or path.is_file() else {}

    def _runs(self, layout: str) -> list[_Run]:
        pattern = "sub-*/ses-*/**/*_eeg.cdt" if layout == "bids" else "**/*_1000Hz.npy"
        tasks = TASKS[self.presentation]
        runs = []
        for path in self.root.glob(pattern):
            match = _RUN_NAME.match(path.name)
            if match is None:
                raise NeuroarenaError("file name lacks sub-/ses-/task-/run- entities", path=path,
                                      fix="name it sub-XX_ses-YY_task-T_run-ZZ_... as in the release")
            subject, session, task, run = match.groups()
            if task not in tasks or (self.subjects is not None
                                     and not any(same_label(subject, s) for s in self.subjects)):
                continue
            stem = path.name[: match.end()]
            runs.append(_Run(subject, _unpadded(session), task, _unpadded(run), path, path.parent / f"{stem}image.csv",
                             path.parent / f"{stem}events.tsv" if layout == "bids" else None))
        missing = [s for s in self.subjects or [] if not any(same_label(s, run.subject) for run in runs)]
        if not runs or missing:
            who = f"subject(s) {', '.join(missing)}" if missing else "any subject"
            raise NeuroarenaError(f"no {'/'.join(tasks)} run of {who} in this folder", path=self.root,
                                  fix="check subjects and presentation, or download the data")
        return sorted(runs, key=lambda r: (r.subject, _order(r.session), r.task, _order(r.run)))

    def _events(self, run: _Run, captions: dict[str, str]) -> "pd.DataFrame":
        images = read_image_table(run.images)
        onsets = _event_onsets(run) if run.events is not None else _epoch_onsets(run.eeg, run.images, len(images))
        if len(onsets) != len(images):
            raise NeuroarenaError(f"{run.events.name} has {len(onsets)} image events but {run.images.name} lists "
                                  f"{len(images)} images", path=run.events, fix="restore both files from the release")
        return image_events(onsets, images, captions, duration=1.0 if run.task == "lowSpeed" else 0.1)

    def _image_file(self, layout: str, stimulus: str, category: str) -> str:
        if layout == "bids":
            candidates = [self.root / "stimuli" / category / f"{stimulus}_resized.jpg"]
        else:
            candidates = [self.root / folder / f"{stimulus}{resized}{suffix}" for folder in COURSE_IMAGE_FOLDERS
                          for resized in ("", "_resized") for suffix in IMAGE_SUFFIXES]
        return next((str(path.resolve()) for path in candidates if path.is_file()), "")


def detect_layout(root: Path) -> str:
    """``"bids"`` (``dataset_description.json``) or ``"course"`` (``captions.txt`` and ``*_1000Hz.npy`` files)."""
    if not root.is_dir():
        raise NeuroarenaError("Wang2025Multisession folder not found", path=root,
                              fix="run `neuroarena eeg <task> --dataset wang2025multisession --download`, "
                                  "or put the course files there")
    if (root / "dataset_description.json").is_file():
        return "bids"
    if (root / "captions.txt").is_file() and next(root.glob("**/*_1000Hz.npy"), None) is not None:
        return "course"
    raise NeuroarenaError("folder holds neither the BIDS release (dataset_description.json) nor the course "
                          "layout (captions.txt and *_1000Hz.npy files)", path=root,
                          fix="point root at the ds005589 folder or at the folder holding captions.txt")


def image_id(name: str) -> str:
    """Image id of a path or file name: the stem without ``_resized`` (Windows or POSIX separators)."""
    stem = re.sub(r"\.(jpe?g|png)$", "", name.replace("\\", "/").rsplit("/", 1)[-1], flags=re.IGNORECASE)
    return stem.removesuffix("_resized")


def read_image_table(path: Path) -> list[tuple[str, str]]:
    """(image id, category) per trial of a ``*_image.csv``, in trial order.

    The table has a ``FilePath`` header, then one Windows path per trial ending in
    ``<category>\\<image>_resized.jpg``; rapid runs add a ``Sequence:,<k>`` line before each sequence.
    """
    if not path.is_file():
        raise NeuroarenaError("image table not found", path=path, fix="every run needs its *_image.csv")
    lines = [(number, line.strip()) for number, line in enumerate(
        path.read_text(encoding="utf-8-sig").splitlines(), start=1) if line.strip()]
    if not lines or lines[0][1] != "FilePath":
        raise NeuroarenaError("image table does not start with a FilePath header", path=path,
                              fix="restore the file from the release")
    rows = []
    for number, line in lines[1:]:
        if line.startswith("Sequence:"):
            continue
        parts = line.replace("\\", "/").split("/")
        category = parts[-2] if len(parts) > 1 else ""
        if category not in CATEGORIES:
            raise NeuroarenaError(f"line {number}: image folder {category!r} is not one of the 20 categories",
                                  path=path, fix="restore the file from the release")
        rows.append((image_id(parts[-1]), category))
    return rows


def read_captions(path: Path) -> dict[str, str]:
    """Image id -> caption from a tab-separated ``captions.txt`` (dataset, category, image_name, caption)."""
    if not path.is_file():
        raise NeuroarenaError("captions.txt not found", path=path,
                              fix="put the course's captions.txt in the dataset folder")
    captions = {}
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        parts = line.rstrip("\r\n").split("\t")
        header = [part.strip().lower() for part in parts[:3]] == ["dataset", "category", "image_name"]
        if not line.strip() or (number == 1 and header):
            continue
        if len(parts) < 4:
            raise NeuroarenaError(f"line {number} has {len(parts)} tab-separated fields, not 4", path=path,
                                  fix="write dataset, category, image_name and caption separated by tabs")
        captions[image_id(parts[2].strip())] = "\t".join(parts[3:]).strip()
    return captions


def image_events(onsets: list[float], images: list[tuple[str, str]], captions: dict[str, str],
                 duration: float) -> "pd.DataFrame":
    """Standard events table, one ``stimulus`` row per (onset in seconds, (image id, category))."""
    import numpy as np
    import pandas as pd

    n = len(onsets)
    return pd.DataFrame({
        "onset": np.asarray(onsets, dtype=float), "duration": np.full(n, duration), "kind": ["stimulus"] * n,
        "stimulus": [stimulus for stimulus, _ in images], "category": [category for _, category in images],
        "caption": [captions.get(stimulus, "") for stimulus, _ in images], "rt": np.full(n, np.nan),
        "split": [""] * n,
    }, columns=list(EVENT_COLUMNS))


def _event_onsets(run: _Run) -> list[float]:
    """Onsets in seconds of the image events of a release ``*_events.tsv`` (onsets in samples)."""
    from neuroarena.studies.bids import read_events_tsv

    events = read_events_tsv(run.events, {"eventnumber": "kind"})
    codes = events["kind"].astype(int)
    return (events["onset"][~codes.isin(NON_IMAGE_CODES[run.task])] / SFREQ).tolist()


def _epoch_onsets(npy: Path, images: Path, n_images: int) -> list[float]:
    """Onset of each epoch of a course array joined end to end; the trial count must match the image table."""
    n_trials, _, n_times = _course_epochs(npy).shape
    if n_trials != n_images:
        raise NeuroarenaError(f"{npy.name} holds {n_trials} trials but {images.name} lists {n_images} images",
                              path=npy, fix="restore both files from the course data")
    return [trial * n_times / SFREQ for trial in range(n_trials)]


def _course_epochs(path: Path) -> "np.ndarray":
    """A course array, memory-mapped: float32, shape (n_trials, n_channels, n_times), microvolts."""
    import numpy as np

    epochs = np.load(path, mmap_mode="r")
    if epochs.ndim != 3:
        raise NeuroarenaError(f"array has shape {epochs.shape}, not (n_trials, n_channels, n_times)", path=path,
                              fix="restore the file from the course data")
    return epochs


def _read_curry(path: Path) -> "mne.io.BaseRaw":
    import mne

    return mne.io.read_raw_curry(path, verbose=False)


def _read_epochs(path: Path, ch_names: list[str] | None) -> "mne.EpochsArray":
    """A course array in volts (:func:`~neuroarena.studies.arrays.epochs_from_array`), t = 0 at its first sample."""
    import numpy as np

    from neuroarena.studies.arrays import epochs_from_array

    epochs = _course_epochs(path)
    if ch_names is None:
        raise NeuroarenaError("the course arrays carry no channel names", path=path,
                              fix="pass ch_names: the cap's labels in the arrays' order (the LABELS list of a "
                                  "release *_eeg.cdt.dpa header)")
    if len(ch_names) != epochs.shape[1]:
        raise NeuroarenaError(f"array has {epochs.shape[1]} channels but ch_names lists {len(ch_names)}", path=path,
                              fix="pass the names of all channels, in the arrays' order")
    return epochs_from_array(np.asarray(epochs, dtype=np.float64) * MICROVOLT, ch_names, SFREQ, 0.0, path,
                             Wang2025Multisession.line_freq)


def _order(label: str) -> tuple[int, int | str]:
    """Sort key: numeric labels by value, before the others in text order."""
    return (0, int(label)) if label.isdigit() else (1, label)


def _unpadded(label: str) -> str:
    """``"01"`` -> ``"1"``; labels that are not numbers stay as they are."""
    return str(int(label)) if label.isdigit() else label
