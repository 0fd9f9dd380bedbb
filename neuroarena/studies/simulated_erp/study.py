"""SimulatedErp: an ERP study (P3, N170, N400, MMN, N2pc, ERN or LRP) generated locally, read back as BIDS."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from neuroarena.studies.simulated_bids import SimulatedBidsStudy
from neuroarena.studies.simulated_erp.config import GENERATOR_VERSION, ErpConfig
from neuroarena.studies.simulated_erp.oracle import ORACLE_VERSION, oracle_outputs
from neuroarena.studies.simulated_erp.writer import write_dataset

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig


class SimulatedErp(SimulatedBidsStudy):
    """A simulated ERP experiment (BNCI2015_009 or ERP CORE-like), written to disk as a BIDS dataset.

    Each trial is a ``Target`` or a ``NonTarget`` (MOABB's meaning of each, per paradigm: see
    :mod:`~neuroarena.studies.simulated_erp.config`); its component (P3 at Pz, N2pc at PO7/PO8, ...) has an
    amplitude, or a left/right balance, drawn from overlapping class-conditional distributions, on top of a
    sensory response, a 1/f background and line noise (:mod:`~neuroarena.studies.simulated_erp.generator`).
    Each run is one recording whose events are the trials' stimuli or responses, shifted to MOABB's epoch start
    (kind ``stimulus``, ``category`` the class), so the ERP tasks run on it as on the real dataset.

    Parameters
    ----------
    root : str or Path, optional
        Where the BIDS dataset lives; default ``data_dir() / "simulated-erp-<paradigm>-<config hash>"``.
    config : ErpConfig or dict, optional
        The experiment; a dict changes fields of the preset named ``preset`` (``{"latent_sd": 0.3}``, as
        ``--dataset-param 'config={latent_sd: 0.3}'`` does); default that preset.
    preset : str
        A paradigm (``"p3"``, ``"n170"``, ``"n400"``, ``"mmn"``, ``"n2pc"``, ``"ern"``, ``"lrp"``), or its
        ``-tiny`` variant (5 subjects x 1 run).
    subjects, skip_unreadable
        As for :class:`~neuroarena.studies.simulated_bids.SimulatedBidsStudy`.
    """

    name = "SimulatedErp"
    aliases = ("simulated-erp",)
    citation = "neuroarena built-in simulation (no publication)."
    description = "Simulated ERP oddball/response paradigms (P3, N170, N400, MMN, N2pc, ERN, LRP), generated locally."
    config_class = ErpConfig
    generator_version = GENERATOR_VERSION
    write_dataset = staticmethod(write_dataset)
    oracle_version = ORACLE_VERSION
    oracle_reads_window = False

    def __init__(self, root: str | Path | None = None, config: ErpConfig | dict | None = None, preset: str = "p3",
                 subjects: list[str] | None = None, skip_unreadable: bool = False):
        super().__init__(root, config, preset, subjects, None, skip_unreadable)

    @property
    def folder_prefix(self) -> str:
        """``simulated-erp-<paradigm>``."""
        return f"simulated-erp-{self.config.paradigm}"

    @property
    def bids_task(self) -> str:
        """The BIDS task: the paradigm."""
        return self.config.paradigm

    def oracle(self, windows: "pd.DataFrame", prepare: "PrepareConfig", classes: Sequence[str]) -> "np.ndarray":
        """Log-likelihood of each of ``classes`` per window from the trial's latent (:mod:`.oracle`), shape
        (n_windows, n_classes), ``-inf`` for a class the study lacks; ``prepare`` does not enter: the bound
        holds for any window."""
        return oracle_outputs(self, windows, classes)
