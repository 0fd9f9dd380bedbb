"""Any MOABB dataset as a study: MOABB's own download code, its MNE raws and events in the standard columns.

``dataset`` names a class of ``moabb.datasets`` (``BNCI2014_001``, ``Stieger2021``, ...) and
``dataset_params`` its arguments; ``FakeDataset`` (MOABB's generator: noise around random events, no
download) is the offline counterpart that runs every part of the adapter. MOABB keeps its files where its
configuration says (``MNE_DATASETS_<SIGN>_PATH`` or ``MNE_DATA``, see MOABB's ``get_dataset_path``), so a
copy a user already has is found, and ``--download`` fetches through ``dataset.download``.

Each (subject, session, run) of ``dataset.get_data`` is a recording, with MOABB's labels as identifiers.
Events come from the raw's annotations (or, without them, its stim channel through ``dataset.event_id``);
each trial's window starts at ``dataset.interval[0]`` after the event, as MOABB's paradigms cut them, so
the event's ``onset`` is shifted by it and ``category`` is the event's name. MOABB's version enters the
store's hash (``params``): MOABB releases change data (1.7.1 rescaled and shifted several datasets).

Only EEG reaches a model. MOABB types some non-EEG channels as EEG (``BNCI2025_001`` shipped
hand-kinematics channels that encode the labels, until MOABB fixed it), so besides the type, a channel
named like another sensor (:data:`NON_EEG_NAMES`: EOG, EMG, ECG, accelerometer, kinematics, ...) is left
out with a warning and a line in the study's ``skipped`` list (and so in every record).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.home import data_dir
from neuroarena.studies.base import EVENT_COLUMNS, Recording, Study

if TYPE_CHECKING:
    import mne
    import pandas as pd

#: Channel names of sensors that are not EEG, whatever their type says (case-insensitive, anywhere in the name).
NON_EEG_NAMES = re.compile(r"eog|emg|ecg|ekg|acc|gyro|kin|hand|finger|force|pos[_-]?[xyz]|resp|gsr|trig|stim|status",
                           re.IGNORECASE)


def moabb_dataset(name: str, params: dict[str, Any]) -> Any:
    """The MOABB dataset object ``moabb.datasets.<name>(**params)``; an unknown name lists close ones."""
    import difflib

    import moabb.datasets

    cls = getattr(moabb.datasets, name, None)
    if cls is None and name == "FakeDataset":
        from moabb.datasets.fake import FakeDataset as cls
    if not isinstance(cls, type):
        known = [n for n in dir(moabb.datasets) if not n.startswith("_") and n[0].isupper()]
        close = difflib.get_close_matches(name, known, n=3)
        raise NeuroarenaError(f"MOABB has no dataset {name!r}",
                              fix=f"use one of moabb.datasets ({', '.join(close) or 'e.g. BNCI2014_001'})")
    try:
        return cls(**params)
    except TypeError as err:
        raise NeuroarenaError(f"MOABB's {name} does not take these parameters: {err}",
                              fix="pass the arguments of its constructor (--dataset-param 'dataset_params={...}')")


def eeg_only(raw: "mne.io.BaseRaw") -> tuple["mne.io.BaseRaw", list[str]]:
    """``raw`` with only its EEG channels, and the EEG-typed channels left out because their names say otherwise."""
    raw = raw.copy().pick("eeg", verbose=False)
    mislabelled = [name for name in raw.ch_names if NON_EEG_NAMES.search(name)]
    if mislabelled:
        raw.drop_channels(mislabelled)
    return raw, mislabelled


class MoabbStudy(Study):
    """A MOABB dataset (see the module's docstring).

    Parameters
    ----------
    dataset : str
        A class of ``moabb.datasets``.
    dataset_params : dict, optional
        Its constructor's arguments (``FakeDataset``: ``paradigm``, ``event_list``, ``n_subjects``, ``seed``, ...).
    root : str or Path, optional
        Where neuroarena keeps what it writes about the study (MOABB keeps the raw files where it is configured).
    interval : pair of float, optional
        The trial interval (s from the event) instead of the dataset's own: where windows start, and for
        ``FakeDataset`` how far before a run's end its last event lies.
    subjects, sessions, skip_unreadable
        As for :class:`~neuroarena.studies.base.Study`.
    """

    name = "MOABB"
    aliases = ("moabb",)
    citation = ("Aristimunha et al. (2023) Mother of all BCI Benchmarks (MOABB), doi:10.5281/zenodo.10034223; "
                "and the dataset's own publication (moabb.datasets docs)")
    description = "A dataset of MOABB (its download code, raws and events)."
    line_freq = 50.0

    def __init__(self, dataset: str = "FakeDataset", dataset_params: dict[str, Any] | None = None,
                 root: str | Path | None = None, interval: Sequence[float] | None = None,
                 subjects: Sequence[str | int] | None = None, sessions: Sequence[str | int] | None = None,
                 skip_unreadable: bool = False):
        self.dataset_name, self.dataset_params = dataset, dict(dataset_params or {})
        self.dataset = moabb_dataset(dataset, self.dataset_params)
        if interval is not None:
            start, stop = (float(value) for value in interval)
            if not stop > start:
                raise NeuroarenaError(f"bad MOABB interval {list(interval)}", path=data_dir() / f"moabb-{dataset}",
                                      fix="pass interval=[start, stop] with stop > start (s from the event)")
            self.dataset.interval = [start, stop]
        super().__init__(root if root is not None else data_dir() / f"moabb-{dataset}", subjects, sessions,
                         skip_unreadable)
        self._subject_data = lru_cache(maxsize=2)(self._load_subject)

    def params(self) -> dict[str, Any]:
        import moabb

        return {**super().params(), "dataset": self.dataset_name, "dataset_params": self.dataset_params,
                "moabb": moabb.__version__, "interval": list(self.dataset.interval)}

    def download(self) -> None:
        """MOABB's own download of the chosen subjects (network)."""
        self.dataset.download(subject_list=self._subject_ids())

    def _subject_ids(self) -> list[int]:
        listed = list(self.dataset.subject_list)
        if self.subjects is None:
            return listed
        wanted = {int(s) for s in self.subjects if s.isdigit()}
        return [s for s in listed if s in wanted]

    def _load_subject(self, subject: int) -> dict[str, dict[str, "mne.io.BaseRaw"]]:
        return self.dataset.get_data(subjects=[subject])[subject]

    def find_recordings(self) -> list[Recording]:
        recordings = []
        for subject in self._subject_ids():
            label = f"{subject:02d}"
            for session, runs in self._subject_data(subject).items():
                for run in runs:
                    path = self.root / f"sub-{label}_ses-{session}_run-{run}"
                    recordings.append(Recording(
                        study=self.name, subject=label, session=str(session), run=str(run),
                        task=self.dataset.paradigm, path=path,
                        loader=lambda s=subject, ses=session, r=run, p=path: self._raw(s, ses, r, p),
                        events_loader=lambda s=subject, ses=session, r=run: self._events(s, ses, r),
                        files=tuple(self._files(subject))))
        return recordings

    def _files(self, subject: int) -> list[Path]:
        """The subject's raw files as MOABB lists them (none for generated datasets)."""
        try:
            paths = self.dataset.data_path(subject, update_path=False)
        except Exception:  # a dataset that lists nothing offline: no stamps
            return []
        return [Path(p) for p in (paths or []) if isinstance(p, (str, Path))]

    def _raw(self, subject: int, session: str, run: str, path: Path) -> "mne.io.BaseRaw":
        raw, mislabelled = eeg_only(self._subject_data(subject)[session][run])
        for name in mislabelled:
            self.skip(f"{path.name} channel {name}", "typed EEG but named as another sensor: left out")
        if not len(raw.ch_names):
            raise NeuroarenaError(f"MOABB's {self.dataset_name} recording has no EEG channel", path=path,
                                  fix="check the dataset's channel types in MOABB")
        return raw

    def _events(self, subject: int, session: str, run: str) -> "pd.DataFrame":
        import mne
        import pandas as pd

        raw = self._subject_data(subject)[session][run]
        names = {code: name for name, code in self.dataset.event_id.items()}
        if len(raw.annotations):
            onsets = raw.annotations.onset - raw.first_time
            labels = [str(d) for d in raw.annotations.description]
        else:
            stim = [n for n, kind in zip(raw.ch_names, raw.get_channel_types()) if kind == "stim"]
            found = mne.find_events(raw, stim_channel=stim or None, shortest_event=0, verbose=False)
            onsets = (found[:, 0] - raw.first_samp) / raw.info["sfreq"]
            labels = [names.get(int(code), "") for code in found[:, 2]]
        keep = np.array([label in self.dataset.event_id for label in labels], dtype=bool)
        start, stop = self.dataset.interval
        table = pd.DataFrame({
            "onset": np.asarray(onsets, dtype=float)[keep] + start, "duration": float(stop - start),
            "kind": "stimulus", "stimulus": "", "category": np.asarray(labels, dtype=object)[keep],
            "caption": "", "rt": np.nan, "split": ""})
        return table[list(EVENT_COLUMNS)].reset_index(drop=True)
