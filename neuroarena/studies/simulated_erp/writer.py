"""Write a simulated ERP study to disk as a BIDS dataset (BrainVision files), atomically.

One recording per run: ``sub-<NN>/eeg/sub-<NN>_task-<paradigm>_run-<N>_eeg.vhdr``; its events.tsv has one row
per trial: ``onset`` (the stimulus or response plus ``interval[0]``, where MOABB's epoch starts), ``duration``
(the epoch's length), ``trial_type`` = ``stimulus`` (read as the event's kind; MOABB's adapter gives every event
this kind, responses included, and the tasks select it), ``category`` (``Target`` or ``NonTarget``) and, for a
response-locked paradigm, ``response_time`` (s from the stimulus). ``simulation.json`` records the configuration.
"""
from __future__ import annotations

import datetime
import json
from pathlib import Path

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import build_folder_once
from neuroarena.hashing import stable_hash
from neuroarena.studies.simulated_erp.config import GENERATOR_VERSION, ErpConfig

CONFIG_FILE = "simulation.json"
MONTAGE = "easycap-M1"
FIRST_MEASUREMENT = datetime.datetime(2024, 1, 1, 9, 0, tzinfo=datetime.timezone.utc)
EVENT_COLUMNS = {
    "trial_type": "What the event is: 'stimulus' (for a response-locked paradigm, the response), as MOABB names it.",
    "category": "The class, as MOABB's dataset names it: 'Target' or 'NonTarget'.",
}
RESPONSE_COLUMN = {"response_time": "Seconds from the stimulus to the response (the event)."}


def label(index: int, width: int = 1) -> str:
    """BIDS label of 0-based ``index``: ``"1"``, ``"2"``, ... (``"01"`` with ``width=2``)."""
    return f"{index + 1:0{width}d}"


def written_config(root: Path) -> dict | None:
    """The configuration stored in a simulated dataset at ``root``, or None if there is none."""
    path = Path(root) / CONFIG_FILE
    return json.loads(path.read_text())["config"] if path.is_file() else None


def write_dataset(config: ErpConfig, root: str | Path) -> Path:
    """Simulate every run of ``config`` and write the BIDS dataset to ``root`` (a no-op when written).

    Built in a temporary folder beside ``root`` and renamed onto it, so ``root`` is absent or complete.

    Raises
    ------
    NeuroarenaError
        ``root`` exists but holds something other than this simulation.
    """
    return build_folder_once(root, lambda tmp: _write_all(config, tmp), lambda done: _check_existing(config, done))


def _check_existing(config: ErpConfig, root: Path) -> None:
    if written_config(root) != config.model_dump(mode="json"):
        raise NeuroarenaError(f"folder exists but does not hold the simulated ERP study {stable_hash(config)}",
                              path=root, fix="delete the folder or choose another root for SimulatedErp")


def _write_all(config: ErpConfig, folder: Path) -> None:
    import mne_bids

    from neuroarena.studies.simulated_erp.generator import simulate_run

    for subject in range(config.n_subjects):
        for run in range(config.n_runs):
            _write_run(config, folder, subject, run, simulate_run(config, subject, run))
    mne_bids.make_dataset_description(
        path=folder, name=f"neuroarena simulated ERP EEG ({config.paradigm})", dataset_type="raw",
        authors=["neuroarena"], generated_by=[{"Name": "neuroarena SimulatedErp", "Version": str(GENERATOR_VERSION)}],
        overwrite=True, verbose=False,
    )
    (folder / ".bidsignore").write_text(f"{CONFIG_FILE}\noracle/\n")
    (folder / CONFIG_FILE).write_text(json.dumps(
        {"config": config.model_dump(mode="json"), "hash": stable_hash(config), "generator": GENERATOR_VERSION},
        indent=2, sort_keys=True) + "\n")


def _write_run(config: ErpConfig, folder: Path, subject: int, run: int, simulated) -> None:
    import mne
    import mne_bids

    info = mne.create_info(list(simulated.ch_names), simulated.sfreq, ch_types="eeg")
    raw = mne.io.RawArray(simulated.data, info, verbose=False)
    raw.set_montage(mne.channels.make_standard_montage(MONTAGE), verbose=False)
    raw.info["line_freq"] = config.line_freq
    raw.set_meas_date(FIRST_MEASUREMENT + datetime.timedelta(days=subject, hours=run))
    trials = simulated.trials
    duration = config.interval[1] - config.interval[0]
    raw.set_annotations(mne.Annotations(trials["onset"], duration, ["stimulus"] * len(trials)))
    columns = {**EVENT_COLUMNS, **(RESPONSE_COLUMN if config.locked == "response" else {})}
    metadata = trials[["category"]].assign(trial_type="stimulus", response_time=trials["rt"])
    bids_path = mne_bids.BIDSPath(subject=label(subject, 2), task=config.paradigm, run=label(run), datatype="eeg",
                                  root=folder)
    mne_bids.write_raw_bids(
        raw, bids_path, event_id={"stimulus": 1}, event_metadata=metadata[list(columns)],
        extra_columns_descriptions=columns, format="BrainVision", allow_preload=True, verbose=False,
    )
