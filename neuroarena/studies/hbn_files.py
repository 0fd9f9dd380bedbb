"""The files of the HBN releases of the EEG Foundation Challenge 2025: folders, participants, events, BDF.

Layout, as eegdash's competition-era ``EEGChallengeDataset`` caches a release (sccn/EEGDash
``eegdash/dataset/dataset.py`` @091bfd063d70de1476d2028b8d469554f51b98ee: the folder gets ``-bdf`` and,
for the mini subsets, ``-mini`` from the S3 bucket's name; a real copy is hkevin01/eeg2025
``data/ds005509-bdf-mini/`` @5bd480cf)::

    <root>/ds005509-bdf[-mini]/dataset_description.json, participants.tsv
    <root>/ds005509-bdf[-mini]/sub-NDARAH793FBF/eeg/sub-NDARAH793FBF_task-contrastChangeDetection_run-1_eeg.bdf
                                                    ... _eeg.json, _events.tsv, _channels.tsv

No ``ses-`` level; ``_run-N`` only for contrastChangeDetection (1-3) and surroundSupp (1-2). 129 channels
(E1..E128, then the reference Cz) at 100 Hz, band-passed 0.5-50 Hz by the HBN team (eeg2025/downsample-datasets
``process_eeg_data.m`` @b966c88; ``format_conversion/process_bdf_remove_cz.py`` @f8af0bd9).
"""
from __future__ import annotations

import datetime
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: Release -> OpenNeuro dataset (sccn/EEGDash ``eegdash/const.py`` @02805f4a; ds005513 is not a release).
RELEASES: dict[str, str] = {
    "R1": "ds005505", "R2": "ds005506", "R3": "ds005507", "R4": "ds005508", "R5": "ds005509",
    "R6": "ds005510", "R7": "ds005511", "R8": "ds005512", "R9": "ds005514", "R10": "ds005515",
    "R11": "ds005516",
}
#: Task labels as the challenge spells them (eeg2025.github.io ``_pages/data.md``).
TASKS: tuple[str, ...] = (
    "RestingState", "DespicableMe", "DiaryOfAWimpyKid", "FunwithFractals", "ThePresent",
    "contrastChangeDetection", "seqLearning6target", "seqLearning8target", "surroundSupp", "symbolSearch",
)
#: Runs of the tasks that have several (``_run-N``); the others have no run entity.
RUNS: dict[str, tuple[str, ...]] = {"contrastChangeDetection": ("1", "2", "3"), "surroundSupp": ("1", "2")}
#: participants.tsv columns, in order (a real R5 mini copy: hkevin01/eeg2025 @5bd480cf).
PARTICIPANT_COLUMNS: tuple[str, ...] = (
    "participant_id", "release_number", "sex", "age", "ehq_total", "commercial_use", "full_pheno",
    "p_factor", "attention", "internalizing", "externalizing", "RestingState", "DespicableMe",
    "FunwithFractals", "ThePresent", "DiaryOfAWimpyKid", "contrastChangeDetection_1",
    "contrastChangeDetection_2", "contrastChangeDetection_3", "surroundSupp_1", "surroundSupp_2",
    "seqLearning6target", "seqLearning8target", "symbolSearch",
)
FACTORS: tuple[str, ...] = ("p_factor", "attention", "internalizing", "externalizing")
AVAILABLE, UNAVAILABLE = "available", "unavailable"
SFREQ = 100.0
CHANNEL_NAMES: tuple[str, ...] = tuple(f"E{i}" for i in range(1, 129)) + ("Cz",)
#: The standard montage whose names are exactly :data:`CHANNEL_NAMES` (EGI HydroCel GSN 129, in MNE).
MONTAGE = "GSN-HydroCel-129"
_RECORDING = re.compile(r"^sub-([A-Za-z0-9]+)_task-([A-Za-z0-9]+)(?:_run-([0-9]+))?_eeg\.bdf$")
_BDF_DIGITAL = (-8388608, 8388607)


def release_label(release: str | int) -> str:
    """``"R5"`` for ``"R5"``, ``"r5"``, ``5`` or ``"5"``; an error naming the releases for anything else."""
    text = str(release).strip().upper()
    label = text if text.startswith("R") else f"R{text}"
    if label not in RELEASES:
        raise NeuroarenaError(f"unknown HBN release {release!r}", fix=f"use some of {', '.join(RELEASES)}")
    return label


def release_folder(root: Path, release: str, mini: bool) -> Path:
    """``<root>/<dsid>-bdf`` or ``<root>/<dsid>-bdf-mini``: where eegdash caches ``release``."""
    return Path(root) / f"{RELEASES[release]}-bdf{'-mini' if mini else ''}"


def recording_stem(subject: str, task: str, run: str = "") -> str:
    """``sub-<subject>_task-<task>[_run-<run>]``: the file names' common part."""
    return f"sub-{subject}_task-{task}" + (f"_run-{run}" if run else "")


def recording_path(folder: Path, subject: str, task: str, run: str = "", suffix: str = "eeg.bdf") -> Path:
    """A recording's file in a release folder: ``sub-X/eeg/sub-X_task-T[_run-N]_<suffix>``."""
    return Path(folder) / f"sub-{subject}" / "eeg" / f"{recording_stem(subject, task, run)}_{suffix}"


def availability_column(task: str, run: str = "") -> str:
    """participants.tsv column saying whether a recording exists: ``task`` or ``task_run``."""
    return f"{task}_{run}" if run else task


def read_participants(path: Path) -> "pd.DataFrame":
    """A release's participants.tsv, indexed by subject (NDAR id, no ``sub-``).

    Returns
    -------
    DataFrame, shape (n_subjects, 24 + 1)
        :data:`PARTICIPANT_COLUMNS` less ``participant_id`` (the index), plus ``release``
        (= ``release_number``); ``age`` and the :data:`FACTORS` as floats (``n/a`` -> NaN), the rest strings.

    Raises
    ------
    NeuroarenaError
        The file is missing, lacks a column, or lists a subject twice.
    """
    import pandas as pd

    if not path.is_file():
        raise NeuroarenaError("participants.tsv not found", path=path,
                              fix="download the release again (neuroarena ... --dataset hbn --download)")
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    missing = [column for column in PARTICIPANT_COLUMNS if column not in table.columns]
    if missing:
        raise NeuroarenaError(f"participants.tsv lacks columns {missing}", path=path,
                              fix="restore the release's participants.tsv")
    table["participant_id"] = table["participant_id"].str.strip().str.removeprefix("sub-")
    twice = sorted(set(table["participant_id"][table["participant_id"].duplicated()]))
    if twice:
        raise NeuroarenaError(f"participants.tsv lists {', '.join(twice)} twice", path=path,
                              fix="restore the release's participants.tsv")
    for column in ("age", "ehq_total") + FACTORS:
        table[column] = pd.to_numeric(table[column].replace({"n/a": None, "": None}), errors="coerce")
    table["release"] = table["release_number"]
    return table.set_index("participant_id")


def read_events_tsv(path: Path) -> "pd.DataFrame":
    """An HBN ``*_events.tsv``: ``onset`` as float, ``value`` and ``feedback`` as strings (``n/a`` -> None)."""
    import pandas as pd

    if not path.is_file():
        raise NeuroarenaError("events file not found", path=path, fix="download the release again")
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    if not {"onset", "value"} <= set(table.columns):
        raise NeuroarenaError("events.tsv lacks an onset or value column", path=path,
                              fix="restore the file from the release")
    table = table.replace({"n/a": None})
    try:
        table["onset"] = pd.to_numeric(table["onset"], errors="raise")
    except ValueError as err:
        raise NeuroarenaError(f"events.tsv has an onset that is not a number ({err})", path=path,
                              fix="restore the file from the release") from None
    return table


def find_bdf_files(folder: Path) -> list[tuple[str, str, str, Path]]:
    """``(subject, task, run, path)`` of every ``sub-*/eeg/*_eeg.bdf`` of a release folder, sorted."""
    found = []
    for path in sorted(Path(folder).glob("sub-*/eeg/*_eeg.bdf")):
        match = _RECORDING.match(path.name)
        if match is None:
            raise NeuroarenaError("file name is not sub-<id>_task-<task>[_run-<n>]_eeg.bdf", path=path,
                                  fix="restore the release's file names")
        subject, task, run = match.groups()
        found.append((subject, task, run or "", path))
    return found


def write_bdf(path: Path, data: "np.ndarray", ch_names: Sequence[str], sfreq: float,
              start: datetime.datetime = datetime.datetime(2000, 1, 1)) -> None:
    """Write a BDF file (24-bit, microvolts) with pyedflib; MNE reads it back within one step of 24 bits.

    Each channel's physical range is its largest magnitude (rounded up, at least 1 µV), so its step is
    range / 2**23. Data records last 1 s when the length allows (else the longest of 0.5 .. 0.01 s that
    divides it), so the file holds exactly ``data.shape[1]`` samples.

    Parameters
    ----------
    path : Path
    data : ndarray, shape (n_chans, n_samples)
        Volts.
    ch_names : sequence of str, length n_chans
    sfreq : float
        Hz; a whole number.
    start : datetime
        The header's start date (fixed by default, so the same data writes the same bytes).
    """
    import numpy as np
    try:
        import pyedflib
    except ImportError:
        raise NeuroarenaError("writing BDF files needs pyedflib", path=path, fix="pip install pyedflib") from None
    n_samples = data.shape[1]
    per_second = int(round(sfreq))
    record = next(seconds for seconds in (1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01)
                  if math.isclose(per_second * seconds, round(per_second * seconds))
                  and n_samples % round(per_second * seconds) == 0)
    microvolts = np.asarray(data, dtype=np.float64) * 1e6
    headers = []
    for name, channel in zip(ch_names, microvolts):
        peak = float(max(np.ceil(np.abs(channel).max()), 1.0)) if channel.size else 1.0
        headers.append({"label": name, "dimension": "uV", "sample_frequency": per_second, "physical_max": peak,
                        "physical_min": -peak, "digital_max": _BDF_DIGITAL[1], "digital_min": _BDF_DIGITAL[0],
                        "transducer": "", "prefilter": ""})
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = pyedflib.EdfWriter(str(path), len(headers), file_type=pyedflib.FILETYPE_BDF)
    try:
        writer.setSignalHeaders(headers)
        writer.setStartdatetime(start)
        if record != 1.0:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "forcing a record duration": it divides sfreq here
                writer.setDatarecordDuration(record)
        writer.writeSamples([np.ascontiguousarray(channel) for channel in microvolts])
    finally:
        writer.close()
