"""MNE's ``sample`` dataset: one subject's audiovisual EEG (with MEG), four stimulus classes.

The release as MNE fetches it (``mne.datasets.sample.data_path()``, into ``<MNE_DATASETS_SAMPLE_PATH or MNE_DATA
or ~/mne_data>/MNE-sample-data``; MNE's documentation, "The sample dataset"):

- the raw recording ``MEG/sample/sample_audvis_raw.fif``: 306 MEG channels, 60 EEG channels ``EEG 001`` ...
  ``EEG 060`` (``EEG 053`` marked bad in the file), one EOG ``EOG 061`` and the trigger channel ``STI 014``, at
  600.614990234375 Hz, about 4.6 min (a band-limited copy, ``sample_audvis_filt-0-40_raw.fif``, sits beside it);
- the triggers on ``STI 014`` (MNE's tutorials, e.g. ``tutorials/intro/10_overview.py``): 1 auditory/left,
  2 auditory/right, 3 visual/left, 4 visual/right (checkerboards or tones about every 750 ms), 5 smiley (a
  target) and 32 the button press.

One recording (subject ``sample``). Only the EEG channels that the file does not mark bad reach a model: the
MEG, EOG and trigger channels and ``EEG 053`` are left out. The events are the four stimulus classes (kind
``stimulus``, ``category`` ``auditory/left`` ...); smileys and button presses are not windows.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import EVENT_COLUMNS, Recording, Study

if TYPE_CHECKING:
    import mne
    import pandas as pd

#: Trigger code on ``STI 014`` -> stimulus class.
EVENT_ID = {1: "auditory/left", 2: "auditory/right", 3: "visual/left", 4: "visual/right"}
RAW_FILE = Path("MEG") / "sample" / "sample_audvis_raw.fif"
STIM_CHANNEL = "STI 014"


def default_root() -> Path:
    """Where MNE keeps the sample dataset: ``MNE_DATASETS_SAMPLE_PATH``, else ``MNE_DATA``, else ``~/mne_data``."""
    import mne

    base = mne.get_config("MNE_DATASETS_SAMPLE_PATH") or mne.get_config("MNE_DATA") or Path.home() / "mne_data"
    return Path(base).expanduser() / "MNE-sample-data"


class MneSample(Study):
    """MNE's sample dataset (see the module docstring).

    Parameters
    ----------
    root : str or Path, optional
        The ``MNE-sample-data`` folder; default where MNE keeps it (:func:`default_root`).
    subjects, sessions, skip_unreadable
        As for :class:`~neuroarena.studies.base.Study` (one subject, ``"sample"``).
    """

    name = "MneSample"
    aliases = ("mne_sample",)
    citation = "Gramfort et al. (2013) MEG and EEG data analysis with MNE-Python, Front. Neurosci. 7:267"
    description = "MNE's sample dataset: one subject, 60-channel EEG, auditory/visual x left/right stimuli."
    line_freq = 60.0

    def __init__(self, root: str | Path | None = None, subjects: Sequence[str | int] | None = None,
                 sessions: Sequence[str | int] | None = None, skip_unreadable: bool = False):
        super().__init__(root if root is not None else default_root(), subjects, sessions, skip_unreadable)

    def download(self) -> None:
        """MNE's download of the sample dataset into :attr:`root`'s parent (network, 1.6 GB)."""
        import mne

        mne.datasets.sample.data_path(path=str(self.root.parent), download=True)

    def find_recordings(self) -> list[Recording]:
        path = self.root / RAW_FILE
        if not path.is_file():
            raise NeuroarenaError(f"MNE's sample recording {RAW_FILE} is absent", path=self.root,
                                  fix="download it with --download (mne.datasets.sample) or pass "
                                      "--dataset-param root=<the MNE-sample-data folder>")
        return [Recording(study=self.name, subject="sample", session="", run="", task="audvis", path=path,
                          loader=lambda: self._raw(path), events_loader=lambda: self._events(path))]

    def _read(self, path: Path) -> "mne.io.BaseRaw":
        import mne

        return mne.io.read_raw_fif(path, preload=False, verbose="error")

    def _raw(self, path: Path) -> "mne.io.BaseRaw":
        raw = self._read(path)
        bad = [name for name in raw.info["bads"] if name.startswith("EEG")]
        raw = raw.pick("eeg", exclude="bads", verbose=False)
        if not raw.ch_names:
            raise NeuroarenaError("the sample recording has no good EEG channel", path=path,
                                  fix="restore the file from MNE's sample dataset")
        for name in bad:
            self.skip(f"{path.name} channel {name}", "marked bad in the file: left out")
        return raw

    def _events(self, path: Path) -> "pd.DataFrame":
        import mne
        import pandas as pd

        raw = self._read(path)
        if STIM_CHANNEL not in raw.ch_names:
            raise NeuroarenaError(f"the sample recording has no trigger channel {STIM_CHANNEL}", path=path,
                                  fix="restore the file from MNE's sample dataset")
        found = mne.find_events(raw, stim_channel=STIM_CHANNEL, shortest_event=1, verbose="error")
        found = found[np.isin(found[:, 2], list(EVENT_ID))]
        table = pd.DataFrame({
            "onset": (found[:, 0] - raw.first_samp) / raw.info["sfreq"], "duration": 0.0, "kind": "stimulus",
            "stimulus": "", "category": [EVENT_ID[int(code)] for code in found[:, 2]], "caption": "", "rt": np.nan,
            "split": ""})
        return table[list(EVENT_COLUMNS)].reset_index(drop=True)
