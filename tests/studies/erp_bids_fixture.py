"""A user's own BIDS folder: a 4-class ERP experiment written by mne-bids, as a lab would share it.

Each trial's ``trial_type`` is its class (``left``, ``right``, ``up``, ``down``: mne-bids writes the
event names there), every event is a stimulus, one session per subject; the classes differ by the
scalp pattern of a P300-like deflection.
"""
from __future__ import annotations

from pathlib import Path

import mne
import numpy as np

CLASSES = {"left": 1, "right": 2, "up": 3, "down": 4}
CHANNELS = ["Fz", "FCz", "Cz", "CPz", "Pz", "POz", "Oz", "C3", "C4", "P3", "P4", "O1", "O2", "F3", "F4", "T7"]
SFREQ = 250.0
SOA = 1.2
TRIALS = 80  # per subject, 20 per class
TASK = "erp"


def write_erp_bids(root: Path, n_subjects: int = 4, seed: int = 0) -> Path:
    """Write ``n_subjects`` subjects of the experiment under ``root`` (a BIDS root) and return it."""
    from mne_bids import BIDSPath, write_raw_bids

    rng = np.random.default_rng(seed)
    montage = mne.channels.make_standard_montage("colin27_1005")
    patterns = rng.standard_normal((len(CLASSES), len(CHANNELS)))
    times = np.arange(int(0.8 * SFREQ)) / SFREQ
    wave = np.exp(-((times - 0.3) ** 2) / (2 * 0.05**2))  # a bump 300 ms after the onset
    for subject in range(1, n_subjects + 1):
        labels = rng.permutation(np.repeat(np.arange(len(CLASSES)), TRIALS // len(CLASSES)))
        onsets = (1.0 + np.arange(TRIALS) * SOA) * SFREQ
        n_samples = int(onsets[-1] + 2 * SFREQ)
        data = 4e-6 * rng.standard_normal((len(CHANNELS), n_samples))
        for onset, label in zip(onsets.astype(int), labels):
            data[:, onset:onset + len(wave)] += 3e-6 * patterns[label][:, None] * wave[None]
        info = mne.create_info(CHANNELS, SFREQ, "eeg")
        raw = mne.io.RawArray(data, info, verbose=False)
        raw.set_montage(montage, verbose=False)
        raw.info["line_freq"] = 50.0
        events = np.column_stack([onsets.astype(int), np.zeros(TRIALS, int), labels + 1])
        path = BIDSPath(subject=f"{subject:02d}", task=TASK, datatype="eeg", root=root)
        write_raw_bids(raw, path, events=events, event_id=CLASSES, format="BrainVision", allow_preload=True,
                       overwrite=True, verbose=False)
    return root
