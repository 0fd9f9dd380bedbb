"""Write the simulated c-VEP study to disk as a BIDS dataset (BrainVision files), atomically.

One recording per run: ``sub-<NN>/ses-1/eeg/sub-<NN>_ses-1_task-cvep_run-<N>_eeg.vhdr``; its events.tsv has one
row per bit, written as MOABB's adapter reads Thielen2021 (:class:`~neuroarena.studies.moabb_study.MoabbStudy`
shifts each bit by the dataset's ``interval[0]``, 0 here): ``onset`` = the bit's onset + ``interval[0]``,
``duration`` (MOABB's epoch, 0.3 s: consecutive events overlap), ``trial_type`` = ``stimulus`` (read as the
event's kind) and ``category`` (the bit, named as MOABB names it: ``"1.0"`` on, ``"0.0"`` off). Whether a flash
evoked a response is not written: it is the oracle's latent. ``simulation.json`` records the configuration.
"""
from __future__ import annotations

import datetime
import json
from pathlib import Path

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import build_folder_once
from neuroarena.hashing import stable_hash
from neuroarena.studies.simulated_cvep.config import GENERATOR_VERSION, INTERVAL, CvepConfig

TASK = "cvep"
CONFIG_FILE = "simulation.json"
MONTAGE = "easycap-M1"
FIRST_MEASUREMENT = datetime.datetime(2024, 1, 1, 9, 0, tzinfo=datetime.timezone.utc)
EXTRA_EVENT_COLUMNS = {
    "trial_type": "What the event is: 'stimulus' = one bit of the code on the screen.",
    "category": "The bit, named as MOABB's Thielen2021 names it: '1.0' = the screen flashes on, '0.0' = off.",
}


def label(index: int, width: int = 1) -> str:
    """BIDS label of 0-based ``index``: ``"1"``, ``"2"``, ... (``"01"`` with ``width=2``)."""
    return f"{index + 1:0{width}d}"


def written_config(root: Path) -> dict | None:
    """The configuration stored in a simulated dataset at ``root``, or None if there is none."""
    path = Path(root) / CONFIG_FILE
    return json.loads(path.read_text())["config"] if path.is_file() else None


def write_dataset(config: CvepConfig, root: str | Path) -> Path:
    """Simulate every run of ``config`` and write the BIDS dataset to ``root`` (a no-op when written).

    Built in a temporary folder beside ``root`` and renamed onto it, so ``root`` is absent or complete.

    Raises
    ------
    NeuroarenaError
        ``root`` exists but holds something other than this simulation.
    """
    return build_folder_once(root, lambda tmp: _write_all(config, tmp), lambda done: _check_existing(config, done))


def _check_existing(config: CvepConfig, root: Path) -> None:
    if written_config(root) != config.model_dump(mode="json"):
        raise NeuroarenaError(f"folder exists but does not hold the simulated c-VEP study {stable_hash(config)}",
                              path=root, fix="delete the folder or choose another root for SimulatedCvep")


def _write_all(config: CvepConfig, folder: Path) -> None:
    import mne_bids

    from neuroarena.studies.simulated_cvep.generator import simulate_run

    for subject in range(config.n_subjects):
        for run in range(config.n_runs):
            _write_run(config, folder, subject, run, simulate_run(config, subject, run))
    mne_bids.make_dataset_description(
        path=folder, name="neuroarena simulated c-VEP EEG", dataset_type="raw", authors=["neuroarena"],
        generated_by=[{"Name": "neuroarena SimulatedCvep", "Version": str(GENERATOR_VERSION)}],
        overwrite=True, verbose=False,
    )
    (folder / ".bidsignore").write_text(f"{CONFIG_FILE}\noracle/\n")
    (folder / CONFIG_FILE).write_text(json.dumps(
        {"config": config.model_dump(mode="json"), "hash": stable_hash(config), "generator": GENERATOR_VERSION},
        indent=2, sort_keys=True) + "\n")


def _write_run(config: CvepConfig, folder: Path, subject: int, run: int, simulated) -> None:
    import mne
    import mne_bids

    info = mne.create_info(list(simulated.ch_names), simulated.sfreq, ch_types="eeg")
    raw = mne.io.RawArray(simulated.data, info, verbose=False)
    raw.set_montage(mne.channels.make_standard_montage(MONTAGE), verbose=False)
    raw.info["line_freq"] = config.line_freq
    raw.set_meas_date(FIRST_MEASUREMENT + datetime.timedelta(days=subject, hours=run))
    bits = simulated.bits
    duration = INTERVAL[1] - INTERVAL[0]
    raw.set_annotations(mne.Annotations(bits["onset"] + INTERVAL[0], duration, ["stimulus"] * len(bits)))
    metadata = bits[["category"]].assign(trial_type="stimulus")
    bids_path = mne_bids.BIDSPath(subject=label(subject, 2), session="1", task=TASK, run=label(run),
                                  datatype="eeg", root=folder)
    mne_bids.write_raw_bids(
        raw, bids_path, event_id={"stimulus": 1}, event_metadata=metadata[list(EXTRA_EVENT_COLUMNS)],
        extra_columns_descriptions=EXTRA_EVENT_COLUMNS, format="BrainVision", allow_preload=True, verbose=False,
    )
