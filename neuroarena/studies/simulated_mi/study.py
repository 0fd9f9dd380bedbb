"""SimulatedMotorImagery: a left/right-hand motor-imagery study generated locally, read back as BIDS."""
from __future__ import annotations

from neuroarena.studies.simulated_bids import SimulatedBidsStudy
from neuroarena.studies.simulated_mi.config import GENERATOR_VERSION, MotorImageryConfig
from neuroarena.studies.simulated_mi.oracle import ORACLE_VERSION, oracle_outputs
from neuroarena.studies.simulated_mi.writer import TASK, write_dataset


class SimulatedMotorImagery(SimulatedBidsStudy):
    """A simulated motor-imagery experiment (BNCI2014_001-like), written to disk as a BIDS dataset.

    Subjects imagine moving the left or the right hand after each cue; the mu and beta rhythm over the opposite
    sensorimotor cortex (C4 for the left hand, C3 for the right) desynchronizes during the imagery, under a 1/f
    background and line noise (:mod:`~neuroarena.studies.simulated_mi.generator`). Each run is one recording
    whose events are the cues (kind ``stimulus``, ``category`` the movement). See :class:`MotorImageryConfig`.

    Parameters
    ----------
    root : str or Path, optional
        Where the BIDS dataset lives; default ``data_dir() / "simulated-mi-<config hash>"``.
    config : MotorImageryConfig or dict, optional
        The experiment; a dict changes fields of the preset named ``preset`` (``{"erd": 0.2}``, as
        ``--dataset-param 'config={erd: 0.2}'`` does); default that preset.
    preset : str
        ``"default"`` (10 subjects x 2 runs x 40 trials) or ``"tiny"`` (5 subjects x 1 run x 24 trials).
    subjects, sessions, skip_unreadable
        As for :class:`~neuroarena.studies.simulated_bids.SimulatedBidsStudy`.
    """

    name = "SimulatedMotorImagery"
    aliases = ("simulated-mi",)
    citation = "neuroarena built-in simulation (no publication)."
    description = "Simulated left/right-hand motor imagery (contralateral mu/beta ERD), generated locally."
    config_class = MotorImageryConfig
    generator_version = GENERATOR_VERSION
    folder_prefix = "simulated-mi"
    bids_task = TASK
    write_dataset = staticmethod(write_dataset)
    oracle_version = ORACLE_VERSION
    oracle = oracle_outputs
