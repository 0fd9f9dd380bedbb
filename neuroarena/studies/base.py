"""What a study is: where the data lives, how to get it, and the recordings it yields."""
from __future__ import annotations

import os
import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Sequence

from neuroarena.errors import NeuroarenaError, first_line

if TYPE_CHECKING:
    import mne
    import numpy as np
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig

#: Columns every events table has, in this order. ``onset`` and ``duration`` are in
#: seconds from the start of the recording; ``kind`` says what the event is
#: (``"stimulus"``, ``"response"``, ...); ``stimulus`` is a stable stimulus identifier
#: (an image file stem, say); ``category`` its class; ``caption`` a sentence about it;
#: ``rt`` the response time in seconds; ``split`` the study's own split of the
#: stimulus (``"train"``/``"test"``, or empty when the study defines none).
#: Missing values are NaN (numbers) or ``""`` (strings).
EVENT_COLUMNS: tuple[str, ...] = (
    "onset", "duration", "kind", "stimulus", "category", "caption", "rt", "split",
)

#: The way out of an unreadable recording's error, and the usual fix.
SKIP_UNREADABLE = "skip unreadable recordings (--skip-unreadable)"
UNREADABLE_FIX = f"repair or restore the file from the dataset's source, or {SKIP_UNREADABLE}"

#: Columns of :meth:`Study.stimuli`, in this order (the index is the stimulus id).
STIMULUS_COLUMNS: tuple[str, ...] = ("image", "category", "caption", "split")


class SkippedWarning(UserWarning):
    """A subject, run or file a study leaves out (see :meth:`Study.skip`); the store's record counts them."""


#: How a file stood when a study was listed: (path relative to the study root, size in bytes, mtime in ns).
FileStamp = tuple[str, int, int]


@dataclass(frozen=True)
class EpochedRelease:
    """What a release published as epochs did to its data; prepare adapts a task's preprocessing to it.

    Each epoch holds the samples at ``tmin + k / sfreq`` (``k = 0 .. n_times - 1``) around one
    stimulus onset (t = 0). A filter longer than an epoch is never applied to epochs one by one: the
    steps the release already did, or that cannot be done on epochs this short, are left out and
    recorded (see :func:`neuroarena.prepare.adapt.adapt_to_epochs`).

    Parameters
    ----------
    tmin : float
        Time of each epoch's first sample, seconds from the onset.
    n_times : int
        Samples per epoch.
    sfreq : float
        Sampling rate of the epochs, Hz.
    l_freq, h_freq : float or None
        The band-pass the release applied (None: no high-pass / no low-pass). A release resampled
        without a low-pass has ``h_freq`` at most its Nyquist frequency.
    notch : tuple of float
        Line-noise frequencies it removed.
    reference : str or None
        ``"average"`` when it re-referenced to the average; None when it kept the recording reference.
    baseline : tuple of float or None
        The interval it baseline-corrected.
    line_freq : float
        Power-line frequency where it was recorded (50 or 60 Hz).
    whitened : bool
        The channels were mixed by a spatial whitening (multivariate noise normalisation): a channel
        is no longer one electrode's potential, so neither re-referencing nor interpolating applies.
    steps : str
        Its other steps, in words (ICA, multivariate noise normalisation, ...), for the record.
    """

    tmin: float
    n_times: int
    sfreq: float
    l_freq: float | None
    h_freq: float | None
    notch: tuple[float, ...] = ()
    reference: str | None = None
    baseline: tuple[float, float] | None = None
    line_freq: float = 50.0
    whitened: bool = False
    steps: str = ""

    @property
    def duration(self) -> float:
        """Length of one epoch in seconds: ``n_times / sfreq``."""
        return self.n_times / self.sfreq


@dataclass(frozen=True)
class Recording:
    """One continuous recording and its events.

    Parameters
    ----------
    study : str
        Name of the study it belongs to.
    subject, session, run, task : str
        BIDS-style identifiers (``session`` and ``run`` may be ``""``).
    path : Path
        The raw file on disk (named in error messages).
    loader : callable
        Returns the recording as an ``mne.io.BaseRaw`` (data preloaded or not), or, for a study
        published as epochs (:meth:`Study.epoched`), as ``mne.BaseEpochs`` with its ``tmin``.
    events_loader : callable
        Returns a ``pandas.DataFrame`` with :data:`EVENT_COLUMNS`, one row per event; for epochs,
        one row per epoch in epoch order.
    files : tuple of Path
        Every file whose content shapes the recording or its events (a folder: every file under it);
        empty means ``(path,)``. The store's key follows their sizes and modification times.
    """

    study: str
    subject: str
    session: str
    run: str
    task: str
    path: Path
    loader: Callable[[], "mne.io.BaseRaw | mne.BaseEpochs"] = field(repr=False, compare=False)
    events_loader: Callable[[], "pd.DataFrame"] = field(repr=False, compare=False)
    files: tuple[Path, ...] = field(default=(), repr=False)

    @property
    def id(self) -> str:
        """Identifier unique within the study, safe as a file name, e.g. ``sub-01_ses-1_run-1``."""
        parts = [f"sub-{self.subject}"]
        if self.session:
            parts.append(f"ses-{self.session}")
        if self.task:
            parts.append(f"task-{self.task}")
        if self.run:
            parts.append(f"run-{self.run}")
        return "_".join(parts)

    def load(self) -> "mne.io.BaseRaw | mne.BaseEpochs":
        """Load the recording with MNE."""
        return self.loader()

    def events(self) -> "pd.DataFrame":
        """The events table, columns :data:`EVENT_COLUMNS`."""
        return self.events_loader()

    def inputs(self) -> tuple[Path, ...]:
        """The files that shape this recording: :attr:`files`, or ``(path,)`` when none are listed."""
        return tuple(self.files) or (self.path,)


@dataclass(frozen=True)
class Snapshot:
    """A study's chosen recordings and the state of their files, listed once (see :meth:`Study.snapshot`).

    Parameters
    ----------
    recordings : tuple of Recording
        As :meth:`Study.recordings` returned them.
    files : tuple of FileStamp
        ``(path relative to the study root, size, mtime_ns)`` of every file of :meth:`Recording.inputs`,
        sorted, each once.
    """

    recordings: tuple[Recording, ...]
    files: tuple[FileStamp, ...]


class UnreadableRecording(NeuroarenaError):
    """A recording its reader cannot read (file missing, truncated or inconsistent); one line naming the file.

    A study built with ``skip_unreadable=True`` leaves such a recording out (:meth:`Study.skip`) instead.
    """


def reader_error(path: str | Path, err: BaseException) -> UnreadableRecording:
    """``err`` of a reader (MNE, mne-bids, pyarrow, numpy, ...) as one line naming ``path`` and the fix.

    Parameters
    ----------
    path : str or Path
        The recording's file.
    err : BaseException
        What the reader raised; a :class:`~neuroarena.errors.NeuroarenaError` keeps its own text.
    """
    if isinstance(err, NeuroarenaError):
        return UnreadableRecording(str(err))
    return UnreadableRecording(f"cannot read this recording ({first_line(err)})", path=path, fix=UNREADABLE_FIX)


class Study(ABC):
    """A dataset: where it lives, how to download it, what recordings it holds.

    Subclasses set ``name`` (the field's name for the dataset, e.g.
    ``"Gifford2022Large"``), ``aliases`` (names accepted by ``--dataset``),
    ``citation`` and ``line_freq``, and implement :meth:`download` and :meth:`find_recordings`;
    :meth:`recordings` keeps the chosen subjects and sessions.

    Parameters
    ----------
    root : Path
        Folder holding the study's files (``$NEUROARENA_HOME/data/<name>`` by default).
    subjects, sessions : list of str or int, optional
        Keep only these subjects / sessions (labels as in the file names, ``"01"``, ``1`` and
        ``"sub-01"`` alike); every one when None. A label the study lacks is an error.
    skip_unreadable : bool
        Leave out a recording its reader cannot read (missing or truncated file, inconsistent
        sampling rates, ...) with a warning and a line in :attr:`skipped`, instead of stopping
        with an error naming it.
    """

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    citation: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: Power-line frequency where the data were recorded (``notch: line`` removes it).
    line_freq: ClassVar[float | None] = None

    def __init__(self, root: str | Path, subjects: Sequence[str | int] | None = None,
                 sessions: Sequence[str | int] | None = None, skip_unreadable: bool = False):
        self.root = Path(root)
        self.subjects = normalize_labels(subjects, "sub")
        self.sessions = normalize_labels(sessions, "ses")
        if not isinstance(skip_unreadable, bool):
            raise NeuroarenaError(f"skip_unreadable must be true or false, not {skip_unreadable!r}", path=self.root,
                                  fix="pass skip_unreadable=true (leave unreadable recordings out) or false")
        self.skip_unreadable = skip_unreadable
        #: What :meth:`recordings` (or a store's build) left out and why: ``{"recording", "reason"}`` dicts.
        self.skipped: list[dict[str, str]] = []
        self._snapshot: Snapshot | None = None

    @abstractmethod
    def download(self) -> None:
        """Fetch the raw files into :attr:`root` (network; never called in tests)."""

    @abstractmethod
    def find_recordings(self) -> list[Recording]:
        """Every recording on disk (a study may already leave out subjects it was not asked for)."""

    def recordings(self) -> list[Recording]:
        """The chosen subjects' and sessions' recordings, in a stable order.

        Raises
        ------
        NeuroarenaError
            When the data is missing (naming the folder and the ``--download`` fix), or a chosen
            subject or session has no recording.
        """
        return select_recordings(self.find_recordings(), self.subjects, self.sessions, self.root, self.skipped)

    def params(self) -> dict[str, Any]:
        """Everything that shapes the data (keys the preprocessing cache)."""
        return {"name": self.name, "subjects": self.subjects, "sessions": self.sessions,
                "skip_unreadable": self.skip_unreadable}

    def snapshot(self) -> Snapshot:
        """The chosen recordings and the stamps of their files, listed once per study object (then reused).

        Reads no file's content: sizes and modification times only. A store is keyed by it, so editing or
        touching an input file builds a new store.
        """
        if getattr(self, "_snapshot", None) is None:
            recordings = tuple(self.recordings())
            self._snapshot = Snapshot(recordings, file_stamps(recordings, self.root))
        return self._snapshot

    def skip(self, what: str, reason: str) -> None:
        """Leave ``what`` (a subject, a run, a file) out of the study, with a warning and a line in :attr:`skipped`."""
        entry = {"recording": what, "reason": reason}
        if entry not in self.skipped:
            self.skipped.append(entry)
            warnings.warn(f"{self.name}: {what} skipped: {reason}", SkippedWarning, stacklevel=2)

    def epoched(self) -> EpochedRelease | None:
        """What the release did to its epochs, when it is published as epochs (None: continuous recordings)."""
        return None

    def oracle_outputs(self, windows: "pd.DataFrame", prepare: "PrepareConfig", stimuli: Sequence[str] | None = None,
                       classes: Sequence[str] | None = None, target: str | None = None) -> np.ndarray | None:
        """What a decoder that knows how the data were generated outputs for ``windows``; None when unknown.

        A study that can give it (a simulation) lets every job score it through the task's own metrics,
        aggregation and candidates: the ceiling of the leaderboard (see
        :func:`~neuroarena.runner.ceiling.oracle_ceiling`).

        Parameters
        ----------
        windows : DataFrame, shape (n, ...)
            Rows of a window store's metadata (``recording``, ``onset``, ...).
        prepare : PrepareConfig
            The task's preprocessing.
        stimuli : sequence of str, optional
            Candidate stimulus ids (retrieval): one score per candidate.
        classes : sequence of str, optional
            Class names (classification): one score per class.
        target : str, optional
            The events column of a regression target: the oracle's prediction of it.

        Returns
        -------
        ndarray, shape (n, n_candidates), or None
            Higher is more likely; columns in the order of ``stimuli`` or ``classes``. Regression: shape
            (n, 1), the prediction in the target's units.
        """
        return None

    def stimuli(self) -> "pd.DataFrame | None":
        """The stimulus set, or None when the study has no stimuli to embed.

        Returns
        -------
        DataFrame, shape (n_stimuli, 4), or None
            Indexed by ``stimulus`` (the ids of the events' ``stimulus`` column, as strings), with
            columns :data:`STIMULUS_COLUMNS`: ``image`` (absolute path of the image file, ``""`` when
            there is none), ``category``, ``caption`` (``""`` when unknown) and ``split``
            (``"train"``, ``"test"`` or ``""``).
        """
        return None

    def preferred_embedder(self, source: str) -> str | None:
        """The embedder a task should use for this study's ``source`` ("image" or "caption") when the user
        names none, or None to keep the task's own; a study whose stimuli live in a known space (a
        simulation) names it here."""
        return None

    def stimulus_features(self) -> "pd.DataFrame | None":
        """Ground-truth stimulus feature vectors (index: stimulus id), or None if unknown."""
        return None


def file_stamps(recordings: Sequence[Recording], root: Path) -> tuple[FileStamp, ...]:
    """``(path relative to root, size, mtime_ns)`` of every input file of ``recordings``, sorted, each once.

    A folder stands for every file under it; a listed file that does not exist is left out (its
    appearance changes the stamps).
    """
    paths: set[Path] = set()
    for recording in recordings:
        for path in recording.inputs():
            path = Path(path)
            if path.is_dir():
                paths.update(p for p in path.rglob("*") if p.is_file())
            else:
                paths.add(path)
    stamps = []
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        stamps.append((_relative(path, root), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(stamps))


def _relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (POSIX separators), or absolute when it lies outside it."""
    absolute, base = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return absolute.as_posix()


def normalize_labels(labels: Sequence[str | int] | str | int | None, prefix: str) -> list[str] | None:
    """Subject or session labels as strings without their BIDS prefix (``"sub-01"`` -> ``"01"``), sorted."""
    if labels is None:
        return None
    if isinstance(labels, (str, int)):
        labels = [labels]
    out = {str(label).strip().removeprefix(f"{prefix}-") for label in labels}
    return sorted(out, key=_label_order)


def same_label(a: str, b: str) -> bool:
    """Labels name the same subject or session: equal, or equal numbers (``"01"`` and ``"1"``)."""
    return a == b or (a.isdigit() and b.isdigit() and int(a) == int(b))


def select_recordings(found: list[Recording], subjects: list[str] | None, sessions: list[str] | None,
                      root: Path, skipped: list[dict[str, str]] | None = None) -> list[Recording]:
    """The recordings of the chosen subjects and sessions; a chosen label with no recording is an error
    (which counts what the study ``skipped``, since those may be the ones asked for)."""
    for attribute, wanted, flag in (("subject", subjects, "--subjects"), ("session", sessions, "--sessions")):
        if wanted is None:
            continue
        have = sorted({getattr(r, attribute) for r in found}, key=_label_order)
        absent = [label for label in wanted if not any(same_label(label, h) for h in have)]
        if absent:
            left_out = f"; {len(skipped)} skipped, see the warnings" if skipped else ""
            raise NeuroarenaError(f"no recording of {attribute}(s) {', '.join(absent)} (found: "
                                  f"{', '.join(have) if have != [''] else 'none'}{left_out})", path=root,
                                  fix=f"choose {flag} among those found, or download them")
        found = [r for r in found if any(same_label(label, getattr(r, attribute)) for label in wanted)]
    return found


def _label_order(label: str) -> tuple[int, int | str]:
    return (0, int(label)) if label.isdigit() else (1, label)
