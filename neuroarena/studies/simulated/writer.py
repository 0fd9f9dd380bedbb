"""Write the simulated experiment to disk as a BIDS dataset (BrainVision files), atomically."""
from __future__ import annotations

import datetime
import json
from pathlib import Path

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import build_folder_once
from neuroarena.hashing import stable_hash
from neuroarena.studies.simulated.config import SimulationConfig

TASK = "things"
CONFIG_FILE = "simulation.json"
STIMULI_FILE = "stimuli.tsv"
FIRST_MEASUREMENT = datetime.datetime(2024, 1, 1, 9, 0, tzinfo=datetime.timezone.utc)
EXTRA_EVENT_COLUMNS = {
    "trial_type": "What the event is: 'stimulus' = an image appears.",
    "stimulus": "Identifier of the image shown (a row of stimuli.tsv).",
    "category": "High-level category of the image.",
    "caption": "A sentence describing the image.",
    "split": "The study's split of the image: 'train' or 'test'.",
}


def subject_label(subject: int) -> str:
    """BIDS label of 0-based subject ``subject``: ``"01"``, ``"02"``, ..."""
    return f"{subject + 1:02d}"


def session_label(session: int) -> str:
    """BIDS label of 0-based session ``session``: ``"1"``, ``"2"``, ..."""
    return f"{session + 1}"


def written_config(root: Path) -> dict | None:
    """The configuration stored in a simulated dataset at ``root``, or None if there is none."""
    path = root / CONFIG_FILE
    return json.loads(path.read_text())["config"] if path.is_file() else None


def write_dataset(config: SimulationConfig, root: str | Path) -> Path:
    """Simulate every session of ``config`` and write the BIDS dataset to ``root``.

    The dataset is built in a temporary folder next to ``root`` (named after its owner, so what
    a killed writer left is removed by the next one) and renamed onto it, so ``root`` is either
    absent or complete. A second call is a no-op. Files and folders follow the umask.

    Raises
    ------
    NeuroarenaError
        If ``root`` exists but holds something other than this simulation.
    """
    return build_folder_once(root, lambda tmp: _write_all(config, tmp), lambda done: _check_existing(config, done))


def _check_existing(config: SimulationConfig, root: Path) -> None:
    if written_config(root) != config.model_dump(mode="json"):
        raise NeuroarenaError(
            f"folder exists but does not hold the simulation {stable_hash(config)}",
            path=root, fix="delete the folder or choose another root for the Simulated study",
        )


def _write_all(config: SimulationConfig, folder: Path) -> None:
    import mne_bids

    from neuroarena.studies.simulated.recording import simulate_session
    from neuroarena.studies.simulated.stimuli import make_stimuli

    stimuli = make_stimuli(config)
    for subject in range(config.n_subjects):
        for session in range(config.n_sessions):
            _write_session(config, folder, subject, session, simulate_session(config, stimuli, subject, session))
    mne_bids.make_dataset_description(
        path=folder, name="neuroarena simulated THINGS-like EEG", dataset_type="raw",
        authors=["neuroarena"], generated_by=[{"Name": "neuroarena Simulated study"}],
        overwrite=True, verbose=False,
    )
    stimuli.to_frame().to_csv(folder / STIMULI_FILE, sep="\t", float_format="%.6f")
    (folder / ".bidsignore").write_text(f"{STIMULI_FILE}\n{CONFIG_FILE}\n")
    (folder / CONFIG_FILE).write_text(json.dumps(
        {"config": config.model_dump(mode="json"), "hash": stable_hash(config)}, indent=2, sort_keys=True,
    ) + "\n")


def _write_session(config: SimulationConfig, folder: Path, subject: int, session: int, simulated) -> None:
    import mne
    import mne_bids

    info = mne.create_info(list(simulated.ch_names), simulated.sfreq, ch_types="eeg")
    raw = mne.io.RawArray(simulated.data, info, verbose=False)
    raw.set_montage(mne.channels.make_standard_montage("easycap-M1"), verbose=False)
    raw.info["line_freq"] = config.line_freq
    raw.set_meas_date(FIRST_MEASUREMENT + datetime.timedelta(days=subject * config.n_sessions + session))
    events = simulated.events
    raw.set_annotations(mne.Annotations(events["onset"], events["duration"], ["stimulus"] * len(events)))
    metadata = events[["stimulus", "category", "caption", "split"]].assign(trial_type="stimulus")
    bids_path = mne_bids.BIDSPath(
        subject=subject_label(subject), session=session_label(session), task=TASK,
        datatype="eeg", root=folder,
    )
    mne_bids.write_raw_bids(
        raw, bids_path, event_id={"stimulus": 1}, event_metadata=metadata[list(EXTRA_EVENT_COLUMNS)],
        extra_columns_descriptions=EXTRA_EVENT_COLUMNS, format="BrainVision", allow_preload=True,
        verbose=False,
    )
