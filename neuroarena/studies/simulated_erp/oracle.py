"""The ceiling: the Bayes decoder of a trial's class from its latent component amplitude, read from the seed.

The simulation draws class -> latent ``z`` -> EEG, and the EEG depends on the class only through ``z``
(:mod:`~neuroarena.studies.simulated_erp.generator`: the neighbours' trials, the subject, the trial's gain and
jitter and the noise are all drawn independently of the class). So the EEG window of a trial is a randomized
function of its ``z``, and by the data-processing inequality no decoder of the EEG can know more about the class
than ``z`` tells: the decoder of ``z`` below bounds every EEG decoder, whatever window, preprocessing or model it
uses. It regenerates the run's schedule (:func:`~.generator.schedule`, nothing is read from the EEG) and scores
each class by the log-likelihood of the trial's latent, ``log N(z; mean_class, latent_sd**2)``.

These are log posteriors under *equal* priors, not under the study's ``target_fraction``: the tasks' headline is
balanced accuracy, the accuracy under equal class weights, and the rule that maximizes its expectation is the
likelihood ratio test at 1, the argmax of these scores. With equal variances it thresholds ``z`` midway between
the two means, so its expected balanced accuracy is ``Phi(|latent_target - latent_nontarget| / (2 latent_sd))``
(:attr:`~.config.ErpConfig.ceiling`); a decoder can beat it on one finite test set only by chance.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated_bids import windows_by_recording
from neuroarena.studies.simulated_erp.config import CLASSES, SFREQ
from neuroarena.studies.simulated_erp.generator import schedule

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.studies.simulated_erp.config import ErpConfig
    from neuroarena.studies.simulated_erp.study import SimulatedErp

#: Version of the decoder, part of the key of kept outputs.
ORACLE_VERSION = 1


def log_likelihoods(config: "ErpConfig", latent: np.ndarray) -> np.ndarray:
    """``log N(latent; mean_c, latent_sd**2)`` for ``c`` in :data:`~.config.CLASSES`, shape (n, 2);
    ``latent`` (n,)."""
    means = np.array([config.latent_target, config.latent_nontarget])
    z = (latent[:, None] - means[None]) / config.latent_sd
    return -0.5 * z ** 2 - np.log(config.latent_sd * np.sqrt(2 * np.pi))


def oracle_outputs(study: "SimulatedErp", windows: "pd.DataFrame", classes: Sequence[str]) -> np.ndarray:
    """Log-likelihood of each of ``classes`` for each window's trial, shape (n_windows, n_classes).

    Parameters
    ----------
    study : SimulatedErp
    windows : DataFrame, shape (n, ...)
        Rows of the window store's metadata: ``recording`` (a recording id of ``study``) and ``onset`` (s, an
        event's onset as events.tsv gives it).
    classes : sequence of str
        Class names; a class the simulation does not have scores ``-inf``.
    """
    config = study.config
    columns = [CLASSES.index(c) if c in CLASSES else -1 for c in classes]
    out = np.full((len(windows), len(classes)), -np.inf)
    onsets = windows["onset"].to_numpy(dtype=float)
    for recording, rows in windows_by_recording(study, windows):
        trials, _ = schedule(config, int(recording.subject) - 1, int(recording.run) - 1)
        events = trials["onset"].to_numpy()
        nearest = np.abs(onsets[rows, None] - events[None]).argmin(axis=1)
        if (np.abs(events[nearest] - onsets[rows]) > 0.6 / SFREQ).any():
            raise NeuroarenaError(f"windows of {recording.id} lie at no event", path=study.root,
                                  fix="the oracle scores windows at the events (event kind 'stimulus')")
        scores = log_likelihoods(config, trials["latent"].to_numpy()[nearest])
        for j, column in enumerate(columns):
            if column >= 0:
                out[rows, j] = scores[:, column]
    return out
