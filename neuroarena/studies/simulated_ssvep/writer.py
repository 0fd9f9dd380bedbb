"""Write the simulated SSVEP study to disk as a BIDS dataset (BrainVision files), atomically.

One recording per block: ``sub-<NN>/ses-1/eeg/sub-<NN>_ses-1_task-ssvep_run-<N>_eeg.vhdr``; its events.tsv has
one row per trial, written as MOABB's adapter reads Wang2016 (:class:`~neuroarena.studies.moabb_study.MoabbStudy`
shifts each cue by the dataset's ``interval[0]``): ``onset`` = the cue + ``cue`` s (the flicker's onset),
``duration`` (the flicker), ``trial_type`` = ``stimulus`` (read as the event's kind) and ``category`` (the cued
target, named as MOABB names it: ``"8"``, ``"8.2"``, ...). The fixated target is not written: it is the
oracle's latent. ``simulation.json`` records the configuration.
"""
from __future__ import annotations

import datetime
import json
from pathlib import Path

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import build_folder_once
from neuroarena.hashing import stable_hash
from neuroarena.studies.simulated_ssvep.config import GENERATOR_VERSION, SsvepConfig

TASK = "ssvep"
CONFIG_FILE = "simulation.json"
MONTAGE = "easycap-M1"
FIRST_MEASUREMENT = datetime.datetime(2024, 1, 1, 9, 0, tzinfo=datetime.timezone.utc)
EXTRA_EVENT_COLUMNS = {
    "trial_type": "What the event is: 'stimulus' = the onset of the flicker, 'cue' seconds after the cue.",
    "category": "The cued target's flicker frequency (Hz), named as MOABB's Wang2016 names it ('8', '8.2', ...).",
}


def label(index: int, width: int = 1) -> str:
    """BIDS label of 0-based ``index``: ``"1"``, ``"2"``, ... (``"01"`` with ``width=2``)."""
    return f"{index + 1:0{width}d}"


def written_config(root: Path) -> dict | None:
    """The configuration stored in a simulated dataset at ``root``, or None if there is none."""
    path = Path(root) / CONFIG_FILE
    return json.loads(path.read_text())["config"] if path.is_file() else None


def write_dataset(config: SsvepConfig, root: str | Path) -> Path:
    """Simulate every block of ``config`` and write the BIDS dataset to ``root`` (a no-op when written).

    Built in a temporary folder beside ``root`` and renamed onto it, so ``root`` is absent or complete.

    Raises
    ------
    NeuroarenaError
        ``root`` exists but holds something other than this simulation.
    """
    return build_folder_once(root, lambda tmp: _write_all(config, tmp), lambda done: _check_existing(config, done))


def _check_existing(config: SsvepConfig, root: Path) -> None:
    if written_config(root) != config.model_dump(mode="json"):
        raise NeuroarenaError(f"folder exists but does not hold the simulated SSVEP study {stable_hash(config)}",
                              path=root, fix="delete the folder or choose another root for SimulatedSsvep")


def _write_all(config: SsvepConfig, folder: Path) -> None:
    import mne_bids

    from neuroarena.studies.simulated_ssvep.generator import simulate_run

    for subject in range(config.n_subjects):
        for block in range(config.n_blocks):
            _write_run(config, folder, subject, block, simulate_run(config, subject, block))
    mne_bids.make_dataset_description(
        path=folder, name="neuroarena simulated SSVEP EEG", dataset_type="raw", authors=["neuroarena"],
        generated_by=[{"Name": "neuroarena SimulatedSsvep", "Version": str(GENERATOR_VERSION)}],
        overwrite=True, verbose=False,
    )
    (folder / ".bidsignore").write_text(f"{CONFIG_FILE}\noracle/\n")
    (folder / CONFIG_FILE).write_text(json.dumps(
        {"config": config.model_dump(mode="json"), "hash": stable_hash(config), "generator": GENERATOR_VERSION},
        indent=2, sort_keys=True) + "\n")


def _write_run(config: SsvepConfig, folder: Path, subject: int, block: int, simulated) -> None:
    import mne
    import mne_bids

    info = mne.create_info(list(simulated.ch_names), simulated.sfreq, ch_types="eeg")
    raw = mne.io.RawArray(simulated.data, info, verbose=False)
    raw.set_montage(mne.channels.make_standard_montage(MONTAGE), verbose=False)
    raw.info["line_freq"] = config.line_freq
    raw.set_meas_date(FIRST_MEASUREMENT + datetime.timedelta(days=subject, hours=block))
    trials = simulated.trials
    raw.set_annotations(mne.Annotations(trials["onset"], config.flicker, ["stimulus"] * len(trials)))
    metadata = trials[["category"]].assign(trial_type="stimulus")
    bids_path = mne_bids.BIDSPath(subject=label(subject, 2), session="1", task=TASK, run=label(block),
                                  datatype="eeg", root=folder)
    mne_bids.write_raw_bids(
        raw, bids_path, event_id={"stimulus": 1}, event_metadata=metadata[list(EXTRA_EVENT_COLUMNS)],
        extra_columns_descriptions=EXTRA_EVENT_COLUMNS, format="BrainVision", allow_preload=True, verbose=False,
    )
