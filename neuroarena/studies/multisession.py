"""Wang2025Multisession: the multi-subject, multi-session EEG dataset OpenNeuro ds005589."""
from __future__ import annotations

import re
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal, Sequence

from neuroarena.errors import NeuroarenaError
from neuroarena.home import data_dir
from neuroarena.studies.base import STIMULUS_COLUMNS, EpochedRelease, Recording, Study, same_label
from neuroarena.studies.multisession_files import (
    CATEGORIES, COURSE_TIMES, SFREQ, detect_layout, epoch_onsets, event_onsets, image_events, image_id,
    read_captions, read_channel_names, read_course_epochs, read_curry, read_image_table,
)

if TYPE_CHECKING:
    import mne
    import pandas as pd

__all__ = ["CATEGORIES", "Wang2025Multisession", "detect_layout", "image_id", "read_captions", "read_image_table"]

#: ``presentation`` -> BIDS task labels: slow (1 s per image) and rapid (RSVP, 5 images per second).
TASKS: dict[str, tuple[str, ...]] = {"slow": ("lowSpeed",), "rapid": ("rsvp",), "both": ("lowSpeed", "rsvp")}
#: Task label of a release file that holds several runs (``sub-03_ses-03_task-rsvpAndLowSpeed_run-01_eeg.cdt``).
COMBINED_TASK = "rsvpAndLowSpeed"
#: Sessions per subject on OpenNeuro (session folders of the GitHub mirror OpenNeuroDatasets/ds005589; they add up
#: to the README's 100 sessions); used only to choose what :meth:`Wang2025Multisession.download` fetches.
RELEASE_SESSIONS: dict[str, int] = {
    **dict.fromkeys(("02", "03", "05", "09", "14", "15", "17", "19", "20", "23", "24", "26", "28", "29"), 5),
    **dict.fromkeys(("11", "18", "21", "22"), 3), **dict.fromkeys(("01", "04", "06", "08"), 2),
    **dict.fromkeys(("07", "10", "12", "13", "16", "25", "27", "30", "31", "32"), 1),
}
#: Sessions a split by session needs: 3 to train, 1 to validate, 1 to test (the category task's ``by_session``).
SPLIT_SESSIONS = 5
#: The release whose ``stimuli/`` folder holds the images (later ones are reported to carry none).
STIMULI_TAG = "1.0.0"
STIMULI_FIX = (f"fetch them: openneuro.download(dataset='ds005589', tag='{STIMULI_TAG}', include=['stimuli'], "
               "target_dir=<an empty folder>) and move its stimuli/ here")
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

    Subjects. Of the 32 subjects, 14 have 5 sessions, the others 1 to 3 (session folders of the
    GitHub mirror OpenNeuroDatasets/ds005589, :data:`RELEASE_SESSIONS`), and a split by session
    needs 5: by default only subjects with ``min_sessions`` sessions (of the chosen runs) are
    used, the others left out with a :class:`~neuroarena.studies.base.SkippedWarning` and a line
    in :attr:`skipped`; naming ``subjects`` uses exactly those.

    Two layouts are read (``layout``; ``"auto"`` picks the one the folder holds):

    ``"bids"``, the OpenNeuro release (files in ``sub-XX/ses-YY/`` with no ``eeg/`` folder;
    the ``.cdt`` files are listed in ``.bidsignore``)::

        dataset_description.json, participants.tsv, README
        sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_eeg.cdt  (+ .cdt.dpa header, .cdt.ceo)
        sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_events.tsv  onset, duration, eventnumber
        sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_image.csv   FilePath, one image per trial
        stimuli/<category>/<image>_resized.jpg   (at commit 84ec938 of the mirror; reported absent after
                                                 1.0.0, unconfirmed: CHANGES says nothing of it)
        derivatives/preprocessed_data/sub-02/ses-01/..._1000Hz.npy (not read in this layout)
        captions.txt (optional: the course's captions, copied here)

    The continuous Curry 8 recordings are read with MNE (it needs the ``curryreader`` package).
    ``onset`` in ``*_events.tsv`` counts samples at 1000 Hz, not seconds; ``eventnumber`` is
    the trial number (slow) or the position in its sequence (rapid); other codes are in
    :data:`~neuroarena.studies.multisession_files.NON_IMAGE_CODES`. The n-th image event shows
    the n-th image of ``*_image.csv``, whose rapid form puts a ``Sequence:,<k>`` line before each
    sequence. One file, ``sub-03/ses-03/sub-03_ses-03_task-rsvpAndLowSpeed_run-01_eeg.cdt``,
    holds several runs: nothing in the release says which or where each starts (only its
    ``.cdt.ceo`` is in the mirror's index), so it is not read but skipped with a record, as is
    every run with an ``*_image.csv`` but no recording of its own (its recording sits in that
    file) and every recording lacking its image or events table.

    ``"course"``, as distributed for CMU 11-685 (Fall 2025; same file names as the release's
    ``derivatives/preprocessed_data``, with each run's ``_image.csv`` beside its arrays)::

        captions.txt   tab-separated: dataset, category, image_name, abstracted (the caption)
        images/<image_name>.jpg   (or All_images/, .jpeg, .png, with or without _resized)
        [any folder]/sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_1000Hz.npy
        [any folder]/sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_image.csv

    Each ``_1000Hz.npy`` holds epochs, float32, shape (n_trials, n_channels, 500): trial k is
    0-500 ms after the onset of the image in row k of ``_image.csv``, filtered 0.1-100 Hz with a
    50 Hz notch (handout sections 2.3-2.7), taken to be in microvolts (unconfirmed). A recording
    is an ``mne.EpochsArray`` (:meth:`epoched` says what the release did, and a task's
    preprocessing is adapted to it). The arrays carry no channel names (the ``_1000Hz.json``
    beside them is a list of class indices): ``ch_names`` gives them, 10-05 labels in the arrays'
    order, as a list or a file.

    Sources: OpenNeuro ds005589 (README, CHANGES, ``.bidsignore``, ``*_events.tsv``, file listing
    of the mirror); the experiment's PsychoPy scripts (``FilePath`` tables, serial codes 1-100, 99,
    252, 254); the 11-685 handout (``1-instructions/instructions.md`` of github.com/9sntg/
    exploring-eeg) and course projects' loaders (``captions.txt`` format).

    Parameters
    ----------
    root : str or Path, optional
        The dataset folder; ``$NEUROARENA_HOME/data/Wang2025Multisession`` by default.
    layout : {"bids", "course", "auto"}
    presentation : {"slow", "rapid", "both"}
        Which runs: slow (``task-lowSpeed``, the course's choice), rapid (``task-rsvp``) or both.
    subjects : list of str, optional
        Subject labels to keep (``["02", "03"]``); when None, every subject with ``min_sessions``.
    ch_names : list of str, or str or Path, optional
        Channel names of the course arrays, in order, or a file of them (one per line, or a Curry
        ``*.cdt.dpa`` header); needed to load them (the BIDS layout ignores it).
    sessions : list of str, optional
        Session labels to keep (``["1", "2"]``); all when None.
    min_sessions : int
        Fewest sessions a subject needs to be used when ``subjects`` is None (5: the session split).
    skip_unreadable : bool
        Leave out, with a warning, a recording that cannot be read instead of stopping.
    """

    name = "Wang2025Multisession"
    aliases = ("wang2025multisession", "ds005589")
    citation = ("Xue S, Jin B, Jiang J, Guo L, Zhou J, Wang C, Liu J (2025). A multi-subject and multi-session "
                "EEG dataset for modelling human visual object recognition. Scientific Data. OpenNeuro ds005589.")
    description = "OpenNeuro ds005589: 122-channel EEG, up to 5 sessions per subject, 20 categories, captioned images."
    line_freq = 50.0  # recorded in Beijing; the README's 50 Hz notch

    def __init__(self, root: str | Path | None = None, layout: Literal["bids", "course", "auto"] = "bids",
                 presentation: Literal["slow", "rapid", "both"] = "slow", subjects: list[str] | None = None,
                 ch_names: Sequence[str] | str | Path | None = None, sessions: list[str] | None = None,
                 min_sessions: int = SPLIT_SESSIONS, skip_unreadable: bool = False):
        super().__init__(data_dir() / self.name if root is None else root, subjects, sessions, skip_unreadable)
        if layout not in ("bids", "course", "auto"):
            raise NeuroarenaError(f"unknown layout {layout!r}", fix="use 'bids', 'course' or 'auto'")
        if presentation not in TASKS:
            raise NeuroarenaError(f"unknown presentation {presentation!r}", fix="use 'slow', 'rapid' or 'both'")
        if not isinstance(min_sessions, int) or min_sessions < 1:
            raise NeuroarenaError(f"min_sessions {min_sessions!r} is not a positive whole number", fix="pass 1 to 5")
        self.layout = layout
        self.presentation = presentation
        self.ch_names = ch_names if ch_names is None or isinstance(ch_names, (str, Path)) else list(ch_names)
        self.min_sessions = min_sessions

    def download(self) -> None:
        """Fetch the chosen runs of the BIDS release with openneuro-py, and its images; the course files cannot be."""
        if self.layout == "course":
            raise NeuroarenaError(
                "the course layout has no public download", path=self.root,
                fix="place captions.txt, images/ and each run's sub-XX_ses-YY_task-lowSpeed_run-ZZ_1000Hz.npy "
                    "and _image.csv in this folder, or use layout='bids' to download OpenNeuro ds005589",
            )
        import openneuro

        subjects = ([s.zfill(2) if s.isdigit() else s for s in self.subjects] if self.subjects else
                    [s for s, n in RELEASE_SESSIONS.items() if n >= self.min_sessions])
        include = [f"sub-{s}/**/*task-{t}_*" for s in subjects for t in TASKS[self.presentation]]
        self.root.mkdir(parents=True, exist_ok=True)
        openneuro.download(dataset="ds005589", target_dir=self.root, include=include)
        if not (self.root / "stimuli").is_dir():
            try:
                openneuro.download(dataset="ds005589", target_dir=self.root, include=["stimuli"])
            except RuntimeError:  # this version has no stimuli/: take them from the first release
                staging = self.root.parent / f".{self.root.name}-stimuli-{STIMULI_TAG}"
                openneuro.download(dataset="ds005589", tag=STIMULI_TAG, target_dir=staging, include=["stimuli"])
                (staging / "stimuli").rename(self.root / "stimuli")
                shutil.rmtree(staging, ignore_errors=True)

    def find_recordings(self) -> list[Recording]:
        """Every usable chosen run, sorted by subject, session, task and run (the rest in :attr:`skipped`)."""
        layout = self._layout()
        captions = self._captions(layout)
        shared = (self.root / "captions.txt",) if captions else ()
        return [Recording(study=self.name, subject=run.subject, session=run.session, run=run.run, task=run.task,
                          path=run.eeg, loader=self._loader(run),
                          events_loader=lambda run=run: self._events(run, captions),
                          files=_run_files(run) + shared)
                for run in self._runs(layout)]

    def stimuli(self) -> "pd.DataFrame":
        """Every image of the chosen runs: index stimulus id, columns :data:`STIMULUS_COLUMNS`.

        Raises
        ------
        NeuroarenaError
            The folder holds no image folder and no captions: nothing to embed (the fix says where to get them).
        """
        import pandas as pd

        layout = self._layout()
        captions = self._captions(layout)
        self._check_image_folder(layout, bool(captions))
        rows = {}
        for run in self._runs(layout):
            for stimulus, category in read_image_table(run.images):
                rows[stimulus] = {"image": self._image_file(layout, stimulus, category), "category": category,
                                  "caption": captions.get(stimulus, ""), "split": ""}
        table = pd.DataFrame.from_dict(rows, orient="index", columns=list(STIMULUS_COLUMNS)).sort_index()
        table.index.name = "stimulus"
        return table

    def params(self) -> dict[str, Any]:
        """Name, folder, layout, presentation, subjects, sessions, course channel names and min_sessions."""
        names = None if self.ch_names is None else read_channel_names(self.ch_names)
        return {**super().params(), "root": str(self.root), "layout": self.layout,
                "presentation": self.presentation, "ch_names": names, "min_sessions": self.min_sessions}

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

    def _loader(self, run: _Run) -> Callable[[], "mne.io.BaseRaw | mne.EpochsArray"]:
        if run.events is not None:
            return lambda: read_curry(run.eeg)
        return lambda: read_course_epochs(run.eeg, None if self.ch_names is None else read_channel_names(
            self.ch_names), self.line_freq)

    def _captions(self, layout: str) -> dict[str, str]:
        path = self.root / "captions.txt"
        return read_captions(path) if layout == "course" or path.is_file() else {}

    def _runs(self, layout: str) -> list[_Run]:
        """The chosen runs that can be read; the others (and subjects with too few sessions) skipped."""
        runs = self._readable_runs(layout)
        if self.subjects is None:
            sessions: dict[str, set[str]] = {}
            for run in runs:
                sessions.setdefault(run.subject, set()).add(run.session)
            few = {subject: len(held) for subject, held in sessions.items() if len(held) < self.min_sessions}
            for subject, count in sorted(few.items()):
                self.skip(f"sub-{subject}", f"only {count} session{'s' if count > 1 else ''} of "
                                            f"{'/'.join(TASKS[self.presentation])} runs, fewer than min_sessions="
                                            f"{self.min_sessions} (the session split needs {SPLIT_SESSIONS})")
            runs = [run for run in runs if run.subject not in few]
        missing = [s for s in self.subjects or [] if not any(same_label(s, run.subject) for run in runs)]
        if not runs or missing:
            who = f"subject(s) {', '.join(missing)}" if missing else "any subject"
            enough = "" if self.subjects else f" with {self.min_sessions} sessions"
            raise NeuroarenaError(f"no {'/'.join(TASKS[self.presentation])} run of {who}{enough} in this folder",
                                  path=self.root, fix="check subjects, presentation and min_sessions, or download "
                                                      "the data")
        return sorted(runs, key=lambda r: (r.subject, _order(r.session), r.task, _order(r.run)))

    def _readable_runs(self, layout: str) -> list[_Run]:
        """Runs of the chosen subjects and tasks with a recording and its tables, by file name."""
        suffix = "eeg.cdt" if layout == "bids" else "1000Hz.npy"
        files: dict[tuple[Path, str], dict[str, Path]] = {}
        top = "sub-*/ses-*/**/" if layout == "bids" else "**/"
        for kind, pattern in (("eeg", f"*_{suffix}"), ("images", "*_image.csv")):
            for path in self.root.glob(top + pattern):
                match = _RUN_NAME.match(path.name)
                if match is None:
                    raise NeuroarenaError("file name lacks sub-/ses-/task-/run- entities", path=path,
                                          fix="name it sub-XX_ses-YY_task-T_run-ZZ_... as in the release")
                files.setdefault((path.parent, path.name[: match.end()]), {})[kind] = path
        tasks = TASKS[self.presentation]
        runs = []
        for (folder, stem), found in sorted(files.items()):
            subject, session, task, run = _RUN_NAME.match(stem).groups()
            if self.subjects is not None and not any(same_label(subject, s) for s in self.subjects):
                continue
            if task == COMBINED_TASK:
                self.skip(stem.rstrip("_"), f"one recording of several runs ({stem}{suffix}): the release says "
                                            "neither which runs nor where each starts; not read")
                continue
            if task not in tasks:
                continue
            if "eeg" not in found:
                combined = sorted(folder.glob(f"*_task-{COMBINED_TASK}_*"))
                held = f"; its folder has {combined[0].name}, a recording of several runs" if combined else ""
                self.skip(stem.rstrip("_"), f"no recording of its own ({stem}{suffix} absent){held}")
                continue
            events = folder / f"{stem}events.tsv" if layout == "bids" else None
            absent = [p.name for p in (folder / f"{stem}image.csv", events) if p is not None and not p.is_file()]
            if absent:
                self.skip(stem.rstrip("_"), f"{' and '.join(absent)} absent")
                continue
            runs.append(_Run(subject, _unpadded(session), task, _unpadded(run), found["eeg"],
                             folder / f"{stem}image.csv", events))
        return runs

    def _events(self, run: _Run, captions: dict[str, str]) -> "pd.DataFrame":
        images = read_image_table(run.images)
        onsets = (event_onsets(run.events, run.task) if run.events is not None
                  else epoch_onsets(run.eeg, run.images, len(images)))
        if len(onsets) != len(images):
            raise NeuroarenaError(f"{run.events.name} has {len(onsets)} image events but {run.images.name} lists "
                                  f"{len(images)} images", path=run.events, fix="restore both files from the release")
        return image_events(onsets, images, captions, duration=1.0 if run.task == "lowSpeed" else 0.1)

    def _check_image_folder(self, layout: str, captions: bool) -> None:
        """No image folder: an error when there are no captions either, else a warning (captions can be embedded)."""
        folders = [self.root / "stimuli"] if layout == "bids" else [self.root / f for f in COURSE_IMAGE_FOLDERS]
        if any(folder.is_dir() for folder in folders):
            return
        if layout == "bids":
            what, fix = "this release has no stimuli/ folder (no image to embed)", STIMULI_FIX
        else:
            what, fix = "no images/ folder (no image to embed)", "put the course's images/ folder here"
        if not captions:
            raise NeuroarenaError(what, path=folders[0], fix=fix)
        warnings.warn(f"{folders[0]}: {what} -> {fix}", UserWarning, stacklevel=3)

    def _image_file(self, layout: str, stimulus: str, category: str) -> str:
        if layout == "bids":
            candidates = [self.root / "stimuli" / category / f"{stimulus}_resized.jpg"]
        else:
            candidates = [self.root / folder / f"{stimulus}{resized}{suffix}" for folder in COURSE_IMAGE_FOLDERS
                          for resized in ("", "_resized") for suffix in IMAGE_SUFFIXES]
        return next((str(path.resolve()) for path in candidates if path.is_file()), "")


def _run_files(run: _Run) -> tuple[Path, ...]:
    """The files of a run: its recording (a Curry ``.cdt`` with its ``.cdt.dpa`` and ``.cdt.ceo``), image and
    events tables."""
    recording = tuple(sorted(p for p in run.eeg.parent.iterdir() if p.name.startswith(run.eeg.name) and p.is_file()))
    return recording + tuple(p for p in (run.images, run.events) if p is not None)


def _order(label: str) -> tuple[int, int | str]:
    """Sort key: numeric labels by value, before the others in text order."""
    return (0, int(label)) if label.isdigit() else (1, label)


def _unpadded(label: str) -> str:
    """``"01"`` -> ``"1"``; labels that are not numbers stay as they are."""
    return str(int(label)) if label.isdigit() else label
