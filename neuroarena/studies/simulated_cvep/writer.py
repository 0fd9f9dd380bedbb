"""Write the simulated c-VEP study to disk as a BIDS dataset (BrainVision files), atomically.

One recording per run: ``sub-<NN>/ses-1/eeg/sub-<NN>_ses-1_task-cvep_run-<N>_eeg.vhdr``; its events.tsv has one
row per bit, written as MOABB's adapter reads Thielen2021 (:class:`~neuroarena.studies.moabb_study.MoabbStudy`
shifts each bit by the dataset's ``interval[0]``, 0 here): ``onset`` = the bit's onset + ``interval[0]``,
``duration`` (MOABB's epoch, 0.3 s: consecutive events overlap), ``trial_type`` = ``stimulus`` (read as the
event's kind) and ``category`` (the bit, named as MOABB names it: ``"1.0"`` on, ``"0.0"`` off). Whether a flash
evoked a response is not written: it is the oracle's latent. ``simulation.json`` records the configuration
(see :mod:`~neuroarena.studies.simulated_bids`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from neuroarena.studies.simulated_bids import BidsDataset, BidsRun, write_bids_dataset
from neuroarena.studies.simulated_cvep.config import GENERATOR_VERSION, INTERVAL, CvepConfig

TASK = "cvep"
EXTRA_EVENT_COLUMNS = {
    "trial_type": "What the event is: 'stimulus' = one bit of the code on the screen.",
    "category": "The bit, named as MOABB's Thielen2021 names it: '1.0' = the screen flashes on, '0.0' = off.",
}


def write_dataset(config: CvepConfig, root: str | Path) -> Path:
    """Simulate every run of ``config`` and write the BIDS dataset to ``root`` (a no-op when written; see
    :func:`~neuroarena.studies.simulated_bids.write_bids_dataset`)."""
    dataset = BidsDataset(task=TASK, study="SimulatedCvep", what="c-VEP study", title="neuroarena simulated c-VEP EEG",
                          generator=GENERATOR_VERSION, columns=EXTRA_EVENT_COLUMNS, line_freq=config.line_freq)
    return write_bids_dataset(config, root, dataset, _runs(config))


def _runs(config: CvepConfig) -> Iterator[BidsRun]:
    from neuroarena.studies.simulated_cvep.generator import simulate_run

    for subject in range(config.n_subjects):
        for run in range(config.n_runs):
            simulated = simulate_run(config, subject, run)
            bits = simulated.bits
            yield BidsRun(simulated, subject, run, day=subject, session="1", onset=bits["onset"] + INTERVAL[0],
                          duration=INTERVAL[1] - INTERVAL[0], events=bits[["category"]].assign(trial_type="stimulus"))
