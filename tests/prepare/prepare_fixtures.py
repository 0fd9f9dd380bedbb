"""Helpers for the prepare tests: small real recordings, a tiny study, a load tracker."""
from __future__ import annotations

import weakref
from pathlib import Path
from typing import Callable

import mne
import numpy as np
import pandas as pd

from neuroarena.studies.base import EVENT_COLUMNS, Recording, Study

CH_NAMES = ["Fz", "Cz", "Pz", "Oz", "C3", "C4"]
SFREQ = 250.0
DURATION = 30.0


class TinyStudy(Study):
    """A study over recordings made by the tests."""

    name = "Tiny"

    def __init__(self, root: Path, recordings: list[Recording], variant: str = "a"):
        super().__init__(root)
        self._recordings = recordings
        self.variant = variant

    def download(self) -> None:
        raise AssertionError("tests never download")

    def find_recordings(self) -> list[Recording]:
        return list(self._recordings)

    def params(self) -> dict:
        return {"name": self.name, "variant": self.variant}


class LoadTracker:
    """Counts loads, and recordings alive at once (a loaded Raw lives until garbage-collected)."""

    def __init__(self):
        self.calls: dict[str, int] = {}
        self.alive = 0
        self.max_alive = 0

    def loader(self, path: Path, fail_first: bool = False) -> Callable[[], mne.io.BaseRaw]:
        def load() -> mne.io.BaseRaw:
            self.calls[path.name] = self.calls.get(path.name, 0) + 1
            if fail_first and self.calls[path.name] == 1:
                raise RuntimeError("killed while loading")
            raw = mne.io.read_raw_fif(path, verbose=False)
            self.alive += 1
            self.max_alive = max(self.max_alive, self.alive)
            weakref.finalize(raw, self._release)
            return raw
        return load

    def _release(self) -> None:
        self.alive -= 1


def make_events(onsets: list[float], kinds: list[str] | None = None) -> pd.DataFrame:
    """Events table with the standard columns; rt NaN for odd rows, a tab in one caption."""
    n = len(onsets)
    return pd.DataFrame({
        "onset": np.asarray(onsets, dtype=float),
        "duration": np.full(n, 0.1),
        "kind": kinds or ["stimulus"] * n,
        "stimulus": [f"img{i:02d}" for i in range(n)],
        "category": ["" if i % 3 == 0 else f"cat{i % 3}" for i in range(n)],
        "caption": ["a dog,\trunning" if i == 0 else f"picture {i}" for i in range(n)],
        "rt": [np.nan if i % 2 else 0.25 + i / 100 for i in range(n)],
        "split": ["train"] * n,
    }, columns=list(EVENT_COLUMNS))


def make_raw(data: np.ndarray, sfreq: float = SFREQ, ch_names: list[str] = CH_NAMES,
             with_extra_channels: bool = True) -> mne.io.RawArray:
    """EEG channels with easycap-M1 positions, plus an EOG and a stim channel."""
    names, types = list(ch_names), ["eeg"] * len(ch_names)
    if with_extra_channels:
        data = np.vstack([data, np.ones((1, data.shape[1])) * 1e-4, np.zeros((1, data.shape[1]))])
        names, types = names + ["EOG1", "STI"], types + ["eog", "stim"]
    raw = mne.io.RawArray(data, mne.create_info(names, sfreq, types), verbose=False)
    raw.set_montage("easycap-M1", verbose=False)
    return raw
