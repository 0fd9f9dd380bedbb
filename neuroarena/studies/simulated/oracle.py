"""The ceiling: the Bayes decoder of the simulation, which knows how every window was generated.

It decodes exactly the windows a job scores. Each window is read back from the BIDS recording it
was cut from, band-passed and resampled as the task's preprocessing says, cut from
``window_start`` around its onset and baseline-corrected on the pre-stimulus part. The decoder
keeps the post-stimulus samples before the next stimulus can start (``soa - soa_jitter``), so
that a neighbouring trial's response never enters, and models a window ``x`` of stimulus ``j`` as
``x = (1 + e) t_j + n``:

- ``t_j``, the expected response: the true scalp patterns, latencies and gains of that subject and
  session, each component's waveform widened by the trial-to-trial latency jitter, filtered as the
  data and sampled at the window's own sub-sample offset from the onset, then baseline-corrected;
- ``e ~ N(0, TRIAL_AMPLITUDE_SD**2)``, the trial's amplitude jitter;
- ``n ~ N(0, S)``, the background across channels *and* time: ``S`` is the covariance of
  baseline-corrected windows of fresh noise drawn from the subject's own generators
  (:func:`~neuroarena.studies.simulated.recording.add_session_noise`, another seed), processed as the
  data and scaled by the session's gain; its lagged cross-covariances are estimated on a long
  stretch, so the estimate is stationary and well conditioned.

The output is the log-likelihood of each candidate, up to a term common to all candidates:

- retrieval: one log-likelihood per candidate stimulus. Averaging the outputs of a stimulus'
  repeats, as the task's aggregation does (per subject or pooled), is summing their independent
  log-likelihoods: the joint posterior of the repeats;
- classification: the log posterior of each class, ``log mean_j exp(L_j)`` over the images ``j`` of
  the class (every image of the category task was seen in training: it holds out whole sessions).

It ignores only what cannot be modelled as Gaussian: blinks count through their covariance, and
the latency jitter through its average. The job scores the outputs through the normal metric path
(see :func:`neuroarena.runner.ceiling.oracle_ceiling`), so the ceiling is the reported metric of
this decoder on the same windows, with the same tie rule.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated import brain
from neuroarena.studies.simulated.recording import add_session_noise
from neuroarena.studies.simulated.stimuli import make_stimuli

if TYPE_CHECKING:
    import mne
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig
    from neuroarena.studies.base import Recording
    from neuroarena.studies.simulated.study import Simulated

#: Version of the decoder, part of the key of kept outputs.
ORACLE_VERSION = 2
#: Samples of fresh noise (at the task's rate) per dimension of a window.
NOISE_SAMPLES_PER_DIM = 50
#: Seconds of padding around a waveform while it is filtered.
FILTER_PAD_SECONDS = 10.0
#: Share of the mean noise variance added to the noise covariance, for numerical safety only.
RIDGE = 1e-6


def oracle_outputs(study: "Simulated", windows: "pd.DataFrame", prepare: "PrepareConfig",
                   stimuli: Sequence[str] | None = None, classes: Sequence[str] | None = None) -> np.ndarray:
    """The oracle's log-likelihood of every candidate stimulus or log posterior of every class, per window
    (see the module docstring).

    Parameters
    ----------
    study : Simulated
    windows : DataFrame, shape (n, ...)
        Rows of the window store's metadata: ``recording`` (a recording id of ``study``) and ``onset`` (s).
    prepare : PrepareConfig
        The task's preprocessing: ``l_freq``, ``h_freq``, ``sfreq``, ``window_start``, ``window_duration``.
    stimuli : sequence of str, optional
        Candidate stimulus ids (retrieval).
    classes : sequence of str, optional
        Category names (classification); exactly one of ``stimuli`` and ``classes``.

    Returns
    -------
    scores : ndarray, shape (n, n_candidates)
        Columns in the order of ``stimuli`` or ``classes``.
    """
    if (stimuli is None) == (classes is None):
        raise NeuroarenaError("the oracle scores either candidate stimuli or classes",
                              fix="pass exactly one of stimuli= and classes=")
    recordings = {recording.id: recording for recording in study.recordings()}
    unknown = sorted(set(windows["recording"].astype(str)) - set(recordings))
    if unknown:
        raise NeuroarenaError(f"windows of recording {unknown[0]} are not in the study", path=study.root,
                              fix="build the window store from this simulated dataset")
    catalogue = make_stimuli(study.config)
    if stimuli is not None:
        index = [catalogue.ids.index(s) for s in stimuli]
    else:
        index = list(range(len(catalogue.ids)))
        names = np.asarray(catalogue.category_names)[catalogue.category_index]
        members = names[:, None] == np.asarray(classes)[None, :]
    out = np.zeros((len(windows), len(index) if stimuli is not None else len(classes)))
    recording_of = windows["recording"].astype(str).to_numpy()
    noise: dict[tuple, np.ndarray] = {}
    for recording_id in np.unique(recording_of):
        rows = np.flatnonzero(recording_of == recording_id)
        onsets = windows["onset"].to_numpy(dtype=float)[rows]
        scores = _recording_scores(study, recordings[recording_id], onsets, catalogue.features[index], prepare,
                                   noise)
        out[rows] = scores if stimuli is not None else _class_posteriors(scores, members)
    return out


def _class_posteriors(scores: np.ndarray, members: np.ndarray) -> np.ndarray:
    """``log mean exp`` of the log-likelihoods ``scores`` (n, n_stimuli) over each class' stimuli, where
    ``members`` (n_stimuli, n_classes) says which stimuli a class holds; shape (n, n_classes)."""
    from scipy.special import logsumexp

    columns = []
    for member in members.T:
        columns.append(logsumexp(scores[:, member], axis=1) - np.log(member.sum()) if member.any()
                       else np.full(len(scores), -np.inf))
    return np.stack(columns, axis=1)


def _window_times(study: "Simulated", prepare: "PrepareConfig") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample offsets of a window from its onset sample, shape (n_times,), and the masks of its baseline and of
    the post-stimulus samples the decoder keeps, each shape (n_times,)."""
    offsets = prepare.start_offset + np.arange(prepare.n_times)
    times = offsets / prepare.sfreq
    config = study.config
    keep = (times >= 0) & (times < min(brain.RESPONSE_SECONDS, config.soa - config.soa_jitter))
    if not (times < 0).any() or not keep.any():
        raise NeuroarenaError("the oracle needs windows that start before the stimulus and end after it",
                              fix="set window_start < 0 < window_start + window_duration")
    return offsets, times < 0, keep


def _process(raw: "mne.io.BaseRaw", prepare: "PrepareConfig") -> np.ndarray:
    """The task's band-pass and resampling of ``raw`` (as :mod:`neuroarena.prepare.preprocess` does), data
    shape (n_chans, n_samples)."""
    raw.filter(prepare.l_freq, prepare.h_freq, verbose=False)
    raw.resample(prepare.sfreq, method="polyphase", verbose=False)
    return raw.get_data()


class Whitened(NamedTuple):
    """A recording's windows as the oracle sees them.

    Attributes
    ----------
    windows : ndarray, shape (n, n_chans * n_kept)
        Baseline-corrected windows, kept samples, flattened channel-major and whitened by the noise model.
    whitener : ndarray, shape (n_chans * n_kept, n_chans * n_kept)
    ch_names : tuple of str
        The recording's channels, in its order.
    shifts : ndarray, shape (n,)
        Time (s) from each window's onset to the sample it is cut from (the sub-sample rounding).
    """

    windows: np.ndarray
    whitener: np.ndarray
    ch_names: tuple[str, ...]
    shifts: np.ndarray


def whitened_windows(study: "Simulated", recording: "Recording", onsets: np.ndarray, prepare: "PrepareConfig",
                     noise: dict[tuple, np.ndarray] | None = None) -> Whitened:
    """The windows of ``recording`` at ``onsets`` (s), processed as the task says and whitened by the
    subject's noise model scaled by the session's gain; ``noise`` keeps each subject's whitener (at unit
    session gain) between recordings."""
    config, noise = study.config, {} if noise is None else noise
    raw = recording.load().load_data(verbose=False)
    ch_names = tuple(raw.ch_names)
    data = _process(raw, prepare)
    offsets, baseline, keep = _window_times(study, prepare)
    electrodes = brain.select_electrodes(config.n_channels)
    channel_order = [electrodes.names.index(name) for name in ch_names]
    subject, session = int(recording.subject) - 1, int(recording.session) - 1
    key = (subject, ch_names, prepare.l_freq, prepare.h_freq, prepare.sfreq, tuple(offsets))
    if key not in noise:
        noise[key] = _noise_whitener(study, electrodes, brain.make_subject(config, electrodes, subject), subject,
                                     channel_order, prepare, offsets, baseline, keep)
    whitener = noise[key] / brain.make_session(config, len(electrodes.names), subject, session).gain
    starts = np.round(onsets * prepare.sfreq).astype(int)
    windows = data[:, starts[:, None] + offsets[None]].transpose(1, 0, 2)
    windows = windows - windows[:, :, baseline].mean(axis=2, keepdims=True)
    white = windows[:, :, keep].reshape(len(onsets), -1) @ whitener.T
    return Whitened(white, whitener, ch_names, np.round(starts / prepare.sfreq - onsets, 9))


def _recording_scores(study: "Simulated", recording: "Recording", onsets: np.ndarray, features: np.ndarray,
                      prepare: "PrepareConfig", noise: dict[tuple, np.ndarray]) -> np.ndarray:
    """Log-likelihoods of the windows at ``onsets`` for each stimulus of ``features``, shape (n, n_stimuli)."""
    config = study.config
    seen = whitened_windows(study, recording, onsets, prepare, noise)
    offsets, baseline, keep = _window_times(study, prepare)
    electrodes = brain.select_electrodes(config.n_channels)
    channel_order = [electrodes.names.index(name) for name in seen.ch_names]
    subject, session = int(recording.subject) - 1, int(recording.session) - 1
    subject_brain = brain.make_subject(config, electrodes, subject)
    gain = brain.make_session(config, len(electrodes.names), subject, session).gain
    variance = brain.TRIAL_AMPLITUDE_SD ** 2
    scores = np.zeros((len(onsets), len(features)))
    for shift in np.unique(seen.shifts):
        rows = seen.shifts == shift
        templates = _templates(config, features, subject_brain, channel_order, gain, prepare,
                               offsets / prepare.sfreq + shift, baseline, keep)
        white = templates.reshape(len(features), -1) @ seen.whitener.T
        cross, energy = seen.windows[rows] @ white.T, (white ** 2).sum(axis=1)
        # log N(x; t, S + v t t') up to a constant, by the matrix determinant and Sherman-Morrison lemmas
        scores[rows] = cross - energy / 2 + variance * (cross - energy) ** 2 / (2 * (1 + variance * energy)) \
            - np.log1p(variance * energy) / 2
    return scores


def _templates(config, features: np.ndarray, subject_brain: brain.SubjectBrain, channel_order: list[int],
               session_gain: float, prepare: "PrepareConfig", times: np.ndarray, baseline: np.ndarray,
               keep: np.ndarray) -> np.ndarray:
    """Expected, filtered, baseline-corrected responses at ``times`` (s from onset), the kept samples only,
    shape (n_stimuli, n_chans, keep.sum()), channels in the recording's order."""
    from mne.filter import filter_data

    model = brain.make_forward_model(config)
    peaks = brain.COMPONENT_PEAKS + model.peak_offsets + subject_brain.latency_shift  # (n_sources, n_components)
    widths = np.sqrt(brain.COMPONENT_WIDTHS ** 2 + brain.TRIAL_LATENCY_SD ** 2)
    grid = np.arange(-FILTER_PAD_SECONDS, FILTER_PAD_SECONDS, 1.0 / config.sfreq)
    shapes = brain.COMPONENT_WIDTHS[:, None] / widths[:, None] \
        * np.exp(-0.5 * ((grid - peaks[..., None]) / widths[:, None]) ** 2)
    shapes[..., (grid < 0) | (grid >= brain.RESPONSE_SECONDS)] = 0.0  # the simulator's response window
    flat = shapes.reshape(-1, len(grid))
    if prepare.l_freq is not None or prepare.h_freq is not None:
        flat = filter_data(flat, config.sfreq, prepare.l_freq, prepare.h_freq, verbose=False)
    sampled = np.stack([np.interp(times, grid, row) for row in flat]).reshape(shapes.shape[:2] + (len(times),))
    amplitudes = brain.component_amplitudes(features, model)  # (n_stimuli, n_sources, n_components)
    sources = np.einsum("nsc,sct->nst", amplitudes, sampled)
    scale = brain.ERP_VOLTS * config.snr * subject_brain.gain * session_gain
    responses = scale * np.einsum("ks,nst->nkt", subject_brain.patterns[channel_order], sources)
    responses = responses - responses[:, :, baseline].mean(axis=2, keepdims=True)
    return responses[:, :, keep]


def _noise_whitener(study: "Simulated", electrodes: brain.Electrodes, subject_brain: brain.SubjectBrain,
                    subject: int, channel_order: list[int], prepare: "PrepareConfig", offsets: np.ndarray,
                    baseline: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Inverse Cholesky factor of the covariance of a baseline-corrected window's kept samples at unit session
    gain, shape (n_dims, n_dims) with ``n_dims = n_chans * keep.sum()`` (channel-major).

    The noise is drawn fresh from the subject's generators, processed as the data; the covariance of the
    whole window is block Toeplitz in its lagged cross-covariances (the biased estimate, so it is positive
    semi-definite), and the baseline correction is applied to it exactly.
    """
    import mne
    from scipy.linalg import solve_triangular

    config = study.config
    n_chans, n_window = len(channel_order), len(offsets)
    n_samples = NOISE_SAMPLES_PER_DIM * n_chans * int(keep.sum())
    n_raw = int(np.ceil(n_samples * config.sfreq / prepare.sfreq))
    fresh = np.zeros((len(electrodes.names), n_raw))
    rng = np.random.default_rng([config.seed, 9, subject])  # another draw than any recording's
    add_session_noise(fresh, config, electrodes, subject_brain, subject, rng)
    info = mne.create_info([electrodes.names[i] for i in channel_order], config.sfreq, "eeg")
    data = _process(mne.io.RawArray(fresh[channel_order], info, verbose=False), prepare)
    data = data - data.mean(axis=1, keepdims=True)
    length = data.shape[1]
    lagged = np.stack([data[:, lag:] @ data[:, :length - lag].T / length for lag in range(n_window)])
    # covariance of the window, (time, chan) x (time, chan): block (i, j) = E x(i) x(j)' = lagged[i - j]
    lag = np.arange(n_window)[:, None] - np.arange(n_window)[None, :]
    blocks = np.where((lag >= 0)[..., None, None], lagged[np.abs(lag)], lagged[np.abs(lag)].transpose(0, 1, 3, 2))
    full = blocks.transpose(0, 2, 1, 3).reshape(n_window * n_chans, n_window * n_chans)
    # baseline correction: x(t) - mean over the baseline samples, a linear map of the whole window
    correct = np.eye(n_window) - np.outer(np.ones(n_window), baseline / baseline.sum())
    correct = np.kron(correct[keep], np.eye(n_chans))  # (kept time, chan) x (time, chan)
    covariance = correct @ full @ correct.T
    # reorder (time, chan) to (chan, time), the layout of a flattened window
    n_keep = int(keep.sum())
    order = (np.arange(n_keep)[None, :] * n_chans + np.arange(n_chans)[:, None]).ravel()
    covariance = covariance[np.ix_(order, order)]
    covariance += RIDGE * np.trace(covariance) / len(covariance) * np.eye(len(covariance))
    factor = np.linalg.cholesky(covariance)
    return solve_triangular(factor, np.eye(len(factor)), lower=True)
