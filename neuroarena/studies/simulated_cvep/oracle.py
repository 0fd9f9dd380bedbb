"""The ceiling: the decoder that knows whether each bit's flash evoked a response.

The simulation draws, per bit, the class (on ``"1.0"`` or off ``"0.0"``, a fair coin, independently of every
other bit), then a latent (the flash's gain: for an "on" bit 0 with probability ``miss`` and log-normal
otherwise; for an "off" bit 0), then the EEG from all bits' latents (:mod:`.generator`). The oracle regenerates
the latent of the window's own bit from the seed (:func:`~.generator.schedule`; nothing is read from the EEG)
and outputs each class' log-likelihood of whether it evoked (the gain's size, drawn alike for every evoked
flash, tells nothing more): evoked: ``log(1 - miss)`` for on, ``-inf`` for off; not evoked: ``log(miss)`` for on,
``0`` for off; ``-inf`` for a class the simulation does not have. Both classes are equally likely a priori, so
this is the log posterior up to a common term; its balanced accuracy is ``1 - miss / 2`` in expectation.

Why it is a ceiling, exactly: the window's EEG is a function of its own bit's latent, of the other bits'
latents and of noise; the other bits' classes and latents are independent of this bit's class, so class ->
latent -> EEG is a Markov chain, and by the data-processing inequality no function of the EEG tells more
about the class than the latent does. (With Thielen2021's modulated Gold codes the neighbours would tell,
which is why the simulation draws independent bits.) On a finite test set a decoder may beat it by chance,
by less than the sampling error of the misses.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated_bids import windows_by_recording
from neuroarena.studies.simulated_cvep.config import OFF, ON
from neuroarena.studies.simulated_cvep.generator import schedule

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig
    from neuroarena.studies.simulated_cvep.study import SimulatedCvep

#: Version of the decoder, part of the key of kept outputs.
ORACLE_VERSION = 1


def oracle_outputs(study: "SimulatedCvep", windows: "pd.DataFrame", prepare: "PrepareConfig",
                   classes: Sequence[str]) -> np.ndarray:
    """Log-likelihood of each of ``classes`` per window (see the module docstring), shape (n, n_classes).

    Parameters
    ----------
    study : SimulatedCvep
    windows : DataFrame, shape (n, ...)
        Rows of the window store's metadata: ``recording`` (a recording id of ``study``) and ``onset`` (s, a bit).
    prepare : PrepareConfig
        The task's preprocessing (the latent does not depend on where the window lies after the bit).
    classes : sequence of str
        Class names; a class the simulation does not have scores ``-inf``.
    """
    config = study.config
    evoked = np.zeros(len(windows), dtype=bool)
    onsets = windows["onset"].to_numpy(dtype=float)
    for recording, rows in windows_by_recording(study, windows):
        bits, _ = schedule(config, int(recording.subject) - 1, int(recording.run) - 1)
        starts = bits["onset"].to_numpy()
        at = np.clip(np.searchsorted(starts, onsets[rows]), 1, len(starts) - 1)
        nearest = np.where(np.abs(starts[at - 1] - onsets[rows]) < np.abs(starts[at] - onsets[rows]), at - 1, at)
        if (np.abs(starts[nearest] - onsets[rows]) > 0.6 / config.sfreq).any():
            raise NeuroarenaError(f"windows of {recording.id} lie at no bit", path=study.root,
                                  fix="the oracle scores windows locked to the bits (event kind 'stimulus')")
        evoked[rows] = bits["evoked"].to_numpy()[nearest]
    with np.errstate(divide="ignore"):
        columns = {ON: np.where(evoked, np.log(1.0 - config.miss), np.log(config.miss)),
                   OFF: np.where(evoked, -np.inf, 0.0)}
    out = np.full((len(windows), len(classes)), -np.inf)
    for j, name in enumerate(classes):
        if name in columns:
            out[:, j] = columns[name]
    return out
