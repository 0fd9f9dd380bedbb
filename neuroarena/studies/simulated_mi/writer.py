"""Write the simulated motor-imagery study to disk as a BIDS dataset (BrainVision files), atomically.

One recording per run: ``sub-<NN>/ses-<N>/eeg/sub-<NN>_ses-<N>_task-motorimagery_run-<N>_eeg.vhdr``; its
events.tsv has one row per trial: ``onset`` (the cue), ``duration`` (the imagery), ``trial_type`` =
``stimulus`` (read as the event's kind) and ``category`` (the imagined movement). ``simulation.json`` records
the configuration (see :mod:`~neuroarena.studies.simulated_bids`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from neuroarena.studies.simulated_bids import BidsDataset, BidsRun, label, write_bids_dataset
from neuroarena.studies.simulated_mi.config import GENERATOR_VERSION, MotorImageryConfig

TASK = "motorimagery"
EXTRA_EVENT_COLUMNS = {
    "trial_type": "What the event is: 'stimulus' = the cue to imagine a movement.",
    "category": "The movement imagined from the cue on: 'left_hand', 'right_hand', 'feet' or 'rest' (none).",
}


def write_dataset(config: MotorImageryConfig, root: str | Path) -> Path:
    """Simulate every run of ``config`` and write the BIDS dataset to ``root`` (a no-op when written; see
    :func:`~neuroarena.studies.simulated_bids.write_bids_dataset`)."""
    dataset = BidsDataset(task=TASK, study="SimulatedMotorImagery", what="motor imagery",
                          title="neuroarena simulated motor imagery EEG", generator=GENERATOR_VERSION,
                          columns=EXTRA_EVENT_COLUMNS, line_freq=config.line_freq)
    return write_bids_dataset(config, root, dataset, _runs(config))


def _runs(config: MotorImageryConfig) -> Iterator[BidsRun]:
    from neuroarena.studies.simulated_mi.generator import simulate_run

    for subject in range(config.n_subjects):
        for session in range(config.n_sessions):
            for run in range(config.n_runs):
                simulated = simulate_run(config, subject, session, run)
                trials = simulated.trials
                yield BidsRun(simulated, subject, run, day=subject * config.n_sessions + session,
                              session=label(session), onset=trials["onset"], duration=config.imagery,
                              events=trials[["category"]].assign(trial_type="stimulus"))
