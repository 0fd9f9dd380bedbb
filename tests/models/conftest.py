from __future__ import annotations

import mne
import pytest


@pytest.fixture(scope="session")
def biosemi16_chs() -> list[dict]:
    """``info["chs"]`` of the 16 BioSemi channels with their standard positions, at 100 Hz."""
    montage = mne.channels.make_standard_montage("biosemi16")
    info = mne.create_info(montage.ch_names, sfreq=100.0, ch_types="eeg")
    info.set_montage(montage)
    return info["chs"]
