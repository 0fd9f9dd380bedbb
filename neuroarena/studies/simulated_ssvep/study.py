"""SimulatedSsvep: an SSVEP study (Wang2016-like) generated locally, read back as BIDS."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from neuroarena.hashing import stable_hash
from neuroarena.home import data_dir
from neuroarena.studies.base import Recording, Study
from neuroarena.studies.simulated_ssvep.config import GENERATOR_VERSION, SsvepConfig

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig


class SimulatedSsvep(Study):
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
    subjects, sessions : list of str, optional
        Keep only these (``"01"``, ``"1"``; see :class:`~neuroarena.studies.base.Study`).
    skip_unreadable : bool
        Leave out, with a warning, a recording that cannot be read (see :class:`~neuroarena.studies.bids.BidsStudy`).
    """

    name = "SimulatedSsvep"
    aliases = ("simulated-ssvep",)
    citation = "neuroarena built-in simulation (no publication); paradigm of Wang et al. (2016) IEEE TNSRE 25:1746."
    description = "Simulated SSVEP speller (occipital steady-state responses at 8-15.8 Hz), generated locally."

    def __init__(self, root: str | Path | None = None, config: SsvepConfig | dict | None = None,
                 preset: str = "default", subjects: list[str] | None = None, sessions: list[str] | None = None,
                 skip_unreadable: bool = False):
        if not isinstance(config, SsvepConfig):
            config = SsvepConfig.preset(preset, **(config or {}))
        self.config = config
        name = f"simulated-ssvep-{stable_hash({'config': self.config, 'generator': GENERATOR_VERSION})}"
        super().__init__(root if root is not None else data_dir() / name, subjects, sessions, skip_unreadable)

    def download(self) -> None:
        """Generate and write the dataset to :attr:`root` (local; a no-op if written)."""
        from neuroarena.studies.simulated_ssvep.writer import write_dataset

        write_dataset(self.config, self.root)

    def find_recordings(self) -> list[Recording]:
        """Every block of every subject, read through :class:`~neuroarena.studies.bids.BidsStudy`."""
        from neuroarena.studies.bids import BidsStudy
        from neuroarena.studies.simulated_ssvep.writer import TASK

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
        """Log-likelihood of each of ``classes`` per window from the fixated target (:mod:`.oracle`), shape
        (n_windows, n_classes); kept in ``<root>/oracle/`` by the request and the stamps of the files it reads.
        None for retrieval (``stimuli``) and regression (``target``): the study has neither."""
        from neuroarena.fileio import atomic_path
        from neuroarena.studies.simulated_ssvep.oracle import ORACLE_VERSION, oracle_outputs

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
