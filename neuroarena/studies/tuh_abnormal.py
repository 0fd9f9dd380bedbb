"""The TUH Abnormal EEG Corpus (TUAB): clinical EEG recordings labelled normal or abnormal, its own eval split.

TUAB is licensed (free for research): request access at https://isip.piconepress.com/projects/nedc/html/
tuh_eeg/ and copy it with the rsync command the confirmation gives; neuroarena reads it from a local folder
and never downloads it. The layout of v3.0.1 (braindecode's ``TUHAbnormal`` and its path parser,
``braindecode/datasets/tuh.py``):

- ``<root>/v3.0.1/edf/{train,eval}/{normal,abnormal}/01_tcp_ar/<subject>_s<session>_t<segment>.edf``, e.g.
  ``edf/train/normal/01_tcp_ar/aaaaaaav_s004_t000.edf`` (subject ids are eight letters; v2.0.0 nested them in
  subject and session folders); 2,993 files: train 1,371 normal and 1,346 abnormal, eval 150 and 126;
- channels named ``EEG FP1-REF`` ... (the 10-20 sites and ``T1``/``T2``, average-referenced ``_tcp_ar``), among
  non-EEG ones (``EEG EKG1-REF``, ``EMG-REF``, ``PHOTIC-REF``, ``IBI``, ``BURSTS``, ``SUPPR``), at 250 Hz for most
  files and 256 or 512 Hz for some.

Each file is a recording, read by MNE and renamed by braindecode's own ``TUH._rename_channels`` (10-05 names,
the rest typed misc), so only the EEG channels reach a model. Its events are crops (kind ``crop``): one every
``crop_seconds`` from ``skip_seconds`` (the set-up at the start is left out) for at most ``max_crops``, as
braindecode's TUH examples crop the recordings; ``category`` is ``normal`` or ``abnormal``, ``split`` is ``train``
or ``test`` (the corpus's eval), ``stimulus`` the recording's file stem. A file shorter than one crop is skipped
with a warning.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import EVENT_COLUMNS, Recording, Study

if TYPE_CHECKING:
    import mne
    import pandas as pd

VERSION = "v3.0.1"
FILE_NAME = re.compile(r"^(?P<subject>[a-z]+)_s(?P<session>\d+)_t(?P<segment>\d+)\.edf$")
ACCESS = ("TUAB is licensed: request access at https://isip.piconepress.com/projects/nedc/html/tuh_eeg/, copy "
          "it with rsync, then pass --dataset-param root=<the folder holding v3.0.1>")


class TuhAbnormal(Study):
    """The TUH Abnormal EEG Corpus (see the module docstring), read from a local copy.

    Parameters
    ----------
    root : str or Path
        The folder holding ``v3.0.1/`` (default ``$NEUROARENA_HOME/data/tuh_abnormal``).
    skip_seconds, crop_seconds : float
        Where the first crop starts and how long each is (s).
    max_crops : int
        Crops per recording at most.
    subjects, sessions, skip_unreadable
        As for :class:`~neuroarena.studies.base.Study`.
    """

    name = "TUHAbnormal"
    aliases = ("tuab",)
    citation = ("Lopez de Diego (2017) Automated interpretation of abnormal adult electroencephalograms, MS thesis, "
                "Temple University; Obeid & Picone (2016) The Temple University Hospital EEG data corpus, "
                "Front. Neurosci. 10:196")
    description = "TUH Abnormal EEG (licensed, local): 2,993 clinical recordings, normal/abnormal, eval split."
    line_freq = 60.0

    def __init__(self, root: str | Path | None = None, skip_seconds: float = 60.0, crop_seconds: float = 10.0,
                 max_crops: int = 30, subjects: Sequence[str | int] | None = None,
                 sessions: Sequence[str | int] | None = None, skip_unreadable: bool = False):
        from neuroarena.home import data_dir

        root = Path(root) if root is not None else data_dir() / "tuh_abnormal"
        if not (skip_seconds >= 0 and crop_seconds > 0 and max_crops >= 1):
            raise NeuroarenaError(f"bad crops: skip {skip_seconds} s, {crop_seconds} s each, at most {max_crops}",
                                  path=root, fix="pass skip_seconds >= 0, crop_seconds > 0 and max_crops >= 1")
        self.skip_seconds, self.crop_seconds, self.max_crops = float(skip_seconds), float(crop_seconds), int(max_crops)
        super().__init__(root, subjects, sessions, skip_unreadable)

    def params(self) -> dict:
        return {**super().params(), "version": VERSION, "skip_seconds": self.skip_seconds,
                "crop_seconds": self.crop_seconds, "max_crops": self.max_crops}

    def download(self) -> None:
        """TUAB is not downloaded: its licence asks for a request first."""
        raise NeuroarenaError("TUAB cannot be downloaded without a licence", path=self.root, fix=ACCESS)

    def find_recordings(self) -> list[Recording]:
        folder = self.root / VERSION / "edf"
        recordings = []
        for split in ("train", "eval"):
            for status in ("normal", "abnormal"):
                for path in sorted((folder / split / status).glob("*/*.edf")):
                    match = FILE_NAME.match(path.name)
                    if match is None:
                        self.skip(path.name, "not named <subject>_s<session>_t<segment>.edf: not a TUAB file")
                        continue
                    recordings.append(Recording(
                        study=self.name, subject=match["subject"], session=match["session"],
                        run=match["segment"], task="clinical", path=path,
                        loader=lambda p=path: self._raw(p),
                        events_loader=lambda p=path, s=split, c=status: self._events(p, s, c)))
        if not recordings:
            raise NeuroarenaError(f"no TUAB recording under {VERSION}/edf/{{train,eval}}/{{normal,abnormal}}/",
                                  path=self.root, fix=ACCESS)
        return recordings

    def _read(self, path: Path) -> "mne.io.BaseRaw":
        import mne

        return mne.io.read_raw_edf(path, preload=False, verbose="error")

    def _raw(self, path: Path) -> "mne.io.BaseRaw":
        import mne
        from braindecode.datasets.tuh import TUH

        raw = self._read(path)
        with mne.utils.use_log_level("error"):
            TUH._rename_channels(raw)
        raw.pick("eeg")
        if not raw.ch_names:
            raise NeuroarenaError("the TUAB recording has no EEG channel", path=path,
                                  fix="restore the file from the corpus")
        return raw

    def _events(self, path: Path, split: str, status: str) -> "pd.DataFrame":
        import pandas as pd

        raw = self._read(path)
        length = raw.n_times / raw.info["sfreq"]
        n = min(self.max_crops, int((length - self.skip_seconds) // self.crop_seconds))
        if n < 1:
            self.skip(path.name, f"{length:.0f} s long: no {self.crop_seconds:g} s crop after "
                                 f"{self.skip_seconds:g} s")
            n = 0
        table = pd.DataFrame({
            "onset": self.skip_seconds + self.crop_seconds * np.arange(n), "duration": self.crop_seconds,
            "kind": "crop", "stimulus": path.stem, "category": status, "caption": "", "rt": np.nan,
            "split": "test" if split == "eval" else "train"})
        return table[list(EVENT_COLUMNS)]
