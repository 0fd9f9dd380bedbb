"""CHB-MIT in its BIDS release: continuous pediatric EEG with seizure annotations, cut into labelled crops.

The release (Dan et al. 2025, Zenodo record 10259996, ``BIDS_CHB-MIT.zip``, the copy braindecode's ``CHBMIT``
fetches; layout and annotation format from SzCORE's framework page, esl-epfl/szcore ``website/content/framework/
index.md``, and braindecode's ``datasets/chb_mit.py``):

- ``BIDS_CHB-MIT/participants.tsv``, ``dataset_description.json``, ``events.json``; per session
  ``sub-XX/ses-YY/eeg/sub-XX_ses-YY_task-szMonitoring_run-ZZ_eeg.edf`` with its ``_eeg.json`` and ``_events.tsv``;
  24 sessions of 23 children (chb21 is sub-01's second session), 256 Hz, recordings of 1-4 h;
- ``_events.tsv`` (HED-SCORE): ``onset``, ``duration``, ``eventType``, ``confidence``, ``channels``, ``dateTime``,
  ``recordingDuration``; a seizure's ``eventType`` starts with ``sz`` (``sz``, ``sz-foc``, ...), a recording without
  seizures has one ``bckg`` row as long as the recording.

Each EDF is a recording. Its events are crops (kind ``crop``) of ``crop_seconds``: every crop of the recording
that lies at least half inside a seizure (``category`` ``seizure``), and ``background_per_hour`` crops per hour
drawn at random from those touching no seizure (``background``; the draw is seeded by the recording's name, so
it is the same in every run). Seizures are rare (198 in 982 h): this keeps the windows few and the classes
within reach of each other, and the task's balanced accuracy weighs both alike. A recording whose events file is
absent is skipped with a warning.
"""
from __future__ import annotations

import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import EVENT_COLUMNS, Recording, Study

if TYPE_CHECKING:
    import mne
    import pandas as pd

FOLDER = "BIDS_CHB-MIT"
TASK = "szMonitoring"


def seizure_intervals(events: "pd.DataFrame") -> np.ndarray:
    """(start, stop) in seconds of the seizures of one events table, shape (n_seizures, 2)."""
    kinds = events["eventType"].astype(str)
    rows = events[kinds.str.startswith("sz")]
    starts = rows["onset"].to_numpy(dtype=float)
    return np.stack([starts, starts + rows["duration"].to_numpy(dtype=float)], axis=1) if len(rows) else \
        np.zeros((0, 2))


def labelled_crops(seizures: np.ndarray, length: float, crop_seconds: float, background_per_hour: float,
                   seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Crop onsets (s), shape (n,), sorted, and whether each is a seizure crop, shape (n,)."""
    onsets = np.arange(int(length // crop_seconds)) * crop_seconds
    inside = np.zeros(len(onsets))
    for start, stop in seizures:
        inside += np.clip(np.minimum(onsets + crop_seconds, stop) - np.maximum(onsets, start), 0, None)
    touching = np.zeros(len(onsets), dtype=bool)
    for start, stop in seizures:
        touching |= (onsets < stop) & (onsets + crop_seconds > start)
    seizure = inside >= crop_seconds / 2
    quiet = np.flatnonzero(~touching)
    n_background = min(len(quiet), int(round(background_per_hour * length / 3600)))
    chosen = np.sort(np.random.default_rng(seed).choice(quiet, n_background, replace=False))
    keep = np.sort(np.concatenate([np.flatnonzero(seizure), chosen]))
    return onsets[keep], seizure[keep]


class ChbMit(Study):
    """CHB-MIT, BIDS release (see the module docstring).

    Parameters
    ----------
    root : str or Path, optional
        The ``BIDS_CHB-MIT`` folder; default ``$NEUROARENA_HOME/data/chb-mit/BIDS_CHB-MIT``.
    crop_seconds : float
        Length of a crop (s).
    background_per_hour : float
        Background crops kept per hour of recording.
    subjects, sessions, skip_unreadable
        As for :class:`~neuroarena.studies.base.Study`.
    """

    name = "CHBMIT"
    aliases = ("chb_mit",)
    citation = ("Shoeb (2009) Application of machine learning to epileptic seizure onset detection and treatment, "
                "PhD thesis, MIT; Dan et al. (2025) SzCORE, Epilepsia, doi:10.1111/epi.18113")
    description = "CHB-MIT (BIDS, Zenodo): 23 children, 982 h of 256 Hz EEG, 198 annotated seizures."
    line_freq = 60.0

    def __init__(self, root: str | Path | None = None, crop_seconds: float = 10.0, background_per_hour: float = 20.0,
                 subjects: Sequence[str | int] | None = None, sessions: Sequence[str | int] | None = None,
                 skip_unreadable: bool = False):
        from neuroarena.home import data_dir

        root = Path(root) if root is not None else data_dir() / "chb-mit" / FOLDER
        if not (crop_seconds > 0 and background_per_hour >= 0):
            raise NeuroarenaError(f"bad crops: {crop_seconds} s, {background_per_hour} background an hour",
                                  path=root, fix="pass crop_seconds > 0 and background_per_hour >= 0")
        self.crop_seconds, self.background_per_hour = float(crop_seconds), float(background_per_hour)
        super().__init__(root, subjects, sessions, skip_unreadable)

    def params(self) -> dict:
        return {**super().params(), "crop_seconds": self.crop_seconds,
                "background_per_hour": self.background_per_hour}

    def download(self) -> None:
        """The BIDS release from Zenodo, as braindecode's ``CHBMIT`` fetches it (network, about 40 GB)."""
        from braindecode.datasets.chb_mit import CHB_MIT_archive_name, CHB_MIT_dataset_params
        from braindecode.datasets.utils import _correct_dataset_path
        from mne.datasets import fetch_dataset

        fetched = fetch_dataset(dataset_params=CHB_MIT_dataset_params, path=str(self.root.parent),
                                processor="unzip", force_update=False)
        _correct_dataset_path(fetched, CHB_MIT_archive_name, FOLDER)

    def find_recordings(self) -> list[Recording]:
        if not (self.root / "participants.tsv").is_file():
            raise NeuroarenaError("not the CHB-MIT BIDS release (no participants.tsv)", path=self.root,
                                  fix="download it with --download, or pass --dataset-param root=<BIDS_CHB-MIT>")
        recordings = []
        for path in sorted(self.root.glob(f"sub-*/ses-*/eeg/sub-*_ses-*_task-{TASK}_run-*_eeg.edf")):
            subject, session, _, run = (part.split("-", 1)[1] for part in path.name.split("_")[:4])
            events = path.with_name(path.name.replace("_eeg.edf", "_events.tsv"))
            if not events.is_file():
                self.skip(path.stem.removesuffix("_eeg"), f"{events.name} is absent: no annotations")
                continue
            recordings.append(Recording(
                study=self.name, subject=subject, session=session, run=run, task=TASK, path=path,
                loader=lambda p=path: self._raw(p), events_loader=lambda p=path, e=events: self._events(p, e),
                files=(path, events)))
        return recordings

    def _raw(self, path: Path) -> "mne.io.BaseRaw":
        import mne

        raw = mne.io.read_raw_edf(path, preload=False, verbose="error")
        return raw.pick("eeg")

    def _events(self, path: Path, events: Path) -> "pd.DataFrame":
        import mne
        import pandas as pd

        raw = mne.io.read_raw_edf(path, preload=False, verbose="error")
        table = pd.read_csv(events, sep="\t", na_values="n/a")
        if not {"onset", "duration", "eventType"} <= set(table.columns):
            raise NeuroarenaError(f"{events.name} lacks onset, duration or eventType", path=events,
                                  fix="restore the events file from the BIDS release")
        length = raw.n_times / raw.info["sfreq"]
        onsets, seizure = labelled_crops(seizure_intervals(table), length, self.crop_seconds,
                                         self.background_per_hour, zlib.crc32(path.name.encode()))
        out = pd.DataFrame({"onset": onsets, "duration": self.crop_seconds, "kind": "crop", "stimulus": "",
                            "category": np.where(seizure, "seizure", "background"), "caption": "", "rt": np.nan,
                            "split": ""})
        return out[list(EVENT_COLUMNS)]
