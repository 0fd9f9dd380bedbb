"""The ceiling: the decoder that knows which target the subject fixated on each trial.

The simulation draws, per trial, the class (the cued target ``c``), then a latent (the fixated target ``z``:
``c`` with probability ``1 - lapse``, else each of the ``K - 1`` other targets with probability
``lapse / (K - 1)``), then the EEG from ``z`` alone (:mod:`.generator`). The oracle regenerates ``z`` from the
seed (:func:`~.generator.schedule`; nothing is read from the EEG) and outputs the log-likelihood of each class,
``log P(z | c)``: ``log(1 - lapse)`` for ``c = z``, ``log(lapse / (K - 1))`` for the other targets, ``-inf`` for a
class the simulation does not have. The design is balanced (every target once per block), so this is the log
posterior of the class up to a common term.

Why it is a ceiling, exactly: class -> latent -> EEG is a Markov chain (the EEG depends on the class only
through the fixated target), so by the data-processing inequality no function of the EEG tells more about the
class than the latent does, and the Bayes decoder of the latent (predict ``z``; accuracy ``1 - lapse`` in
expectation) is at least as accurate as any EEG decoder. On a finite test set a decoder may beat it by chance,
by less than the sampling error of ``lapse``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated_bids import windows_by_recording
from neuroarena.studies.simulated_ssvep.generator import schedule

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig
    from neuroarena.studies.simulated_ssvep.study import SimulatedSsvep

#: Version of the decoder, part of the key of kept outputs.
ORACLE_VERSION = 1


def oracle_outputs(study: "SimulatedSsvep", windows: "pd.DataFrame", prepare: "PrepareConfig",
                   classes: Sequence[str]) -> np.ndarray:
    """Log-likelihood of each of ``classes`` per window (see the module docstring), shape (n, n_classes).

    Parameters
    ----------
    study : SimulatedSsvep
    windows : DataFrame, shape (n, ...)
        Rows of the window store's metadata: ``recording`` (a recording id of ``study``) and ``onset`` (s, a
        flicker's onset).
    prepare : PrepareConfig
        The task's preprocessing (the latent does not depend on where the window lies in the trial).
    classes : sequence of str
        Class names; a class the simulation does not have scores ``-inf``.
    """
    config = study.config
    fixated = np.empty(len(windows), dtype=object)
    onsets = windows["onset"].to_numpy(dtype=float)
    for recording, rows in windows_by_recording(study, windows):
        trials, _ = schedule(config, int(recording.subject) - 1, int(recording.run) - 1)
        starts = trials["onset"].to_numpy()
        nearest = np.abs(onsets[rows, None] - starts[None]).argmin(axis=1)
        if (np.abs(starts[nearest] - onsets[rows]) > 0.6 / config.sfreq).any():
            raise NeuroarenaError(f"windows of {recording.id} lie at no flicker onset", path=study.root,
                                  fix="the oracle scores windows locked to the trials (event kind 'stimulus')")
        fixated[rows] = trials["fixated"].to_numpy()[nearest]
    n_classes = len(config.classes)
    with np.errstate(divide="ignore"):
        hit, miss = np.log(1.0 - config.lapse), np.log(config.lapse / (n_classes - 1))
    out = np.full((len(windows), len(classes)), -np.inf)
    for j, name in enumerate(classes):
        if name in config.classes:
            out[:, j] = np.where(fixated == name, hit, miss)
    return out
