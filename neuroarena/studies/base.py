"""What a study is: where the data lives, how to get it, and the recordings it yields."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar

if TYPE_CHECKING:
    import mne
    import pandas as pd

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

#: Columns of :meth:`Study.stimuli`, in this order (the index is the stimulus id).
STIMULUS_COLUMNS: tuple[str, ...] = ("image", "category", "caption", "split")


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
        Returns the recording as an ``mne.io.BaseRaw`` (data preloaded or not).
    events_loader : callable
        Returns a ``pandas.DataFrame`` with :data:`EVENT_COLUMNS`, one row per event.
    """

    study: str
    subject: str
    session: str
    run: str
    task: str
    path: Path
    loader: Callable[[], "mne.io.BaseRaw"] = field(repr=False, compare=False)
    events_loader: Callable[[], "pd.DataFrame"] = field(repr=False, compare=False)

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

    def load(self) -> "mne.io.BaseRaw":
        """Load the recording with MNE."""
        return self.loader()

    def events(self) -> "pd.DataFrame":
        """The events table, columns :data:`EVENT_COLUMNS`."""
        return self.events_loader()


class Study(ABC):
    """A dataset: where it lives, how to download it, what recordings it holds.

    Subclasses set ``name`` (the field's name for the dataset, e.g.
    ``"Gifford2022Large"``), ``aliases`` (names accepted by ``--dataset``) and
    ``citation``, and implement :meth:`download` and :meth:`recordings`.

    Parameters
    ----------
    root : Path
        Folder holding the study's files (``$NEUROARENA_HOME/data/<name>`` by default).
    """

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    citation: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @abstractmethod
    def download(self) -> None:
        """Fetch the raw files into :attr:`root` (network; never called in tests)."""

    @abstractmethod
    def recordings(self) -> list[Recording]:
        """All recordings, in a stable order.

        Raises
        ------
        NeuroarenaError
            When the data is missing, naming the folder and the ``--download`` fix.
        """

    def params(self) -> dict[str, Any]:
        """Everything that shapes the data (keys the preprocessing cache)."""
        return {"name": self.name}

    def ceiling(self) -> dict[str, float]:
        """Best achievable score per metric name (e.g. a simulation's oracle); empty when unknown."""
        return {}

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
