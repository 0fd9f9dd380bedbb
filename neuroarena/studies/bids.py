"""Any BIDS EEG dataset on disk, read with mne-bids."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import EVENT_COLUMNS, Recording, Study, UnreadableRecording, reader_error, same_label
from neuroarena.studies.bids_files import (
    RAW_EXTENSIONS, channel_mismatch, check_brainvision, check_event_samples, check_json, check_sampling_rate,
    companion_files, eeg_files, orphan_error, orphan_recordings,
)

if TYPE_CHECKING:
    import mne
    import mne_bids
    import pandas as pd

#: How the BIDS standard names event columns that have a standard neuroarena name.
BIDS_EVENT_COLUMNS = {"trial_type": "kind", "response_time": "rt", "stim_file": "stimulus"}
NUMERIC_COLUMNS = ("onset", "duration", "rt")


class BidsStudy(Study):
    """Every EEG recording of one task in a BIDS dataset.

    Parameters
    ----------
    root : str or Path
        The BIDS root (the folder holding ``dataset_description.json``).
    task : str, optional
        BIDS task label, e.g. ``"things"`` for ``*_task-things_eeg.vhdr``; default the folder's only
        EEG task (an error lists them when there are several).
    event_columns : dict, optional
        Renames ``*_events.tsv`` columns to :data:`EVENT_COLUMNS`, e.g.
        ``{"stim_file": "stimulus", "trial_type": "kind"}``. Added to the BIDS
        defaults (:data:`BIDS_EVENT_COLUMNS`); an entry here wins over a default
        with the same target. When no column maps to ``kind``, every event is a
        ``"stimulus"`` (an ERP experiment whose ``trial_type`` holds the class maps it
        to ``category``).
    name : str
        Name of the study (``Recording.study`` and error messages).
    subjects, sessions : list of str, optional
        Keep only these (see :class:`~neuroarena.studies.base.Study`).
    skip_unreadable : bool
        Leave out, with a warning, a recording that cannot be read instead of stopping (see below).

    A chosen recording that cannot be read is an error naming its file (or, with ``skip_unreadable``,
    left out with a :class:`~neuroarena.studies.base.SkippedWarning` and a line in :attr:`skipped`),
    never silently dropped: companion files (``*_eeg.eeg``, ``*_events.tsv``, ...) without their raw
    file; a BrainVision header that is truncated, or whose data file is missing or not a whole number
    of samples (checked when listing); a sampling rate of the raw file other than the sidecar's
    ``SamplingFrequency``, an events ``sample`` column other than ``onset x sfreq``, a
    ``*_channels.tsv`` naming other channels, or any reader error (checked when loading).
    """

    name = "bids"
    aliases = ("bids",)
    description = "A BIDS EEG dataset of your own."

    def __init__(self, root: str | Path, task: str | None = None, event_columns: dict[str, str] | None = None,
                 name: str = "bids", subjects: list[str] | None = None, sessions: list[str] | None = None,
                 skip_unreadable: bool = False):
        super().__init__(root, subjects, sessions, skip_unreadable)
        self.task = task if task is not None else only_task(self.root)
        self.name = name
        self.event_columns = _column_mapping(event_columns or {}, self.root)
        #: Loading checks the events table (numbers; ``sample`` = ``onset x sfreq``); a study that reads its
        #: events its own way (onsets in samples, say) turns this off and checks them itself.
        self.check_bids_events = True

    def download(self) -> None:
        """A generic BIDS folder is the user's own: there is nothing to download."""
        raise NeuroarenaError(
            "a generic BIDS dataset cannot be downloaded", path=self.root,
            fix="put the BIDS dataset in this folder yourself, or pick a named --dataset",
        )

    def find_recordings(self) -> list[Recording]:
        """Every recording of :attr:`task`, sorted by subject, session, run and path."""
        missing_fix = f"run `neuroarena eeg <task> --dataset {self.name} --download`"
        if not self.root.is_dir():
            raise NeuroarenaError("BIDS folder not found", path=self.root, fix=missing_fix)
        from mne_bids import find_matching_paths

        paths = find_matching_paths(
            self.root, tasks=self.task, datatypes="eeg", suffixes="eeg", extensions=list(RAW_EXTENSIONS),
        )
        listing = eeg_files(self.root)
        for expected, companions in orphan_recordings(listing, self.task, [Path(p.fpath) for p in paths]):
            if self._chosen(expected):
                self._unreadable(expected.name.rsplit("_", 1)[0], orphan_error(expected, companions))
        if not paths:
            raise NeuroarenaError(f"no EEG recording of task {self.task!r} in this folder",
                                  path=self.root, fix=missing_fix)
        found = []
        for bids_path in paths:
            raw = Path(bids_path.fpath)
            try:
                if raw.suffix == ".vhdr" and self._chosen(raw):
                    check_brainvision(raw)
            except UnreadableRecording as error:
                self._unreadable(raw.name.rsplit("_", 1)[0], error)
                continue
            found.append(self._recording(bids_path, companion_files(raw, listing.get(raw.parent, []))))
        return sorted(found, key=lambda r: (r.subject, r.session, r.run, str(r.path)))

    def params(self) -> dict[str, Any]:
        """Name, folder, task and column mapping: what shapes the data."""
        return {**super().params(), "root": str(self.root), "task": self.task, "event_columns": self.event_columns}

    def _recording(self, bids_path: "mne_bids.BIDSPath", files: tuple[Path, ...]) -> Recording:
        events_path = Path(bids_path.copy().update(suffix="events", extension=".tsv").fpath)
        return Recording(
            study=self.name, subject=bids_path.subject, session=bids_path.session or "",
            run=bids_path.run or "", task=self.task, path=Path(bids_path.fpath),
            loader=lambda: _read_raw(bids_path, events_path if self.check_bids_events else None,
                                     self.event_columns, files),
            events_loader=lambda: read_events_tsv(events_path, self.event_columns), files=files,
        )

    def _chosen(self, path: Path) -> bool:
        """The file belongs to a chosen subject and session (by its ``sub-``/``ses-`` entities)."""
        entities = dict(part.split("-", 1) for part in path.name.split("_") if "-" in part)
        return all(wanted is None or any(same_label(label, entities.get(key, "")) for label in wanted)
                   for key, wanted in (("sub", self.subjects), ("ses", self.sessions)))

    def _unreadable(self, what: str, error: UnreadableRecording) -> None:
        """Skip ``what`` with ``skip_unreadable``, else raise ``error``."""
        if not self.skip_unreadable:
            raise error
        self.skip(what, str(error))


def only_task(root: Path) -> str:
    """The one EEG task of a BIDS folder (from ``*_task-<label>_eeg.<ext>`` file names)."""
    import re

    if not root.is_dir():
        raise NeuroarenaError("BIDS folder not found", path=root, fix="check the path given to --dataset")
    pattern = re.compile(r"_task-([A-Za-z0-9]+)_(?:.*_)?eeg\.")
    tasks = sorted({m.group(1) for p in root.glob("sub-*/**/*_eeg.*") if (m := pattern.search(p.name))
                    and p.suffix in RAW_EXTENSIONS})
    if len(tasks) != 1:
        found = f"tasks {', '.join(tasks)}" if tasks else "no EEG recording"
        raise NeuroarenaError(f"this BIDS folder holds {found}", path=root,
                              fix="name the task: --dataset-param task=<label>" if tasks else
                              "check that sub-*/[ses-*/]eeg/*_task-<label>_eeg.<vhdr|edf|bdf|set|fif> exist")
    return tasks[0]


def _column_mapping(event_columns: dict[str, str], root: Path) -> dict[str, str]:
    unknown = sorted(set(event_columns.values()) - set(EVENT_COLUMNS))
    if unknown:
        raise NeuroarenaError(
            f"event_columns maps to unknown column(s) {', '.join(unknown)}", path=root,
            fix=f"map to one of {', '.join(EVENT_COLUMNS)}",
        )
    defaults = {k: v for k, v in BIDS_EVENT_COLUMNS.items() if v not in event_columns.values()}
    return {**defaults, **event_columns}


def _read_raw(bids_path: "mne_bids.BIDSPath", events_path: Path | None, event_columns: dict[str, str],
              files: tuple[Path, ...]) -> "mne.io.BaseRaw":
    """The recording read by mne-bids, after checking its sidecars (and events, unless ``events_path`` is None),
    and checked against them.

    Raises
    ------
    UnreadableRecording
        A sidecar is not valid JSON, the events table is malformed, the channels.tsv names other
        channels, the sampling rates of raw file, sidecar and events disagree, or mne-bids fails.
    """
    from mne_bids import read_raw_bids

    raw_path = Path(bids_path.fpath)
    if raw_path.suffix == ".vhdr":
        check_brainvision(raw_path)
    for path in files:
        if path.suffix == ".json" and path.is_file():
            check_json(path)
    if events_path is not None and events_path.is_file():  # mne-bids reads it too, with a bare error on a bad value
        read_events_tsv(events_path, event_columns)
    try:
        raw = read_raw_bids(bids_path, verbose=False)
    except MemoryError:
        raise
    except Exception as err:  # any reader's error, as one line naming the file
        channels = Path(bids_path.copy().update(suffix="channels", extension=".tsv").fpath)
        if "Channel mismatch" in str(err) and channels.is_file():
            raise channel_mismatch(channels, raw_path) from None
        raise reader_error(raw_path, err) from err
    check_sampling_rate(raw, raw_path, bids_path.find_matching_sidecar(suffix="eeg", extension=".json",
                                                                       on_error="ignore"))
    if events_path is not None:
        check_event_samples(events_path, raw, raw_path)
    return raw


def read_events_tsv(path: str | Path, event_columns: dict[str, str]) -> "pd.DataFrame":
    """Read a BIDS ``*_events.tsv`` into the standard events table.

    Parameters
    ----------
    path : str or Path
        The events file.
    event_columns : dict
        File column -> standard column (one of :data:`EVENT_COLUMNS`).

    Returns
    -------
    pandas.DataFrame, shape (n_events, len(EVENT_COLUMNS))
        ``onset``, ``duration`` and ``rt`` as floats (seconds; ``n/a`` -> NaN, but
        every event needs an onset), the
        other columns as strings (``n/a`` or absent -> ``""``); ``kind`` is ``"stimulus"``
        for every event when no file column is mapped to it.
    """
    import numpy as np
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise NeuroarenaError("events file not found", path=path,
                              fix="every recording needs its *_events.tsv next to it")
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    renames = {source: target for source, target in event_columns.items() if source in table}
    # A file column already named like a rename target would collide with the renamed one.
    table = table.drop(columns=[c for c in renames.values() if c in table and c not in renames])
    table = table.rename(columns=renames)
    events = pd.DataFrame(index=range(len(table)))
    for column in EVENT_COLUMNS:
        values = table[column] if column in table else pd.Series([""] * len(table))
        values = values.reset_index(drop=True).replace("n/a", "")
        if column in NUMERIC_COLUMNS:
            numbers = pd.to_numeric(values.replace("", np.nan), errors="coerce")
            if numbers.isna().ne(values.eq("")).any():
                raise NeuroarenaError(f"column {column!r} holds values that are not numbers", path=path,
                                      fix="write numbers in seconds, or n/a")
            events[column] = numbers.astype(float)
        else:
            events[column] = values.astype(str)
    if "kind" not in renames.values() and "kind" not in table:
        events["kind"] = "stimulus"  # no column says what an event is: each one is a stimulus (documented)
    if events["onset"].isna().any():
        raise NeuroarenaError("an event has no onset", path=path, fix="give every event its onset in seconds")
    return events
