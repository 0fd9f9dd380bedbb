"""SimulatedErp: an ERP study (P3, N170, N400, MMN, N2pc, ERN or LRP) generated locally, read back as BIDS."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from neuroarena.hashing import stable_hash
from neuroarena.home import data_dir
from neuroarena.studies.base import Recording, Study
from neuroarena.studies.simulated_erp.config import GENERATOR_VERSION, ErpConfig

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig


class SimulatedErp(Study):
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
    subjects : list of str, optional
        Keep only these (``"01"``, ``"1"``; see :class:`~neuroarena.studies.base.Study`).
    skip_unreadable : bool
        Leave out, with a warning, a recording that cannot be read (see :class:`~neuroarena.studies.bids.BidsStudy`).
    """

    name = "SimulatedErp"
    aliases = ("simulated-erp",)
    citation = "neuroarena built-in simulation (no publication)."
    description = "Simulated ERP oddball/response paradigms (P3, N170, N400, MMN, N2pc, ERN, LRP), generated locally."

    def __init__(self, root: str | Path | None = None, config: ErpConfig | dict | None = None, preset: str = "p3",
                 subjects: list[str] | None = None, skip_unreadable: bool = False):
        if not isinstance(config, ErpConfig):
            config = ErpConfig.preset(preset, **(config or {}))
        self.config = config
        key = stable_hash({"config": self.config, "generator": GENERATOR_VERSION})
        name = f"simulated-erp-{config.paradigm}-{key}"
        super().__init__(root if root is not None else data_dir() / name, subjects, None, skip_unreadable)

    def download(self) -> None:
        """Generate and write the dataset to :attr:`root` (local; a no-op if written)."""
        from neuroarena.studies.simulated_erp.writer import write_dataset

        write_dataset(self.config, self.root)

    def find_recordings(self) -> list[Recording]:
        """Every run of every subject, read through :class:`~neuroarena.studies.bids.BidsStudy`."""
        from neuroarena.studies.bids import BidsStudy

        self.download()
        bids = BidsStudy(self.root, task=self.config.paradigm, name=self.name, subjects=self.subjects,
                         skip_unreadable=self.skip_unreadable)
        bids.skipped = self.skipped  # what it leaves out is this study's
        return bids.recordings()

    def params(self) -> dict[str, Any]:
        """Name, the full simulation configuration and the generator's version."""
        return {**super().params(), "config": self.config.model_dump(mode="json"), "generator": GENERATOR_VERSION}

    def oracle_outputs(self, windows: "pd.DataFrame", prepare: "PrepareConfig", stimuli: Sequence[str] | None = None,
                       classes: Sequence[str] | None = None, target: str | None = None) -> np.ndarray | None:
        """Log-likelihood of each of ``classes`` per window from the trial's latent (:mod:`.oracle`), shape
        (n_windows, n_classes), ``-inf`` for a class the study lacks; kept in ``<root>/oracle/`` by the request
        and the stamps of the files it reads. ``prepare`` does not enter: the bound holds for any window. None
        for retrieval (``stimuli``) and regression (``target``): the study has neither."""
        from neuroarena.fileio import atomic_path
        from neuroarena.studies.simulated_erp.oracle import ORACLE_VERSION, oracle_outputs

        if classes is None or stimuli is not None or target is not None:
            return None
        request = {"oracle": ORACLE_VERSION, "files": [list(stamp) for stamp in self.snapshot().files],
                   "windows": windows[["recording", "onset"]].astype(str).to_numpy().tolist(),
                   "classes": [str(c) for c in classes]}
        path = self.root / "oracle" / f"{stable_hash(request)}.npy"
        if path.is_file():
            return np.load(path)
        scores = oracle_outputs(self, windows, classes)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as stream:
                np.save(stream, scores)
        return scores
