"""The ceiling: the decoder that knows the generative model and sees the sensorimotor sources without noise.

For a window of a recording, it regenerates the run's left (C3) and right (C4) source (and the midline one,
with ``feet``) after the ERD
(:func:`~neuroarena.studies.simulated_mi.generator.run_sources`, the very signals that went into the EEG, from
the seed: nothing is read from the EEG) and takes, over the window's span (``window_start`` to
``window_start + window_duration`` s from the cue, at the simulation's rate), each source's log power relative
to its unmodulated variance: ``l_h = log(mean(u_h**2) / var_h)``, ``var_h = (gain_h * snr)**2 * (MU_VOLTS**2
+ BETA_VOLTS**2)``. Under class ``c`` and a trial depth ``d`` the source is ``m_{c,d}(t) s(t)`` with ``s`` the
stationary mu + beta rhythm of known spectrum, so the mean square has mean ``E = mean(m**2)`` and variance
``2 a^T R a / n**2`` (``a = m**2``, ``R`` the squared autocorrelation of ``s`` across the window's lags); ``l_h``
is modelled as Gaussian with the log-normal moments of these. The output is each class' log-likelihood of
``(l_left, l_right[, l_midline])`` (the sources are independent), the trial depth marginalized over ``N_DEPTHS``
quantiles of its log-normal distribution around the subject's depth: the log posterior of the class up to a
common term, under equal priors.

Why it is a ceiling: the EEG is these sources spread over the scalp *plus* background noise that does not
depend on the class, so nothing an EEG decoder computes holds more about the class than the noise-free sources
do; and on a noise-free narrowband source the window's mean square is the in-band power a decoder estimates,
without its noise. It is not the exact Bayes decoder of the sources (that would exploit the exact spectral
shape of noise-free signals, which no EEG decoder can), so "beats every decoder" holds in practice, not as a
theorem. It models only the window's own trial: a window reaching into another trial's imagery (a window
longer than the cue interval) is outside the model.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated_bids import windows_by_recording
from neuroarena.studies.simulated_mi import generator as gen

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig
    from neuroarena.studies.simulated_mi.config import MotorImageryConfig
    from neuroarena.studies.simulated_mi.study import SimulatedMotorImagery

#: Version of the decoder, part of the key of kept outputs.
ORACLE_VERSION = 1
#: Quantiles of the trial depth the likelihood averages over.
N_DEPTHS = 16
#: Samples of the spectrum grid the autocorrelations are computed on.
SPECTRUM_SAMPLES = 1 << 16


def oracle_outputs(study: "SimulatedMotorImagery", windows: "pd.DataFrame", prepare: "PrepareConfig",
                   classes: Sequence[str]) -> np.ndarray:
    """Log-likelihood of each of ``classes`` per window (see the module docstring), shape (n, n_classes).

    Parameters
    ----------
    study : SimulatedMotorImagery
    windows : DataFrame, shape (n, ...)
        Rows of the window store's metadata: ``recording`` (a recording id of ``study``) and ``onset`` (s, a cue).
    prepare : PrepareConfig
        The task's preprocessing: ``window_start`` and ``window_duration`` place the window.
    classes : sequence of str
        Class names; a class the simulation does not have scores ``-inf``.
    """
    config = study.config
    start = int(round(prepare.window_start * config.sfreq))
    n = int(round(prepare.window_duration * config.sfreq))
    times = (start + np.arange(n)) / config.sfreq
    known = [c for c in classes if c in config.classes]
    out = np.full((len(windows), len(classes)), -np.inf)
    onsets = windows["onset"].to_numpy(dtype=float)
    for recording, rows in windows_by_recording(study, windows):
        subject, trials, sources = gen.run_sources(config, int(recording.subject) - 1, int(recording.session) - 1,
                                                   int(recording.run) - 1)
        nearest = np.abs(onsets[rows, None] - trials["onset"].to_numpy()[None]).argmin(axis=1)
        if (np.abs(trials["onset"].to_numpy()[nearest] - onsets[rows]) > 0.6 / config.sfreq).any():
            raise NeuroarenaError(f"windows of {recording.id} lie at no cue", path=study.root,
                                  fix="the oracle scores windows locked to the cues (event kind 'stimulus')")
        first = trials["sample"].to_numpy()[nearest] + start
        if first.min() < 0 or first.max() + n > sources.shape[1]:
            raise NeuroarenaError(f"a window of {recording.id} reaches outside the recording", path=study.root,
                                  fix="choose a window inside the recording")
        segments = sources[:, first[:, None] + np.arange(n)]  # (n_sources, n_rows, n)
        scale = (subject.gains * config.snr) ** 2 * (gen.MU_VOLTS ** 2 + gen.BETA_VOLTS ** 2)
        powers = np.log((segments ** 2).mean(axis=2) / scale[:, None]).T  # (n_rows, n_sources)
        model = class_models(config, subject, times)
        for j, name in enumerate(classes):
            if name in known:
                out[rows, j] = log_likelihood(powers, *model[name])
    return out


def log_likelihood(powers: np.ndarray, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """``log mean_q prod_h N(powers[:, h]; mean[q, h], var[q, h])``, shape (n,); ``powers`` (n, n_sources),
    ``mean`` and ``var`` (n_depths, n_sources)."""
    from scipy.special import logsumexp

    terms = -0.5 * ((powers[:, None] - mean[None]) ** 2 / var[None] + np.log(2 * np.pi * var[None]))
    return logsumexp(terms.sum(axis=2), axis=1) - np.log(len(mean))


def class_models(config: "MotorImageryConfig", subject: gen.SubjectModel,
                 times: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Class -> (mean, variance) of the log relative power of each source, shape (n_depths, n_sources), over
    windows at ``times`` (s from the cue), one row per depth quantile."""
    from scipy.linalg import toeplitz
    from scipy.stats import norm

    lags = toeplitz(autocorrelation(config.sfreq, subject, len(times)) ** 2)
    z = norm.ppf((np.arange(N_DEPTHS) + 0.5) / N_DEPTHS)
    depths = np.minimum(subject.erd * np.exp(gen.TRIAL_ERD_SD * z), gen.MAX_DEPTH)
    models = {}
    for name in config.classes:
        squares = np.stack([gen.modulation(config, name, depth, times) ** 2 for depth in depths])  # (q, h, n)
        mean = squares.mean(axis=2)
        var = 2 * np.einsum("qhi,ij,qhj->qh", squares, lags, squares) / len(times) ** 2
        sigma2 = np.log1p(var / mean ** 2)
        models[name] = (np.log(mean) - sigma2 / 2, sigma2)
    return models


def autocorrelation(sfreq: float, subject: gen.SubjectModel, n: int) -> np.ndarray:
    """Autocorrelation of a unit source (mu + beta, as :func:`~.generator.unit_rhythms` draws it) at lags
    ``0 .. n - 1`` samples, shape (n,)."""
    freqs = np.fft.rfftfreq(SPECTRUM_SAMPLES, 1.0 / sfreq)
    power = np.zeros_like(freqs)
    for volts, peak, width in ((gen.MU_VOLTS, subject.mu_freq, gen.MU_BANDWIDTH),
                               (gen.BETA_VOLTS, subject.beta_freq, gen.BETA_BANDWIDTH)):
        shape = np.exp(-((freqs - peak) / width) ** 2)
        power += volts ** 2 * shape / shape.sum()
    correlation = np.fft.irfft(power, n=SPECTRUM_SAMPLES)[:n]
    return correlation / correlation[0]
