"""What the simulated BIDS studies share: validated presets, the atomic BIDS writer and the study class.

The simulated motor-imagery, SSVEP, c-VEP and ERP studies (``neuroarena.studies.simulated_*``) each keep their
configuration (fields and presets), their generator of one run and their oracle; this module writes their runs as
one BIDS dataset (BrainVision files), built once and atomically, and reads it back (:class:`SimulatedBidsStudy`).
``simulation.json`` in the dataset records the configuration, its hash and the generator's version.
"""
from __future__ import annotations

import datetime
import json
from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Mapping, Protocol, Sequence, TypeVar

from pydantic import BaseModel, ValidationError

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import atomic_path, build_folder_once
from neuroarena.hashing import stable_hash
from neuroarena.home import data_dir
from neuroarena.studies.base import Recording, Study

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig

CONFIG_FILE = "simulation.json"
MONTAGE = "easycap-M1"
FIRST_MEASUREMENT = datetime.datetime(2024, 1, 1, 9, 0, tzinfo=datetime.timezone.utc)
ConfigT = TypeVar("ConfigT", bound=BaseModel)


def preset_config(config_cls: type[ConfigT], presets: Mapping[str, Mapping[str, Any]], name: str,
                  overrides: Mapping[str, Any] | None, what: str, preset_what: str | None = None) -> ConfigT:
    """The preset ``name`` of ``presets`` with ``overrides`` applied, validated by ``config_cls``.

    Parameters
    ----------
    what : str
        What the configuration describes, in front of an invalid field (``"simulated SSVEP lapse: ..."``).
    preset_what : str, optional
        The same in ``"unknown <preset_what> preset"``; default ``what``.

    Raises
    ------
    NeuroarenaError
        ``name`` is not a preset (the fix lists them), or a field is invalid (the fix lists the fields).
    """
    if name not in presets:
        raise NeuroarenaError(f"unknown {preset_what or what} preset {name!r}", fix=f"use one of {', '.join(presets)}")
    try:
        return config_cls(**{**presets[name], **(overrides or {})})
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "config"
        raise NeuroarenaError(f"{what} {where}: {first['msg']}",
                              fix=f"see the fields of {config_cls.__name__} ({', '.join(config_cls.model_fields)})"
                              ) from None


def label(index: int, width: int = 1) -> str:
    """BIDS label of 0-based ``index``: ``"1"``, ``"2"``, ... (``"01"`` with ``width=2``)."""
    return f"{index + 1:0{width}d}"


def written_config(root: Path) -> dict | None:
    """The configuration stored in a simulated dataset at ``root``, or None if there is none."""
    path = Path(root) / CONFIG_FILE
    return json.loads(path.read_text())["config"] if path.is_file() else None


def windows_by_recording(study: Study, windows: "pd.DataFrame") -> list[tuple[Recording, "np.ndarray"]]:
    """Each recording of ``study`` that ``windows`` (a window store's metadata) lie in, with the rows of its
    windows, in the order of the recording ids.

    Raises
    ------
    NeuroarenaError
        A window's ``recording`` is not a recording of ``study``.
    """
    import numpy as np

    recordings = {recording.id: recording for recording in study.recordings()}
    ids = windows["recording"].astype(str).to_numpy()
    unknown = sorted(set(ids) - set(recordings))
    if unknown:
        raise NeuroarenaError(f"windows of recording {unknown[0]} are not in the study", path=study.root,
                              fix="score the oracle on windows of this simulated dataset")
    return [(recordings[recording_id], np.flatnonzero(ids == recording_id)) for recording_id in np.unique(ids)]


class SimulatedSignals(Protocol):
    """What a generator gives for one run: the EEG (V), shape (n_channels, n_times), its channels and rate."""

    data: "np.ndarray"
    ch_names: tuple[str, ...]
    sfreq: float


@dataclass(frozen=True)
class BidsDataset:
    """What names a simulated BIDS dataset and its events.

    ``study`` (the study class's name) enters ``generated_by`` and the fix of a folder holding another simulation,
    ``what`` that error's message (``"the simulated <what> <config hash>"``), ``title`` the dataset description's
    name; ``columns`` are the events.tsv columns written beside onset and duration, with their descriptions.
    """

    task: str
    study: str
    what: str
    title: str
    generator: int
    columns: Mapping[str, str]
    line_freq: float


@dataclass(frozen=True)
class BidsRun:
    """One simulated run, as written: its signals, BIDS entities and events.

    ``subject`` and ``run`` are 0-based (written ``"01"`` and ``"1"``), ``session`` a BIDS label (None: no
    session); the measurement starts ``day`` days and ``run`` hours after :data:`FIRST_MEASUREMENT`. Every event
    (kind ``stimulus``) lasts ``duration`` s from its ``onset`` (s); ``events`` holds the dataset's columns.
    """

    signals: SimulatedSignals
    subject: int
    run: int
    day: int
    session: str | None
    onset: "np.ndarray | pd.Series"
    duration: float
    events: "pd.DataFrame"


def write_bids_dataset(config: BaseModel, root: str | Path, dataset: BidsDataset, runs: Iterable[BidsRun]) -> Path:
    """Write ``runs`` (of the simulation ``config``) as the BIDS dataset ``root`` (a no-op when written).

    Built in a temporary folder beside ``root`` and renamed onto it, so ``root`` is absent or complete; ``runs``
    (a generator) is only simulated when the dataset is written.

    Raises
    ------
    NeuroarenaError
        ``root`` exists but holds something other than this simulation.
    """
    def check(done: Path) -> None:
        if written_config(done) != config.model_dump(mode="json"):
            raise NeuroarenaError(f"folder exists but does not hold the simulated {dataset.what} {stable_hash(config)}",
                                  path=done, fix=f"delete the folder or choose another root for {dataset.study}")

    return build_folder_once(root, lambda tmp: _write_all(config, tmp, dataset, runs), check)


def _write_all(config: BaseModel, folder: Path, dataset: BidsDataset, runs: Iterable[BidsRun]) -> None:
    import mne_bids

    for run in runs:
        _write_run(folder, dataset, run)
    mne_bids.make_dataset_description(
        path=folder, name=dataset.title, dataset_type="raw", authors=["neuroarena"],
        generated_by=[{"Name": f"neuroarena {dataset.study}", "Version": str(dataset.generator)}],
        overwrite=True, verbose=False,
    )
    (folder / ".bidsignore").write_text(f"{CONFIG_FILE}\noracle/\n")
    (folder / CONFIG_FILE).write_text(json.dumps(
        {"config": config.model_dump(mode="json"), "hash": stable_hash(config), "generator": dataset.generator},
        indent=2, sort_keys=True) + "\n")


def _write_run(folder: Path, dataset: BidsDataset, run: BidsRun) -> None:
    import mne
    import mne_bids

    signals = run.signals
    raw = mne.io.RawArray(signals.data, mne.create_info(list(signals.ch_names), signals.sfreq, ch_types="eeg"),
                          verbose=False)
    raw.set_montage(mne.channels.make_standard_montage(MONTAGE), verbose=False)
    raw.info["line_freq"] = dataset.line_freq
    raw.set_meas_date(FIRST_MEASUREMENT + datetime.timedelta(days=run.day, hours=run.run))
    raw.set_annotations(mne.Annotations(run.onset, run.duration, ["stimulus"] * len(run.onset)))
    bids_path = mne_bids.BIDSPath(subject=label(run.subject, 2), session=run.session, task=dataset.task,
                                  run=label(run.run), datatype="eeg", root=folder)
    mne_bids.write_raw_bids(
        raw, bids_path, event_id={"stimulus": 1}, event_metadata=run.events[list(dataset.columns)],
        extra_columns_descriptions=dict(dataset.columns), format="BrainVision", allow_preload=True, verbose=False,
    )


class SimulatedBidsStudy(Study):
    """A study simulated locally, written to disk as a BIDS dataset on first use and read back as BIDS.

    A subclass sets, beside ``name``, ``aliases``, ``citation`` and ``description``: ``config_class`` (its frozen
    configuration, with a ``preset(name, **overrides)`` classmethod), ``generator_version``, ``folder_prefix``
    (of the default root), ``bids_task``, ``write_dataset`` (``(config, root) -> root``), ``oracle_version``,
    ``oracle_reads_window`` (default true) and :meth:`oracle`, a method or its oracle module's function
    ``oracle_outputs(study, windows, prepare, classes)``.

    Parameters
    ----------
    root : str or Path, optional
        Where the BIDS dataset lives; default ``data_dir() / "<folder_prefix>-<config hash>"``.
    config : BaseModel or dict, optional
        The experiment; a dict changes fields of the preset named ``preset``; default that preset.
    preset : str
        The name of a preset of ``config_class``.
    subjects, sessions : list of str, optional
        Keep only these (``"01"``, ``"1"``; see :class:`~neuroarena.studies.base.Study`).
    skip_unreadable : bool
        Leave out, with a warning, a recording that cannot be read (see :class:`~neuroarena.studies.bids.BidsStudy`).
    """

    config_class: ClassVar[type[BaseModel]]
    generator_version: ClassVar[int]
    folder_prefix: str
    bids_task: str
    write_dataset: ClassVar[Callable[[Any, Path], Path]]
    #: Version of the oracle, part of the key of its kept outputs.
    oracle_version: ClassVar[int]
    #: Whether the oracle reads the task's window (its start and duration then enter the key).
    oracle_reads_window: ClassVar[bool] = True

    def __init__(self, root: str | Path | None = None, config: BaseModel | dict | None = None,
                 preset: str = "default", subjects: list[str] | None = None, sessions: list[str] | None = None,
                 skip_unreadable: bool = False):
        if not isinstance(config, self.config_class):
            config = self.config_class.preset(preset, **(config or {}))  # type: ignore[attr-defined]
        self.config = config
        name = f"{self.folder_prefix}-{stable_hash({'config': self.config, 'generator': self.generator_version})}"
        super().__init__(root if root is not None else data_dir() / name, subjects, sessions, skip_unreadable)

    def download(self) -> None:
        """Generate and write the dataset to :attr:`root` (local; a no-op if written)."""
        self.write_dataset(self.config, self.root)

    def find_recordings(self) -> list[Recording]:
        """Every recording of the dataset, read through :class:`~neuroarena.studies.bids.BidsStudy`."""
        from neuroarena.studies.bids import BidsStudy

        self.download()
        bids = BidsStudy(self.root, task=self.bids_task, name=self.name, subjects=self.subjects,
                         sessions=self.sessions, skip_unreadable=self.skip_unreadable)
        bids.skipped = self.skipped  # what it leaves out is this study's
        return bids.recordings()

    def params(self) -> dict[str, Any]:
        """Name, the full simulation configuration and the generator's version."""
        return {**super().params(), "config": self.config.model_dump(mode="json"), "generator": self.generator_version}

    @abstractmethod
    def oracle(self, windows: "pd.DataFrame", prepare: "PrepareConfig", classes: Sequence[str]) -> "np.ndarray":
        """Log-likelihood of each of ``classes`` per window, shape (n_windows, n_classes)."""

    def oracle_outputs(self, windows: "pd.DataFrame", prepare: "PrepareConfig", stimuli: Sequence[str] | None = None,
                       classes: Sequence[str] | None = None, target: str | None = None) -> "np.ndarray | None":
        """What :meth:`oracle` gives for ``classes``, kept in ``<root>/oracle/`` by the request and the stamps of
        the files it reads. None for retrieval (``stimuli``) and regression (``target``): the study has neither."""
        import numpy as np

        if classes is None or stimuli is not None or target is not None:
            return None
        request = {"oracle": self.oracle_version, "files": [list(stamp) for stamp in self.snapshot().files],
                   "windows": windows[["recording", "onset"]].astype(str).to_numpy().tolist(),
                   "classes": [str(c) for c in classes]}
        if self.oracle_reads_window:
            request["prepare"] = prepare.model_dump(mode="json", include={"window_start", "window_duration"})
        path = self.root / "oracle" / f"{stable_hash(request)}.npy"
        if path.is_file():
            return np.load(path)
        scores = self.oracle(windows, prepare, classes)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as stream:
                np.save(stream, scores)
        return scores
