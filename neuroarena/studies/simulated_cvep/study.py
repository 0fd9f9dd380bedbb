"""SimulatedCvep: a c-VEP study (Thielen2021-like) generated locally, read back as BIDS."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from neuroarena.hashing import stable_hash
from neuroarena.home import data_dir
from neuroarena.studies.base import Recording, Study
from neuroarena.studies.simulated_cvep.config import GENERATOR_VERSION, CvepConfig

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig


class SimulatedCvep(Study):
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
    subjects, sessions : list of str, optional
        Keep only these (``"01"``, ``"1"``; see :class:`~neuroarena.studies.base.Study`).
    skip_unreadable : bool
        Leave out, with a warning, a recording that cannot be read (see :class:`~neuroarena.studies.bids.BidsStudy`).
    """

    name = "SimulatedCvep"
    aliases = ("simulated-cvep",)
    citation = ("neuroarena built-in simulation (no publication); paradigm of Thielen et al. (2021) J. Neural Eng. "
                "18:056007.")
    description = "Simulated c-VEP (occipital responses to the flashes of a binary code), generated locally."

    def __init__(self, root: str | Path | None = None, config: CvepConfig | dict | None = None,
                 preset: str = "default", subjects: list[str] | None = None, sessions: list[str] | None = None,
                 skip_unreadable: bool = False):
        if not isinstance(config, CvepConfig):
            config = CvepConfig.preset(preset, **(config or {}))
        self.config = config
        name = f"simulated-cvep-{stable_hash({'config': self.config, 'generator': GENERATOR_VERSION})}"
        super().__init__(root if root is not None else data_dir() / name, subjects, sessions, skip_unreadable)

    def download(self) -> None:
        """Generate and write the dataset to :attr:`root` (local; a no-op if written)."""
        from neuroarena.studies.simulated_cvep.writer import write_dataset

        write_dataset(self.config, self.root)

    def find_recordings(self) -> list[Recording]:
        """Every run of every subject, read through :class:`~neuroarena.studies.bids.BidsStudy`."""
        from neuroarena.studies.bids import BidsStudy
        from neuroarena.studies.simulated_cvep.writer import TASK

        self.download()
        bids = BidsStudy(self.root, task=TASK, name=self.name, subjects=self.subjects, sessions=self.sessions,
                         skip_unreadable=self.skip_unreadable)
        bids.skipped = self.skipped  # what it leaves out is this study's
        return bids.recordings()

    def params(self) -> dict[str, Any]:
        """Name, the full simulation configuration and the generator's version."""
        return {**super().params(), "config": self.config.model_dump(mode="json"), "generator": GENERATOR_VERSION}

    def oracle_outputs(self, windows: "pd.DataFrame", prepare: "PrepareConfig", stimuli: Sequence[str] | None = None,
                       classes: Sequence[str] | None = None, target: str | None = None) -> np.ndarray | None:
        """Log-likelihood of each of ``classes`` per window from whether the bit's flash evoked (:mod:`.oracle`), shape
        (n_windows, n_classes); kept in ``<root>/oracle/`` by the request and the stamps of the files it reads.
        None for retrieval (``stimuli``) and regression (``target``): the study has neither."""
        from neuroarena.fileio import atomic_path
        from neuroarena.studies.simulated_cvep.oracle import ORACLE_VERSION, oracle_outputs

        if classes is None or stimuli is not None or target is not None:
            return None
        request = {"oracle": ORACLE_VERSION, "files": [list(stamp) for stamp in self.snapshot().files],
                   "windows": windows[["recording", "onset"]].astype(str).to_numpy().tolist(),
                   "prepare": prepare.model_dump(mode="json", include={"window_start", "window_duration"}),
                   "classes": [str(c) for c in classes]}
        path = self.root / "oracle" / f"{stable_hash(request)}.npy"
        if path.is_file():
            return np.load(path)
        scores = oracle_outputs(self, windows, prepare, classes=classes)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as stream:
                np.save(stream, scores)
        return scores
