"""Fixtures: recordings written to FIF files in a temporary folder."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuroarena.studies.base import Recording
from prepare_fixtures import CH_NAMES, DURATION, SFREQ, LoadTracker, make_events, make_raw


@pytest.fixture
def tracker() -> LoadTracker:
    return LoadTracker()


@pytest.fixture
def recording_factory(tmp_path: Path, tracker: LoadTracker):
    """Write a recording to a FIF file and wrap it; signal: noise + 6 Hz sine, seeded by subject."""

    def make(subject: str, onsets: list[float] | None = None, *, ch_names: list[str] = CH_NAMES,
             nan_at: float | None = None, fail_first: bool = False,
             kinds: list[str] | None = None) -> Recording:
        rng = np.random.default_rng(int(subject))
        n_samples = int(DURATION * SFREQ)
        times = np.arange(n_samples) / SFREQ
        data = 1e-5 * (rng.standard_normal((len(ch_names), n_samples))
                       + np.sin(2 * np.pi * 6 * times))
        if nan_at is not None:
            data[1, int(nan_at * SFREQ)] = np.nan
        path = tmp_path / "raw" / f"sub-{subject}_eeg.fif"
        path.parent.mkdir(exist_ok=True)
        make_raw(data, ch_names=ch_names).save(path, overwrite=True, verbose=False)
        events = make_events(onsets if onsets is not None else [2.0 + 1.5 * i for i in range(12)],
                             kinds)
        return Recording(study="Tiny", subject=subject, session="", run="1", task="rsvp",
                         path=path, loader=tracker.loader(path, fail_first),
                         events_loader=events.copy)

    return make


@pytest.fixture(scope="session")
def tiny_bids(tmp_path_factory) -> Path:
    """The tiny simulated dataset written as BIDS (through mne-bids), once per test session; copy it to edit it."""
    from neuroarena.studies.simulated.study import Simulated

    study = Simulated(root=tmp_path_factory.mktemp("simulated") / "tiny", preset="tiny")
    study.download()
    return study.root
