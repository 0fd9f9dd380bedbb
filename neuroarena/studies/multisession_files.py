"""The files of OpenNeuro ds005589 and of its CMU 11-685 copy: image tables, captions, events, arrays, channels."""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import EVENT_COLUMNS

if TYPE_CHECKING:
    import mne
    import numpy as np
    import pandas as pd

#: The 20 image categories, in the order of the experiment's class indices (``*_1000Hz.json``).
CATEGORIES: tuple[str, ...] = (
    "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "flower", "horse", "motorbike", "person", "sheep", "sofa", "train", "tvmonitor",
)
#: Sampling rate of the recordings and of the course arrays; ``*_events.tsv`` onsets count its samples.
SFREQ = 1000.0
#: ``eventnumber`` codes that mark no image of the image table: 252/254 follow each trial or sequence
#: (answer codes, meaning unconfirmed), 99 an RSVP target image inserted into a sequence (listed in
#: ``*_specialImage.csv`` instead).
NON_IMAGE_CODES: dict[str, frozenset[int]] = {"lowSpeed": frozenset({252, 254}), "rsvp": frozenset({99, 252, 254})}
#: Samples per epoch of the course arrays (0-500 ms at 1000 Hz).
COURSE_TIMES = 500
#: The course arrays are taken to hold microvolts (its handout clips them at +-500; unconfirmed); MNE wants volts.
MICROVOLT = 1e-6
_LABELS = re.compile(r"^\s*LABELS START_LIST\s*$(.*?)^\s*LABELS END_LIST\s*$", re.MULTILINE | re.DOTALL)


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


def read_channel_names(source: Sequence[str] | str | Path) -> list[str]:
    """Channel names: a list as given, or read from a file.

    A file is either a Curry header (``*.dpa``: its ``LABELS START_LIST`` .. ``LABELS END_LIST``
    lines) or text with one name per line (blank lines and ``#`` comments left out).
    """
    if not isinstance(source, (str, Path)):
        return [str(name) for name in source]
    path = Path(source).expanduser()
    if not path.is_file():
        raise NeuroarenaError("channel-name file not found", path=path,
                              fix="give ch_names as a list, or a file with one name per line (or a .cdt.dpa header)")
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix.lower() == ".dpa":
        match = _LABELS.search(text)
        if match is None:
            raise NeuroarenaError("Curry header has no LABELS START_LIST .. LABELS END_LIST list", path=path,
                                  fix="use the .cdt.dpa header of a ds005589 recording")
        text = match.group(1)
    names = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    names = [name for name in names if name]
    if not names:
        raise NeuroarenaError("no channel name in this file", path=path, fix="write one channel name per line")
    return names


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


def event_onsets(events: Path, task: str) -> list[float]:
    """Onsets in seconds of the image events of a release ``*_events.tsv`` (onsets in samples at 1000 Hz)."""
    from neuroarena.studies.bids import read_events_tsv

    table = read_events_tsv(events, {"eventnumber": "kind"})
    if not table["kind"].str.fullmatch(r"\d+").all():
        bad = table["kind"][~table["kind"].str.fullmatch(r"\d+")].iloc[0]
        raise NeuroarenaError(f"eventnumber {bad!r} is not a whole number", path=events,
                              fix="restore the events table from the release")
    codes = table["kind"].astype(int)
    return (table["onset"][~codes.isin(NON_IMAGE_CODES[task])] / SFREQ).tolist()


def epoch_onsets(npy: Path, images: Path, n_images: int) -> list[float]:
    """Nominal onset of each epoch of a course array (epochs one after another); its trial count must match."""
    n_trials, _, n_times = course_epochs(npy).shape
    if n_trials != n_images:
        raise NeuroarenaError(f"{npy.name} holds {n_trials} trials but {images.name} lists {n_images} images",
                              path=npy, fix="restore both files from the course data")
    return [trial * n_times / SFREQ for trial in range(n_trials)]


def course_epochs(path: Path) -> "np.ndarray":
    """A course array, memory-mapped: float32, shape (n_trials, n_channels, n_times), microvolts."""
    import numpy as np

    epochs = np.load(path, mmap_mode="r")
    if epochs.ndim != 3:
        raise NeuroarenaError(f"array has shape {epochs.shape}, not (n_trials, n_channels, n_times)", path=path,
                              fix="restore the file from the course data")
    return epochs


def read_curry(path: Path) -> "mne.io.BaseRaw":
    """A release recording (Curry 8 ``*_eeg.cdt`` with its ``.cdt.dpa`` header), read by MNE."""
    import mne

    return mne.io.read_raw_curry(path, verbose=False)


def read_course_epochs(path: Path, ch_names: list[str] | None, line_freq: float) -> "mne.EpochsArray":
    """A course array in volts (:func:`~neuroarena.studies.arrays.epochs_from_array`), t = 0 at its first sample."""
    import numpy as np

    from neuroarena.studies.arrays import epochs_from_array

    epochs = course_epochs(path)
    if ch_names is None:
        raise NeuroarenaError("the course arrays carry no channel names", path=path,
                              fix="pass ch_names: the cap's labels in the arrays' order, as a list or a file (one "
                                  "name per line, or the *_eeg.cdt.dpa header of a release recording)")
    if len(ch_names) != epochs.shape[1]:
        raise NeuroarenaError(f"array has {epochs.shape[1]} channels but ch_names lists {len(ch_names)}", path=path,
                              fix="pass the names of all channels, in the arrays' order")
    return epochs_from_array(np.asarray(epochs, dtype=np.float64) * MICROVOLT, ch_names, SFREQ, 0.0, path, line_freq)
