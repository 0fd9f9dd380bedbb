"""Any BIDS EEG dataset on disk, read with mne-bids."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import EVENT_COLUMNS, Recording, Study

if TYPE_CHECKING:
    import mne
    import mne_bids
    import pandas as pd

#: File extensions of raw EEG recordings in BIDS (one per recording; sidecars excluded).
RAW_EXTENSIONS = (".vhdr", ".edf", ".bdf", ".set", ".fif")
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
    """

    name = "bids"
    aliases = ("bids",)
    description = "A BIDS EEG dataset of your own."

    def __init__(self, root: str | Path, task: str | None = None, event_columns: dict[str, str] | None = None,
                 name: str = "bids", subjects: list[str] | None = None, sessions: list[str] | None = None):
        super().__init__(root, subjects, sessions)
        self.task = task if task is not None else only_task(self.root)
        self.name = name
        self.event_columns = _column_mapping(event_columns or {}, self.root)

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
        if not paths:
            raise NeuroarenaError(f"no EEG recording of task {self.task!r} in this folder",
                                  path=self.root, fix=missing_fix)
        found = [self._recording(p) for p in paths]
        return sorted(found, key=lambda r: (r.subject, r.session, r.run, str(r.path)))

    def params(self) -> dict[str, Any]:
        """Name, folder, task and column mapping: what shapes the data."""
        return {**super().params(), "root": str(self.root), "task": self.task, "event_columns": self.event_columns}

    def _recording(self, bids_path: "mne_bids.BIDSPath") -> Recording:
        events_path = bids_path.copy().update(suffix="events", extension=".tsv").fpath
        return Recording(
            study=self.name, subject=bids_path.subject, session=bids_path.session or "",
            run=bids_path.run or "", task=self.task, path=Path(bids_path.fpath),
            loader=lambda: _read_raw(bids_path),
            events_loader=lambda: read_events_tsv(events_path, self.event_columns),
        )


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


def _read_raw(bids_path: "mne_bids.BIDSPath") -> "mne.io.BaseRaw":
    from mne_bids import read_raw_bids

    return read_raw_bids(bids_path, verbose=False)


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
