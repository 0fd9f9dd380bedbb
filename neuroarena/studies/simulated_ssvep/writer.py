"""Write the simulated SSVEP study to disk as a BIDS dataset (BrainVision files), atomically.

One recording per block: ``sub-<NN>/ses-1/eeg/sub-<NN>_ses-1_task-ssvep_run-<N>_eeg.vhdr``; its events.tsv has
one row per trial, written as MOABB's adapter reads Wang2016 (:class:`~neuroarena.studies.moabb_study.MoabbStudy`
shifts each cue by the dataset's ``interval[0]``): ``onset`` = the cue + ``cue`` s (the flicker's onset),
``duration`` (the flicker), ``trial_type`` = ``stimulus`` (read as the event's kind) and ``category`` (the cued
target, named as MOABB names it: ``"8"``, ``"8.2"``, ...). The fixated target is not written: it is the
oracle's latent. ``simulation.json`` records the configuration (see
:mod:`~neuroarena.studies.simulated_bids`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from neuroarena.studies.simulated_bids import BidsDataset, BidsRun, write_bids_dataset
from neuroarena.studies.simulated_ssvep.config import GENERATOR_VERSION, SsvepConfig

TASK = "ssvep"
EXTRA_EVENT_COLUMNS = {
    "trial_type": "What the event is: 'stimulus' = the onset of the flicker, 'cue' seconds after the cue.",
    "category": "The cued target's flicker frequency (Hz), named as MOABB's Wang2016 names it ('8', '8.2', ...).",
}


def write_dataset(config: SsvepConfig, root: str | Path) -> Path:
    """Simulate every block of ``config`` and write the BIDS dataset to ``root`` (a no-op when written; see
    :func:`~neuroarena.studies.simulated_bids.write_bids_dataset`)."""
    dataset = BidsDataset(task=TASK, study="SimulatedSsvep", what="SSVEP", title="neuroarena simulated SSVEP EEG",
                          generator=GENERATOR_VERSION, columns=EXTRA_EVENT_COLUMNS, line_freq=config.line_freq)
    return write_bids_dataset(config, root, dataset, _runs(config))


def _runs(config: SsvepConfig) -> Iterator[BidsRun]:
    from neuroarena.studies.simulated_ssvep.generator import simulate_run

    for subject in range(config.n_subjects):
        for block in range(config.n_blocks):
            simulated = simulate_run(config, subject, block)
            trials = simulated.trials
            yield BidsRun(simulated, subject, block, day=subject, session="1", onset=trials["onset"],
                          duration=config.flicker, events=trials[["category"]].assign(trial_type="stimulus"))
