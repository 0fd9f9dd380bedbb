"""Sleep-EDF (the PhysioNet sleep cassette study): overnight PSG and its hypnogram, 30 s epochs by sleep stage.

The release (Kemp et al. 2000, IEEE TBME 47:1185; PhysioNet ``sleep-edfx`` 1.0.0, ``sleep-cassette/``), as MNE
fetches it (``mne.datasets.sleep_physionet.age.fetch_data``, which braindecode's ``SleepPhysionet`` calls) into
``<PHYSIONET_SLEEP_PATH or ~/mne_data>/physionet-sleep-data/``:

- one flat folder of EDF files, two per night: ``SC4<ss><n>E0-PSG.edf`` (subject ``ss`` 00-82, night ``n``) and
  its hypnogram ``SC4<ss><n>E?-Hypnogram.edf`` whose last two letters vary (``EC``, ``EH``, ``EJ``, ``EM``, ...):
  the pairs are read from MNE's own record table ``age_records.csv`` (columns ``subject, night, record type, age,
  sex, lights off, sha, fname``), never guessed from a pattern;
- irregular on purpose of the release: subjects 39, 68, 69, 78 and 79 are missing, subject 13 has night 1 only,
  subjects 36 and 52 night 2 only (MNE's ``fetch_data`` checks for exactly these);
- the PSG holds ``EEG Fpz-Cz`` and ``EEG Pz-Oz`` (100 Hz), ``EOG horizontal`` (100 Hz), and ``Resp oro-nasal``,
  ``EMG submental``, ``Temp rectal``, ``Event marker`` at 1 Hz (braindecode's ``SleepPhysionet._load_raw`` maps
  them to eog/misc and leaves them out with ``load_eeg_only``);
- the hypnogram is an EDF+ of annotations only, R&K stages scored per 30 s: ``Sleep stage W``, ``Sleep stage
  1`` ... ``Sleep stage 4``, ``Sleep stage R``, ``Sleep stage ?`` and ``Movement time`` (MNE's tutorial
  ``tutorials/clinical/60_sleep.py``: stages 3 and 4 are merged, as AASM's N3).

A recording is one night, read by braindecode's own loader (``SleepPhysionet._load_raw``: EEG channels only,
renamed ``Fpz-Cz`` / ``Pz-Oz``, cropped to ``crop_wake_mins`` of wake before the first and after the last sleep
epoch, as braindecode and NeuralBench do). Its events are the scored 30 s epochs that lie whole in the cropped
night: ``kind`` ``stimulus``, ``category`` one of ``W``, ``N1``, ``N2``, ``N3``, ``R``; ``?`` and movement epochs
are left out. A night whose hypnogram is absent is skipped with a warning (and counted in the record).
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

#: R&K annotation -> the stage a window is labelled with (3 and 4 merged into N3, as AASM).
STAGES = {"Sleep stage W": "W", "Sleep stage 1": "N1", "Sleep stage 2": "N2", "Sleep stage 3": "N3",
          "Sleep stage 4": "N3", "Sleep stage R": "R"}
EPOCH_SECONDS = 30.0
#: Folder MNE downloads the cassette study into, under its configured path.
FOLDER = "physionet-sleep-data"


def record_table() -> "pd.DataFrame":
    """MNE's table of the cassette recordings: one row per night, ``subject``, ``night``, ``age``, ``sex``, ``psg``
    and ``hypnogram`` (file names)."""
    import pandas as pd
    from mne.datasets.sleep_physionet.age import AGE_SLEEP_RECORDS

    table = pd.read_csv(AGE_SLEEP_RECORDS)
    psg = table[table["record type"] == "PSG"].set_index(["subject", "night"])
    hypnogram = table[table["record type"] == "Hypnogram"].set_index(["subject", "night"])
    return pd.DataFrame({"age": psg["age"], "sex": psg["sex"], "psg": psg["fname"],
                         "hypnogram": hypnogram["fname"]}).reset_index()


def stage_epochs(annotations: "mne.Annotations", first_time: float, duration: float) -> "pd.DataFrame":
    """The scored 30 s epochs that lie whole inside ``[0, duration)`` s of a recording, in the standard columns.

    Parameters
    ----------
    annotations : mne.Annotations
        The hypnogram's annotations, as set on the recording.
    first_time : float
        ``raw.first_time`` (s): annotations are in the recording's time, events from its first sample.
    duration : float
        Length of the recording (s).
    """
    import pandas as pd

    onsets, labels = [], []
    for onset, length, description in zip(annotations.onset, annotations.duration, annotations.description):
        stage = STAGES.get(str(description))
        if stage is None:
            continue
        starts = onset - first_time + EPOCH_SECONDS * np.arange(int(round(length / EPOCH_SECONDS)))
        starts = starts[(starts >= -1e-6) & (starts + EPOCH_SECONDS <= duration + 1e-6)]
        onsets.extend(np.maximum(starts, 0.0).tolist())
        labels.extend([stage] * len(starts))
    table = pd.DataFrame({"onset": np.asarray(onsets, dtype=float), "duration": EPOCH_SECONDS, "kind": "stimulus",
                          "stimulus": "", "category": np.asarray(labels, dtype=object), "caption": "", "rt": np.nan,
                          "split": ""})
    return table[list(EVENT_COLUMNS)].sort_values("onset").reset_index(drop=True)


class SleepPhysionet(Study):
    """The Sleep-EDF cassette study (see the module docstring): one recording per night, one event per 30 s epoch.

    Parameters
    ----------
    root : str or Path, optional
        The folder of EDF files; default where MNE keeps it (``PHYSIONET_SLEEP_PATH`` or ``MNE_DATA``, then
        ``~/mne_data``, + ``physionet-sleep-data``), so a copy fetched by MNE or braindecode is found.
    crop_wake_mins : float
        Minutes of wake kept before the first and after the last sleep epoch (braindecode's default, 30).
    subjects, sessions : list, optional
        Subjects ``"00"`` ... ``"82"``; sessions are the nights ``"1"``, ``"2"``.
    skip_unreadable : bool
        As for :class:`~neuroarena.studies.base.Study`.
    """

    name = "SleepPhysionet"
    aliases = ("sleep_physionet", "sleep-edf")
    citation = ("Kemp et al. (2000) Analysis of a sleep-dependent neuronal feedback loop: the slow-wave "
                "microcontinuity of the EEG, IEEE TBME 47:1185; Goldberger et al. (2000) PhysioNet")
    description = "Sleep-EDF cassette: 78 subjects, 2 nights, Fpz-Cz and Pz-Oz at 100 Hz, 30 s hypnogram."
    line_freq = 50.0

    def __init__(self, root: str | Path | None = None, crop_wake_mins: float = 30.0,
                 subjects: Sequence[str | int] | None = None, sessions: Sequence[str | int] | None = None,
                 skip_unreadable: bool = False):
        if root is None:
            from mne.datasets.sleep_physionet.age import data_path

            root = data_path()
        if not crop_wake_mins >= 0:
            raise NeuroarenaError(f"crop_wake_mins must be >= 0 minutes, not {crop_wake_mins!r}", path=root,
                                  fix="pass crop_wake_mins=30 (braindecode's default) or 0 to keep whole nights")
        self.crop_wake_mins = float(crop_wake_mins)
        super().__init__(root, subjects, sessions, skip_unreadable)

    def params(self) -> dict:
        return {**super().params(), "crop_wake_mins": self.crop_wake_mins}

    def download(self) -> None:
        """MNE's download of the chosen subjects' nights into :attr:`root`'s parent (network)."""
        from mne.datasets.sleep_physionet.age import fetch_data

        table = record_table()
        subjects = sorted(set(table["subject"]))
        if self.subjects is not None:
            subjects = [s for s in subjects if f"{s:02d}" in self.subjects]
        fetch_data(subjects, recording=[1, 2], path=str(self.root.parent), on_missing="warn")

    def find_recordings(self) -> list[Recording]:
        recordings = []
        for row in record_table().itertuples():
            psg, hypnogram = self.root / row.psg, self.root / row.hypnogram
            if not psg.is_file():
                continue
            subject, night = f"{row.subject:02d}", str(row.night)
            if not hypnogram.is_file():
                self.skip(f"sub-{subject}_ses-{night}", f"its hypnogram {row.hypnogram} is absent: no stages")
                continue
            recordings.append(Recording(
                study=self.name, subject=subject, session=night, run="", task="sleep", path=psg,
                loader=lambda p=psg, h=hypnogram: self._raw(p, h),
                events_loader=lambda p=psg, h=hypnogram: self._events(p, h), files=(psg, hypnogram)))
        if not recordings:
            raise NeuroarenaError("no Sleep-EDF night (SC4*-PSG.edf with its hypnogram) in the folder", path=self.root,
                                  fix="download it with --download (MNE's sleep_physionet fetcher) or pass "
                                      "--dataset-param root=<the physionet-sleep-data folder>")
        return recordings

    def _raw(self, psg: Path, hypnogram: Path) -> "mne.io.BaseRaw":
        import mne
        from braindecode.datasets.sleep_physionet import SleepPhysionet as Loader

        with mne.utils.use_log_level("error"):
            raw, _ = Loader._load_raw(str(psg), str(hypnogram), preload=False, load_eeg_only=True,
                                      crop_wake_mins=self.crop_wake_mins)
        return raw.set_channel_types({name: "eeg" for name in raw.ch_names}, verbose=False)

    def _events(self, psg: Path, hypnogram: Path) -> "pd.DataFrame":
        raw = self._raw(psg, hypnogram)
        return stage_epochs(raw.annotations, raw.first_time, raw.n_times / raw.info["sfreq"])
