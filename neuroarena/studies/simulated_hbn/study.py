"""SimulatedHbn: the challenge's HBN releases simulated offline, written once, read as the real ones are."""
from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.hashing import stable_hash
from neuroarena.home import data_dir
from neuroarena.studies.base import Recording
from neuroarena.studies.hbn import Hbn2025Challenge
from neuroarena.studies.hbn_files import FACTORS
from neuroarena.studies.simulated_hbn.config import GENERATOR_VERSION, SimulatedHbnConfig

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig
    from neuroarena.studies.simulated.truth import InformationMap

#: Regression targets the oracle predicts: the response time (its events column and the challenge's names) ...
RT_TARGETS = ("rt", "rt_from_stimulus", "rt_from_trialstart")
#: ... and the four factors.
TRAIT_TARGETS = FACTORS + ("age",)
#: How far (s) a window's onset may be from its trial's target onset.
ONSET_TOLERANCE = 0.0015


class SimulatedHbn(Hbn2025Challenge):
    """The HBN challenge releases R1-R5 (R5: the test release), simulated and written on first use.

    The files are those of :class:`~neuroarena.studies.hbn.Hbn2025Challenge` (``<root>/ds005505-bdf/`` ...
    ``ds005509-bdf/``: BDF, 129 channels at 100 Hz, events.tsv, participants.tsv), and are read by its code.
    Each subject has contrast-change runs, one movie (the same film for all) and a resting state; the EEG holds a
    centro-parietal build-up whose slope sets each response time, movie-locked sources shared across subjects,
    and frontal theta that follows one latent trait correlated with ``externalizing`` (see
    :mod:`~neuroarena.studies.simulated_hbn.signals` and :mod:`~neuroarena.studies.simulated_hbn.latents`).
    Irregularities of the real releases are kept: one subject with ``n/a`` factors, one contrast-change run
    missing and marked ``unavailable``, lapses, stray and anticipatory presses, block and ``9999`` markers.

    Parameters
    ----------
    root : str or Path, optional
        Where the releases are written; ``data_dir() / "simulated-hbn-<config hash>"`` by default.
    config : SimulatedHbnConfig or dict, optional
        The simulation; a dict changes fields of ``preset`` (``--dataset-param 'config={rt_snr: 2.0}'``).
    preset : str
        ``"default"`` (40 subjects, 16 of them in R5) or ``"tiny"`` (10 subjects, for tests).
    releases, tasks, subjects, skip_unreadable
        As for :class:`~neuroarena.studies.hbn.Hbn2025Challenge` (tasks: contrastChangeDetection,
        RestingState and the config's movie are simulated).
    """

    name = "SimulatedHbn"
    aliases = ("simulated-hbn",)
    citation = "neuroarena built-in simulation of the HBN releases of the EEG Foundation Challenge 2025."
    description = "Simulated HBN challenge releases R1-R5: response times and traits from 129-channel EEG."

    def __init__(self, root: str | Path | None = None, config: SimulatedHbnConfig | dict | None = None,
                 preset: str = "default", releases: Sequence[str | int] | str | int | None = None,
                 tasks: Sequence[str] | str | None = None, subjects: Sequence[str] | None = None,
                 skip_unreadable: bool = False):
        if not isinstance(config, SimulatedHbnConfig):
            config = SimulatedHbnConfig.preset(preset, **(config or {}))
        self.config = config
        folder = f"simulated-hbn-{stable_hash({'config': config, 'generator': GENERATOR_VERSION})}"
        super().__init__(root if root is not None else data_dir() / folder, releases=releases, mini=False,
                         tasks=tasks, subjects=subjects, skip_unreadable=skip_unreadable)

    def download(self) -> None:
        """Generate and write the releases to :attr:`root` (local; a no-op when written)."""
        from neuroarena.studies.simulated_hbn.writer import write_dataset

        write_dataset(self.config, self.root)

    def find_recordings(self) -> list[Recording]:
        """Write the releases if needed, then read them as :class:`~neuroarena.studies.hbn.Hbn2025Challenge` does."""
        self.download()
        return super().find_recordings()

    def params(self) -> dict[str, Any]:
        """Those of the challenge study, the full configuration and the generator's version."""
        return {**super().params(), "config": self.config.model_dump(mode="json"), "generator": GENERATOR_VERSION}

    def oracle_outputs(self, windows: "pd.DataFrame", prepare: "PrepareConfig", stimuli: Sequence[str] | None = None,
                       classes: Sequence[str] | None = None, target: str | None = None) -> np.ndarray | None:
        """What a decoder that knows the generative latents predicts, per window, in the target's units.

        - ``rt`` / ``rt_from_stimulus`` (Challenge 1): ``E[rt | trial's slope] = CPP_ONSET + decision + motor
          time``: it knows the trial's decision time (the build-up's bound over its slope) and the subject's mean
          motor time, not the trial's motor noise (sd :data:`~.latents.MOTOR_SD`); ``rt_from_trialstart`` adds
          the target's delay from the trial start. Windows are matched to trials by recording and onset (the
          target's, within :data:`ONSET_TOLERANCE`).
        - ``p_factor``, ``attention``, ``internalizing``, ``externalizing`` (Challenge 2):
          ``E[factor | the subject's EEG-coupled latent]`` (:func:`~.latents.expected_factor`), per window of
          the subject; ``age``: ``E[age | the subject's alpha peak frequency]`` (:func:`~.latents.expected_age`).

        Everything is recomputed from the seed (nothing is read or cached). Retrieval, classification and other
        targets: None (unknown).

        Returns
        -------
        ndarray, shape (n_windows, 1), or None
        """
        from neuroarena.studies.simulated_hbn.latents import ccd_trials, expected_age, expected_factor, make_subjects

        if target is None or target not in RT_TARGETS + TRAIT_TARGETS or stimuli is not None or classes is not None:
            return None
        subjects = {s.subject: s for s in make_subjects(self.config)}
        names = (windows["subject"].astype(str) if "subject" in windows
                 else windows["recording"].astype(str).str.extract(r"^sub-([A-Za-z0-9]+)")[0])
        unknown = sorted(set(names) - set(subjects))
        if unknown:
            raise NeuroarenaError(f"windows of subjects {unknown[:3]} this simulation does not have", path=self.root,
                                  fix="score the oracle on windows of this study")
        if target == "age":
            return np.asarray([expected_age(subjects[name]) for name in names], dtype=float)[:, None]
        if target in TRAIT_TARGETS:
            values = [expected_factor(self.config, subjects[name], target) for name in names]
            return np.asarray(values, dtype=float)[:, None]
        out = np.full(len(windows), math.nan)
        runs = windows["recording"].astype(str).str.extract(r"_run-([0-9]+)$")[0]
        onsets = windows["onset"].to_numpy(dtype=float)
        for (name, run), rows in windows.groupby([names, runs], sort=False).indices.items():
            trials, _ = ccd_trials(self.config, subjects[name], str(run))
            targets = trials["target"].to_numpy()
            nearest = np.abs(onsets[rows, None] - targets[None]).argmin(axis=1)
            if (np.abs(targets[nearest] - onsets[rows]) > ONSET_TOLERANCE).any():
                raise NeuroarenaError(f"windows of sub-{name} run {run} lie at no target onset", path=self.root,
                                      fix="the rt oracle scores contrast-change windows locked to the target")
            expected = trials["expected_rt"].to_numpy()[nearest]
            if target == "rt_from_trialstart":
                expected = expected + (targets - trials["start"].to_numpy())[nearest]
            out[rows] = expected
        if np.isnan(out).any():
            raise NeuroarenaError("some windows are not of a contrast-change run", path=self.root,
                                  fix="score the rt oracle on contrast-change windows")
        return out[:, None]

    def information_map(self, target: str, channels: Sequence[str], times: np.ndarray,
                        reference: str | None = "average") -> "InformationMap":
        """Where the simulation put the decodable signal for ``target`` (``"rt"``), on ``channels`` (n_chans,) at
        ``times`` (n_times,), s from the stimulus (target) onset: see
        :func:`~neuroarena.studies.simulated_hbn.truth.hbn_information_map`."""
        from neuroarena.studies.simulated.truth import information_map

        return information_map(self, target, channels, times, reference)
