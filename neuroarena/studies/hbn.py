"""Hbn2025Challenge: the Healthy Brain Network releases of the NeurIPS 2025 EEG Foundation Challenge."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from neuroarena.errors import NeuroarenaError
from neuroarena.home import data_dir
from neuroarena.studies.base import Recording, Study
from neuroarena.studies.hbn_files import (
    FACTORS, MONTAGE, RELEASES, RUNS, TASKS, UNAVAILABLE, availability_column, find_bdf_files,
    read_events_tsv, read_participants, recording_path, release_folder, release_label,
)
from neuroarena.studies.hbn_trials import SUBJECT_COLUMNS, recording_events

if TYPE_CHECKING:
    import mne
    import pandas as pd

__all__ = ["EEGDASH_PIN", "Hbn2025Challenge"]

#: The eegdash whose ``EEGChallengeDataset(release, cache_dir, mini, query)`` caches a release as
#: ``<dsid>-bdf[-mini]``: sccn/EEGDash @091bfd06 has that code in ``eegdash/dataset/dataset.py``, a layout first
#: seen with ``__version__ = "0.4.1"`` (0.3.x kept EEGDashDataset in api.py; 0.5.0 dropped MongoDB). The version
#: string at that commit is not stored: derived, unconfirmed. From 0.7 the folder is ``EEG2025r<N>[mini]``
#: (eegdash/EEGDash ``eegdash/dataset/dataset.py`` @02b98d14).
EEGDASH_PIN = "eegdash==0.4.1"
DEFAULT_TASKS = ("contrastChangeDetection",)


class Hbn2025Challenge(Study):
    """The HBN-EEG releases of the EEG Foundation Challenge 2025 (BDF, 129 channels at 100 Hz), read offline.

    Releases R1..R11 are OpenNeuro ds005505..ds005516 without ds005513 (R5 = ds005509 was the local test
    set, an unreleased R12 the final one), each in the folder eegdash's competition-era
    ``EEGChallengeDataset`` caches it in (:mod:`~neuroarena.studies.hbn_files`): ``<root>/<dsid>-bdf/`` or,
    with ``mini``, ``<root>/<dsid>-bdf-mini/`` (20 subjects per release). A recording is one
    ``sub-<NDAR id>/eeg/sub-..._task-<task>[_run-N]_eeg.bdf``; ``subject`` is the NDAR id, ``session`` ``""``.
    Its loader reads the BDF with MNE (not preloaded) and sets the EGI HydroCel GSN 129 positions (the release
    has no electrodes.tsv); its events are :func:`~neuroarena.studies.hbn_trials.recording_events`:
    ``"stimulus"`` rows per contrast-change trial (``rt`` = response time from the target, Challenge 1),
    ``"crop"`` rows (Challenge 2's crops, every recording), ``"movie"`` rows (movie tasks), each with the
    subject's release, age, sex and psychopathology factors (Challenge 2's target is ``externalizing``).

    participants.tsv says, per task and run, whether the recording is ``available``. A missing file marked
    ``unavailable`` is simply absent; one marked ``available`` is left out with a
    :class:`~neuroarena.studies.base.SkippedWarning` and a line in :attr:`skipped` (as is a recording
    without its events.tsv, or of a subject participants.tsv does not list). Releases share no subject: a
    subject in two release folders is an error.

    Parameters
    ----------
    root : str or Path, optional
        eegdash's ``cache_dir``: the folder holding the release folders; ``$NEUROARENA_HOME/data/Hbn2025Challenge``
        by default.
    releases : list of str, optional
        ``["R1", "R5"]`` (``5`` and ``"r5"`` alike); every release folder present when None.
    mini : bool
        Read the mini subsets (``-bdf-mini`` folders) instead of the full releases.
    tasks : list of str
        Task labels (:data:`~neuroarena.studies.hbn_files.TASKS`); contrastChangeDetection by default.
    subjects : list of str, optional
        NDAR ids to keep (``"NDARAH793FBF"`` or ``"sub-NDARAH793FBF"``).
    skip_unreadable : bool
        Leave out, with a warning, a recording that cannot be read instead of stopping.
    """

    name = "Hbn2025Challenge"
    aliases = ("hbn2025challenge", "hbn")
    citation = ("Alexander LM et al. (2017). An open resource for transdiagnostic research in pediatric mental "
                "health and learning disorders. Scientific Data 4:170181. Shirazi SY et al. (2024). HBN-EEG: "
                "the FAIR implementation of the Healthy Brain Network (HBN) electroencephalography dataset. "
                "bioRxiv. EEG Foundation Challenge 2025 (eeg2025.github.io).")
    description = ("HBN-EEG releases R1-R11 of the EEG 2025 challenge: 129-channel BDF at 100 Hz; response time "
                   "(Challenge 1) and psychopathology factors (Challenge 2).")
    line_freq = 60.0  # recorded in New York

    def __init__(self, root: str | Path | None = None, releases: Sequence[str | int] | str | int | None = None,
                 mini: bool = False, tasks: Sequence[str] | str | None = None,
                 subjects: Sequence[str] | None = None, skip_unreadable: bool = False):
        super().__init__(data_dir() / self.name if root is None else root, subjects, None, skip_unreadable)
        if not isinstance(mini, bool):
            raise NeuroarenaError(f"mini must be true or false, not {mini!r}", path=self.root,
                                  fix="pass mini=true (the 20-subject subsets) or false")
        if isinstance(releases, (str, int)):
            releases = [releases]
        self.releases = None if releases is None else sorted({release_label(r) for r in releases},
                                                             key=lambda r: int(r[1:]))
        self.mini = mini
        self.tasks = _task_labels(DEFAULT_TASKS if tasks is None else tasks)

    def download(self) -> None:
        """Fetch the chosen releases and tasks with eegdash's ``EEGChallengeDataset`` (network; never in tests)."""
        try:
            from eegdash import EEGChallengeDataset
        except ImportError:
            raise NeuroarenaError("Hbn2025Challenge downloads through eegdash, which is not installed",
                                  path=self.root,
                                  fix=f'pip install "{EEGDASH_PIN}" (its EEGChallengeDataset caches <dsid>-bdf'
                                      "[-mini] folders; later versions name them EEG2025r<N>)") from None
        self.root.mkdir(parents=True, exist_ok=True)
        for release in self.releases or list(RELEASES):
            for task in self.tasks:
                extra = {"subject": list(self.subjects)} if self.subjects else {}
                dataset = EEGChallengeDataset(release=release, cache_dir=str(self.root), mini=self.mini,
                                              query=dict(task=task, **extra))
                for recording in dataset.datasets:
                    recording.raw  # noqa: B018 - the files are fetched when a recording is first read

    def find_recordings(self) -> list[Recording]:
        """Every chosen recording on disk, sorted by release, subject, task and run (the rest in :attr:`skipped`)."""
        folders = self._folders()
        tables = {release: read_participants(folder / "participants.tsv") for release, folder in folders.items()}
        files = {release: {(s, t, r): p for s, t, r, p in find_bdf_files(folder)}
                 for release, folder in folders.items()}
        _check_disjoint(folders, tables, files)
        wanted = set(self.subjects) if self.subjects is not None else None
        recordings = []
        for release, folder in folders.items():
            table, on_disk = tables[release], files[release]
            for subject, task, run in sorted(on_disk):
                if task in self.tasks and subject not in table.index and (wanted is None or subject in wanted):
                    self.skip(f"sub-{subject}_task-{task}", f"sub-{subject} is not in {folder.name}/participants.tsv")
            for subject in sorted(table.index):
                if wanted is not None and subject not in wanted:
                    continue
                row = _subject_row(table.loc[subject], release)
                for task in self.tasks:
                    for run in RUNS.get(task, ("",)):
                        recording = self._recording(folder, subject, task, run, row,
                                                    str(table.loc[subject].get(availability_column(task, run), "")),
                                                    on_disk.get((subject, task, run)))
                        if recording is not None:
                            recordings.append(recording)
        return recordings

    def params(self) -> dict[str, Any]:
        """Name, subjects, releases, mini, tasks and skip_unreadable."""
        return {**super().params(), "releases": self.releases, "mini": self.mini, "tasks": list(self.tasks)}

    def _folders(self) -> dict[str, Path]:
        """Release -> its folder, for the chosen releases (every one present when none is chosen)."""
        if not self.root.is_dir():
            raise NeuroarenaError("HBN data folder not found", path=self.root,
                                  fix="run `neuroarena eeg <task> --dataset hbn --download` (eegdash), or point "
                                      "root at eegdash's cache_dir")
        if self.releases is not None:
            folders = {release: release_folder(self.root, release, self.mini) for release in self.releases}
            absent = [str(folder) for folder in folders.values() if not folder.is_dir()]
            if absent:
                raise NeuroarenaError(f"release folder(s) {', '.join(absent)} not found", path=self.root,
                                      fix="download them (--download), choose releases among those present"
                                          + ("" if self.mini else ", or pass mini=true for -bdf-mini folders"))
            return folders
        folders = {release: release_folder(self.root, release, self.mini) for release in RELEASES}
        folders = {release: folder for release, folder in folders.items() if folder.is_dir()}
        if not folders:
            kind = "-bdf-mini" if self.mini else "-bdf"
            raise NeuroarenaError(f"no HBN release folder (ds0055xx{kind}) here", path=self.root,
                                  fix="download releases (--download with --dataset-param releases=[R5]), or "
                                      f"pass mini={'false' if self.mini else 'true'} for the "
                                      f"{'-bdf' if self.mini else '-bdf-mini'} folders")
        return folders

    def _recording(self, folder: Path, subject: str, task: str, run: str, row: dict[str, Any], availability: str,
                   path: Path | None) -> Recording | None:
        """The recording of (subject, task, run), or None when it is absent (skipped when it should be there)."""
        what = f"sub-{subject}_task-{task}" + (f"_run-{run}" if run else "")
        if path is None:
            if availability.strip() != UNAVAILABLE:
                marked = f"marked {availability!r}" if availability.strip() else "not marked unavailable"
                self.skip(what, f"{recording_path(folder, subject, task, run).name} is missing but {marked} in "
                                f"{folder.name}/participants.tsv")
            return None
        events = recording_path(folder, subject, task, run, "events.tsv")
        if not events.is_file():
            self.skip(what, f"{events.name} is missing")
            return None
        return Recording(study=self.name, subject=subject, session="", run=run, task=task, path=path,
                         loader=lambda: read_recording(path),
                         events_loader=lambda: hbn_events(path, events, task, row),
                         files=(path, events, folder / "participants.tsv"))


def read_recording(path: Path) -> "mne.io.BaseRaw":
    """A release's BDF, not preloaded, with the HydroCel GSN 129 positions of its E1..E128 and Cz channels."""
    import mne

    raw = mne.io.read_raw_bdf(path, preload=False, verbose="error")
    if set(raw.ch_names) <= set(mne.channels.make_standard_montage(MONTAGE).ch_names):
        raw.set_montage(MONTAGE, verbose="error")
    return raw


def hbn_events(bdf: Path, events: Path, task: str, subject: dict[str, Any]) -> "pd.DataFrame":
    """The events of one recording (:func:`~neuroarena.studies.hbn_trials.recording_events`), its length
    and sampling rate read from the BDF header."""
    import mne

    raw = mne.io.read_raw_bdf(bdf, preload=False, verbose="error")
    return recording_events(read_events_tsv(events), raw.n_times, float(raw.info["sfreq"]), task, subject)


def _subject_row(row: "pd.Series", release: str) -> dict[str, Any]:
    """The :data:`~neuroarena.studies.hbn_trials.SUBJECT_COLUMNS` of one participants.tsv row."""
    values = {column: row.get(column) for column in SUBJECT_COLUMNS}
    values["release"] = str(row.get("release") or release)
    values["sex"] = str(row.get("sex") or "")
    for column in FACTORS + ("age",):
        values[column] = float(values[column]) if values[column] is not None else float("nan")
    return values


def _check_disjoint(folders: dict[str, Path], tables: dict[str, "pd.DataFrame"],
                    files: dict[str, dict[tuple[str, str, str], Path]]) -> None:
    """Releases share no subject (in participants.tsv or on disk): one in two release folders is an error naming
    both."""
    seen: dict[str, str] = {}
    for release, table in tables.items():
        on_disk = {subject for subject, _, _ in files[release]}
        for subject in sorted(set(table.index) | on_disk):
            if subject in seen:
                raise NeuroarenaError(f"sub-{subject} is in two releases: {folders[seen[subject]]} and "
                                      f"{folders[release]}", path=folders[release],
                                      fix="releases share no subject: restore both folders from eegdash")
            seen[subject] = release


def _task_labels(tasks: Sequence[str] | str) -> tuple[str, ...]:
    """HBN task labels in the release's spelling (case-insensitive match); an error naming them otherwise."""
    if isinstance(tasks, str):
        tasks = [tasks]
    known = {task.lower(): task for task in TASKS}
    labels = []
    for task in tasks:
        label = known.get(str(task).lower())
        if label is None:
            raise NeuroarenaError(f"unknown HBN task {task!r}", fix=f"use some of {', '.join(TASKS)}")
        if label not in labels:
            labels.append(label)
    if not labels:
        raise NeuroarenaError("no task chosen", fix=f"pass tasks among {', '.join(TASKS)}")
    return tuple(labels)
