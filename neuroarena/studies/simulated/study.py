"""The built-in simulated THINGS-like study: generated locally, read back as BIDS."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from neuroarena.hashing import stable_hash
from neuroarena.home import data_dir
from neuroarena.studies.base import Recording, Study
from neuroarena.studies.simulated.config import GENERATOR_VERSION, SimulationConfig

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig
    from neuroarena.studies.simulated.truth import InformationMap


class Simulated(Study):
    """A simulated visual experiment (THINGS-EEG-like), written to disk as a BIDS dataset.

    Subjects see training images a few times and test images many times; the EEG
    holds an evoked response linear in each image's latent features, under 1/f
    background, alpha, line noise and blinks. See :class:`SimulationConfig`.

    Parameters
    ----------
    root : str or Path, optional
        Where the BIDS dataset lives; default ``data_dir() / "simulated-<config hash>"``.
    config : SimulationConfig or dict, optional
        The experiment; a dict changes fields of the preset named ``preset`` (``{"snr": 4.0}``, as
        ``--dataset-param 'config={snr: 4.0}'`` does); default that preset.
    preset : str
        Name of a :data:`~neuroarena.studies.simulated.config.PRESETS` entry.
    subjects, sessions : list of str, optional
        Keep only these (``"01"``, ``"1"``; see :class:`~neuroarena.studies.base.Study`).
    skip_unreadable : bool
        Leave out, with a warning, a recording that cannot be read (see :class:`~neuroarena.studies.bids.BidsStudy`).
    """

    name = "Simulated"
    aliases = ("simulated",)
    citation = "neuroarena built-in simulation (no publication)."
    description = "Simulated THINGS-like visual EEG experiment, generated locally."

    def __init__(self, root: str | Path | None = None, config: SimulationConfig | dict | None = None,
                 preset: str = "default", subjects: list[str] | None = None, sessions: list[str] | None = None,
                 skip_unreadable: bool = False):
        if not isinstance(config, SimulationConfig):
            config = SimulationConfig.preset(preset, **(config or {}))
        self.config = config
        name = f"simulated-{stable_hash({'config': self.config, 'generator': GENERATOR_VERSION})}"
        super().__init__(root if root is not None else data_dir() / name, subjects, sessions, skip_unreadable)

    def download(self) -> None:
        """Generate and write the dataset to :attr:`root` (local; a no-op if written)."""
        from neuroarena.studies.simulated.writer import write_dataset

        write_dataset(self.config, self.root)

    def find_recordings(self) -> list[Recording]:
        """Every session of every subject, read through :class:`~neuroarena.studies.bids.BidsStudy`."""
        from neuroarena.studies.bids import BidsStudy
        from neuroarena.studies.simulated.writer import TASK, write_dataset

        write_dataset(self.config, self.root)
        bids = BidsStudy(self.root, task=TASK, name=self.name, subjects=self.subjects, sessions=self.sessions,
                         skip_unreadable=self.skip_unreadable)
        bids.skipped = self.skipped  # what it leaves out is this study's
        return bids.recordings()

    def params(self) -> dict[str, Any]:
        """Name, the full simulation configuration and the generator's version."""
        return {**super().params(), "config": self.config.model_dump(mode="json"), "generator": GENERATOR_VERSION}

    def stimulus_features(self) -> "pd.DataFrame":
        """True latent features, shape (n_stimuli, feature_dim), indexed by stimulus id."""
        from neuroarena.studies.simulated.stimuli import make_stimuli

        table = make_stimuli(self.config).to_frame()
        return table[[f"f{i}" for i in range(self.config.feature_dim)]]

    def stimuli(self) -> "pd.DataFrame":
        """Every stimulus with its rendered image (``<root>/stimuli/<id>.png``, drawn on first use), category,
        caption and split."""
        from neuroarena.studies.simulated.images import write_images
        from neuroarena.studies.simulated.stimuli import make_stimuli
        from neuroarena.studies.simulated.writer import write_dataset

        write_dataset(self.config, self.root)
        stimuli = make_stimuli(self.config)
        paths = write_images(stimuli, self.root / "stimuli")
        table = stimuli.to_frame()[["category", "caption", "split"]]
        return table.assign(image=[str(paths[s]) for s in table.index])[["image", "category", "caption", "split"]]

    def preferred_embedder(self, source: str) -> str | None:
        """The simulation's own spaces: its latent ``features`` for images (what the EEG encodes), the
        offline sentence model ``minilm`` for captions."""
        return {"image": "features", "caption": "minilm"}.get(source)

    def oracle_outputs(self, windows: "pd.DataFrame", prepare: "PrepareConfig", stimuli: Sequence[str] | None = None,
                       classes: Sequence[str] | None = None, target: str | None = None) -> np.ndarray | None:
        """Scores of the Bayes decoder that knows how the data were generated (:func:`.oracle.oracle_outputs`), shape
        (n_windows, n_candidates); kept in ``<root>/oracle/`` by the request and the stamps of the files it reads.
        None for a regression ``target``: the visual experiment has none."""
        from neuroarena.fileio import atomic_path
        from neuroarena.studies.simulated.oracle import ORACLE_VERSION, oracle_outputs

        if target is not None:
            return None
        request = {"oracle": ORACLE_VERSION, "files": [list(stamp) for stamp in self.snapshot().files],
                   "windows": windows[["recording", "onset"]].astype(str).to_numpy().tolist(),
                   "prepare": prepare.model_dump(mode="json", include={"l_freq", "h_freq", "sfreq", "window_start",
                                                                       "window_duration"}),
                   "stimuli": None if stimuli is None else [str(s) for s in stimuli],
                   "classes": None if classes is None else [str(c) for c in classes]}
        path = self.root / "oracle" / f"{stable_hash(request)}.npy"
        if path.is_file():
            return np.load(path)
        scores = oracle_outputs(self, windows, prepare, stimuli=stimuli, classes=classes)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as stream:
                np.save(stream, scores)
        return scores

    def information_map(self, target: str, channels: Sequence[str], times: np.ndarray,
                        reference: str | None = "average") -> "InformationMap":
        """Where the simulation put the decodable signal for ``target`` (``"image"`` or ``"category"``), on
        ``channels`` (n_chans,) at ``times`` (n_times,), s from the stimulus onset: see
        :func:`~neuroarena.studies.simulated.truth.information_map`."""
        from neuroarena.studies.simulated.truth import information_map

        return information_map(self, target, channels, times, reference)
