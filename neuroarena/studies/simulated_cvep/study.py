"""SimulatedCvep: a c-VEP study (Thielen2021-like) generated locally, read back as BIDS."""
from __future__ import annotations

from neuroarena.studies.simulated_bids import SimulatedBidsStudy
from neuroarena.studies.simulated_cvep.config import GENERATOR_VERSION, CvepConfig
from neuroarena.studies.simulated_cvep.oracle import ORACLE_VERSION, oracle_outputs
from neuroarena.studies.simulated_cvep.writer import TASK, write_dataset


class SimulatedCvep(SimulatedBidsStudy):
    """A simulated c-VEP experiment (Thielen2021-like), written to disk as a BIDS dataset.

    On each trial the screen shows a binary code, one bit every ``1 / bit_rate`` s; each flash ("on" bit) evokes
    a visual response at occipital sites, the responses adding up under a 1/f background and line noise
    (:mod:`~neuroarena.studies.simulated_cvep.generator`). Each run is one recording whose events are the bits
    (kind ``stimulus``, ``category`` ``"1.0"`` or ``"0.0"``), the events MOABB's adapter gives for Thielen2021,
    so that the ``cvep`` task applies unchanged; its 0.3 s windows overlap. See :class:`CvepConfig`.

    Parameters
    ----------
    root : str or Path, optional
        Where the BIDS dataset lives; default ``data_dir() / "simulated-cvep-<config hash>"``.
    config : CvepConfig or dict, optional
        The experiment; a dict changes fields of the preset named ``preset`` (``{"miss": 0.1}``, as
        ``--dataset-param 'config={miss: 0.1}'`` does); default that preset.
    preset : str
        ``"default"`` (10 subjects x 2 runs x 10 trials of 126 bits) or ``"tiny"`` (5 subjects x 6 trials).
    subjects, sessions, skip_unreadable
        As for :class:`~neuroarena.studies.simulated_bids.SimulatedBidsStudy`.
    """

    name = "SimulatedCvep"
    aliases = ("simulated-cvep",)
    citation = ("neuroarena built-in simulation (no publication); paradigm of Thielen et al. (2021) J. Neural Eng. "
                "18:056007.")
    description = "Simulated c-VEP (occipital responses to the flashes of a binary code), generated locally."
    config_class = CvepConfig
    generator_version = GENERATOR_VERSION
    folder_prefix = "simulated-cvep"
    bids_task = TASK
    write_dataset = staticmethod(write_dataset)
    oracle_version = ORACLE_VERSION
    oracle = oracle_outputs
