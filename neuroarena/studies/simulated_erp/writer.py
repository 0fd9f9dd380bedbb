"""Write a simulated ERP study to disk as a BIDS dataset (BrainVision files), atomically.

One recording per run: ``sub-<NN>/eeg/sub-<NN>_task-<paradigm>_run-<N>_eeg.vhdr``; its events.tsv has one row
per trial: ``onset`` (the stimulus or response plus ``interval[0]``, where MOABB's epoch starts), ``duration``
(the epoch's length), ``trial_type`` = ``stimulus`` (read as the event's kind; MOABB's adapter gives every event
this kind, responses included, and the tasks select it), ``category`` (``Target`` or ``NonTarget``) and, for a
response-locked paradigm, ``response_time`` (s from the stimulus). ``simulation.json`` records the configuration
(see :mod:`~neuroarena.studies.simulated_bids`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from neuroarena.studies.simulated_bids import BidsDataset, BidsRun, write_bids_dataset
from neuroarena.studies.simulated_erp.config import GENERATOR_VERSION, ErpConfig

EVENT_COLUMNS = {
    "trial_type": "What the event is: 'stimulus' (for a response-locked paradigm, the response), as MOABB names it.",
    "category": "The class, as MOABB's dataset names it: 'Target' or 'NonTarget'.",
}
RESPONSE_COLUMN = {"response_time": "Seconds from the stimulus to the response (the event)."}


def write_dataset(config: ErpConfig, root: str | Path) -> Path:
    """Simulate every run of ``config`` and write the BIDS dataset to ``root`` (a no-op when written; see
    :func:`~neuroarena.studies.simulated_bids.write_bids_dataset`)."""
    columns = {**EVENT_COLUMNS, **(RESPONSE_COLUMN if config.locked == "response" else {})}
    dataset = BidsDataset(task=config.paradigm, study="SimulatedErp", what="ERP study",
                          title=f"neuroarena simulated ERP EEG ({config.paradigm})", generator=GENERATOR_VERSION,
                          columns=columns, line_freq=config.line_freq)
    return write_bids_dataset(config, root, dataset, _runs(config))


def _runs(config: ErpConfig) -> Iterator[BidsRun]:
    from neuroarena.studies.simulated_erp.generator import simulate_run

    for subject in range(config.n_subjects):
        for run in range(config.n_runs):
            simulated = simulate_run(config, subject, run)
            trials = simulated.trials
            yield BidsRun(simulated, subject, run, day=subject, session=None,
                          onset=trials["onset"], duration=config.interval[1] - config.interval[0],
                          events=trials[["category"]].assign(trial_type="stimulus", response_time=trials["rt"]))
