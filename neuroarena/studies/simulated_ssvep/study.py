"""SimulatedSsvep: an SSVEP study (Wang2016-like) generated locally, read back as BIDS."""
from __future__ import annotations

from neuroarena.studies.simulated_bids import SimulatedBidsStudy
from neuroarena.studies.simulated_ssvep.config import GENERATOR_VERSION, SsvepConfig
from neuroarena.studies.simulated_ssvep.oracle import ORACLE_VERSION, oracle_outputs
from neuroarena.studies.simulated_ssvep.writer import TASK, write_dataset


class SimulatedSsvep(SimulatedBidsStudy):
    """A simulated SSVEP speller experiment (Wang2016-like), written to disk as a BIDS dataset.

    After each cue all targets flicker at their own frequency and phase (Wang2016's joint frequency and phase
    modulation) and the subject fixates the cued one (or, on a lapse, another); occipital sources follow the
    fixated target's frequency and harmonics, under a 1/f background and line noise
    (:mod:`~neuroarena.studies.simulated_ssvep.generator`). Each block is one recording whose events are the
    flicker onsets (kind ``stimulus``, ``category`` the cued frequency as MOABB names it), the events MOABB's
    adapter gives for Wang2016, so that the ``ssvep`` task applies unchanged. See :class:`SsvepConfig`.

    Parameters
    ----------
    root : str or Path, optional
        Where the BIDS dataset lives; default ``data_dir() / "simulated-ssvep-<config hash>"``.
    config : SsvepConfig or dict, optional
        The experiment; a dict changes fields of the preset named ``preset`` (``{"lapse": 0.2}``, as
        ``--dataset-param 'config={lapse: 0.2}'`` does); default that preset.
    preset : str
        ``"default"`` (10 subjects x 4 blocks x 8 targets, 64 channels) or ``"tiny"`` (5 subjects, 16 channels).
    subjects, sessions, skip_unreadable
        As for :class:`~neuroarena.studies.simulated_bids.SimulatedBidsStudy`.
    """

    name = "SimulatedSsvep"
    aliases = ("simulated-ssvep",)
    citation = "neuroarena built-in simulation (no publication); paradigm of Wang et al. (2016) IEEE TNSRE 25:1746."
    description = "Simulated SSVEP speller (occipital steady-state responses at 8-15.8 Hz), generated locally."
    config_class = SsvepConfig
    generator_version = GENERATOR_VERSION
    folder_prefix = "simulated-ssvep"
    bids_task = TASK
    write_dataset = staticmethod(write_dataset)
    oracle_version = ORACLE_VERSION
    oracle = oracle_outputs
