"""THINGS-EEG1 (Grootswagers et al. 2022): 50 subjects, RSVP of 22,248 THINGS images, OpenNeuro ds003825."""
from __future__ import annotations

import dataclasses
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING, Any

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.home import data_dir
from neuroarena.studies.arrays import events_table, missing_data, set_standard_montage
from neuroarena.studies.base import Recording, Study

if TYPE_CHECKING:
    import mne
    import pandas as pd

#: ``*_events.tsv`` columns every subject has; ``isteststim`` exists only for the later subjects.
REQUIRED_COLUMNS = ("onset", "stim", "stimdur")
N_SUBJECTS = 50


class Grootswagers2022Human(Study):
    """THINGS-EEG1: human EEG recordings for 1,854 concepts presented in RSVP streams.

    Each of 50 subjects saw 22,248 THINGS images (1,854 concepts x 12) once at 10 Hz (50 ms on,
    50 ms blank) in one continuous BrainVision recording, 1000 Hz; the later subjects also saw
    200 validation images 12 times (``isteststim == 1``), the dataset's test split.

    On disk (``root``), the BIDS dataset OpenNeuro ds003825 (https://openneuro.org/datasets/ds003825;
    file names and columns checked against its GitHub mirror OpenNeuroDatasets/ds003825)::

        dataset_description.json, participants.tsv, .bidsignore (lists stimuli/ and derivatives/)
        sub-01/eeg/sub-01_task-rsvp_eeg.vhdr, .vmrk, .eeg
        sub-01/eeg/sub-01_task-rsvp_events.tsv
        ...       sub-50/...
        stimuli/<concept>/<image>.jpg     # the paths of the events' stim column
        derivatives/                      # not used

    ``*_events.tsv`` columns (sub-01): ``onset`` (s), ``duration`` (50: milliseconds, not
    seconds), ``eventnumber``, ``objectnumber``, ``object`` (concept), ``sequencenumber``,
    ``presentationnumber``, ``blocksequencenumber``, ``withinsequencenumber``, ``stimnumber``,
    ``stim`` (``stimuli\\carousel\\carousel_11s.jpg``, Windows separators), ``istarget``
    (fixation-colour catch), ``stimname``, ``response``, ``rt``, ``correct``, ``time_stimon``,
    ``time_stimoff``, ``stimdur`` (measured, s), ``sample``; sub-50 also has ``isteststim`` and
    ``teststimnumber`` (and ``object == -1`` on test rows). Whether OpenNeuro ships the
    ``stimuli/`` images (the ``.bidsignore`` lists the folder) could not be confirmed; if not, put
    the THINGS images there (https://osf.io/jum2f) under the ``stim`` column's paths.

    Electrode positions: from the BIDS files when they have them, else the standard 10-05 ones
    (a channel without a 10-05 name, as sub-49 and sub-50 are said to have beyond the 63 EEG
    channels, then has no position).

    Events: every row is an image onset, ``kind="stimulus"``, ``duration`` the measured
    ``stimdur``; ``stimulus`` the image file stem and ``category`` its folder (the THINGS
    concept), both from ``stim``; ``split`` ``test`` where ``isteststim == 1``, else ``train``.
    ``rt`` stays NaN: the dataset's ``rt`` is the latency of a button press to the last fixation
    target, logged on whichever image was on screen, not a response to that image.

    Parameters
    ----------
    root : str or Path, optional
        Default ``data_dir() / "Grootswagers2022Human"``.
    subjects : list of str or int, optional
        Subjects to use (1..50); default every subject on disk.
    """

    name = "Grootswagers2022Human"
    aliases = ("things-eeg1", "grootswagers2022human")
    citation = ("Grootswagers, T., Zhou, I., Robinson, A. K., Hebart, M. N., & Carlson, T. A. (2022). Human EEG "
                "recordings for 1,854 concepts presented in rapid serial visual presentation streams. Scientific "
                "Data, 9, 3. https://doi.org/10.1038/s41597-021-01102-7")
    description = "THINGS-EEG1: 50 subjects, 63-channel RSVP EEG to 22,248 THINGS images (OpenNeuro ds003825)."
    dataset = "things-eeg1"
    openneuro_id = "ds003825"
    task = "rsvp"

    line_freq = 50.0  # recorded in Sydney

    def __init__(self, root: str | Path | None = None, subjects: list[str] | None = None):
        super().__init__(root if root is not None else data_dir() / self.name, subjects)

    def download(self) -> None:
        """Fetch ds003825 with openneuro-py, all but ``derivatives/`` and the subjects not chosen."""
        import openneuro

        chosen = None if self.subjects is None else {int(s) for s in self.subjects}
        others = [s for s in range(1, N_SUBJECTS + 1) if chosen is not None and s not in chosen]
        openneuro.download(dataset=self.openneuro_id, target_dir=str(self.root),
                           exclude=["derivatives"] + [f"sub-{s:02d}" for s in others])

    def find_recordings(self) -> list[Recording]:
        """Every chosen subject's recording, read with mne-bids, with this dataset's events."""
        from neuroarena.studies.bids import BidsStudy

        if not any(self.root.glob(f"sub-*/eeg/sub-*_task-{self.task}_eeg.vhdr")):
            raise missing_data(self.root, self.dataset, f"no sub-*/eeg/*_task-{self.task}_eeg.vhdr here")
        found = BidsStudy(self.root, task=self.task, name=self.name, subjects=self.subjects).recordings()
        return [dataclasses.replace(r, loader=lambda r=r: _with_positions(r.loader(), r.path),
                                    events_loader=lambda p=_events_path(r.path): read_rsvp_events(p))
                for r in found]

    def stimuli(self) -> "pd.DataFrame":
        """Every image the chosen subjects saw, indexed by file stem, with its path under ``stimuli/``."""
        import pandas as pd

        folder = self.root / "stimuli"
        if not folder.is_dir():
            raise missing_data(folder, self.dataset, "stimulus images not found")
        tables = [read_rsvp_events(_events_path(r.path), image_root=self.root) for r in self.recordings()]
        table = pd.concat(tables).drop_duplicates("stimulus")
        return table.set_index("stimulus")[["image", "category", "caption", "split"]].sort_index()


def _with_positions(raw: "mne.io.BaseRaw", path: Path) -> "mne.io.BaseRaw":
    """``raw`` with standard 10-05 electrode positions when its BIDS files give none (other names: none)."""
    if raw.get_montage() is None:
        set_standard_montage(raw, path, allow_unknown=True)
    return raw


def _events_path(raw_path: Path) -> Path:
    return raw_path.with_name(raw_path.name.replace("_eeg.vhdr", "_events.tsv"))


def read_rsvp_events(path: str | Path, image_root: str | Path | None = None) -> "pd.DataFrame":
    """Read a ds003825 ``*_events.tsv`` into the standard events table.

    Parameters
    ----------
    path : str or Path
        The events file.
    image_root : str or Path, optional
        When given, an ``image`` column is added: ``image_root / stim`` (absolute path).

    Returns
    -------
    DataFrame, shape (n_events, 8) (9 with ``image``)
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise NeuroarenaError("events file not found", path=path, fix="download the dataset again")
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    absent = [column for column in REQUIRED_COLUMNS if column not in table]
    if absent:
        raise NeuroarenaError(f"events file lacks columns {absent}", path=path,
                              fix="this is not a ds003825 events file; download the dataset again")
    onset = pd.to_numeric(table["onset"], errors="coerce").to_numpy()
    stimdur = pd.to_numeric(table["stimdur"], errors="coerce").to_numpy()
    for column, values in (("onset", onset), ("stimdur", stimdur)):
        if not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            raise NeuroarenaError(f"column {column!r} is not a number in row {row + 1}", path=path,
                                  fix="download the dataset again")
    stims = [PureWindowsPath(value) for value in table["stim"]]
    test = table["isteststim"].eq("1") if "isteststim" in table else pd.Series(False, index=table.index)
    events = events_table(onset=onset, duration=0.0, kind="stimulus", stimulus=[s.stem for s in stims],
                          category=[s.parent.name for s in stims],
                          split=np.where(test.to_numpy(), "test", "train"))
    events["duration"] = stimdur
    if image_root is not None:
        events["image"] = [str(Path(image_root, *s.parts).resolve()) for s in stims]
    return events
