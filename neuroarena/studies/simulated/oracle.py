"""The ceiling: a decoder that knows the true forward model of the simulation.

It decodes exactly the windows a job scores. Each window is read back from the BIDS
recording it was cut from, band-passed and resampled as the task's preprocessing says,
cut from ``window_start`` for ``window_duration`` around its onset and baseline-corrected
on the pre-stimulus part. The noise covariance across channels is estimated on the
pre-stimulus samples of every event of the recording and whitens both data and
templates; templates are the noise-free expected responses (true scalp patterns,
latencies and gains of that subject and session). On the post-stimulus samples, the
score of a window ``x`` for a stimulus ``j`` with template ``t_j`` is the whitened
matched filter ``s_j(x) = <W x, W t_j> / ||W t_j||``:

- retrieval: one score per candidate stimulus. ``s_j`` is linear in ``x``, so averaging
  the scores of a stimulus' repeats is scoring their average, and the task's own
  aggregation (per subject or pooled) and candidate set apply unchanged;
- classification: one score per class, the best ``s_j`` over the images of that class
  (every image of the category task was seen in training: it holds out whole sessions).

The job scores these outputs through the normal metric path (see
:func:`neuroarena.runner.ceiling.oracle_ceiling`), so the ceiling is the reported metric
of this decoder on the same windows, with the same tie rule.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated import brain
from neuroarena.studies.simulated.stimuli import make_stimuli

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig
    from neuroarena.studies.base import Recording
    from neuroarena.studies.simulated.study import Simulated

WHITENING_SHRINKAGE = 0.1  # share of the mean eigenvalue added to the noise covariance


def oracle_outputs(study: "Simulated", windows: "pd.DataFrame", prepare: "PrepareConfig",
                   stimuli: Sequence[str] | None = None, classes: Sequence[str] | None = None) -> np.ndarray:
    """The oracle's score of every window for every candidate stimulus or class (see the module docstring).

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
        columns = np.arange(len(index))[:, None] == np.arange(len(index))[None, :]
    else:
        index = list(range(len(catalogue.ids)))
        names = np.asarray(catalogue.category_names)[catalogue.category_index]
        columns = names[:, None] == np.asarray(classes)[None, :]
    out = np.zeros((len(windows), columns.shape[1]))
    recording_of = windows["recording"].astype(str).to_numpy()
    for recording_id in np.unique(recording_of):
        rows = np.flatnonzero(recording_of == recording_id)
        onsets = windows["onset"].to_numpy(dtype=float)[rows]
        scores = _recording_scores(study, recordings[recording_id], onsets, catalogue.features[index], prepare)
        out[rows] = np.stack([np.where(column, scores, -np.inf).max(axis=1) for column in columns.T], axis=1)
    return out


def _recording_scores(study: "Simulated", recording: "Recording", onsets: np.ndarray, features: np.ndarray,
                      prepare: "PrepareConfig") -> np.ndarray:
    """Matched-filter scores of the windows at ``onsets`` for each stimulus of ``features``, shape (n, n_stimuli)."""
    config = study.config
    raw = recording.load().load_data(verbose=False)
    raw.filter(prepare.l_freq, prepare.h_freq, verbose=False).resample(prepare.sfreq, verbose=False)
    data = raw.get_data()
    offsets = prepare.start_offset + np.arange(prepare.n_times)
    times = offsets / prepare.sfreq
    if not (times < 0).any() or not (times >= 0).any():
        raise NeuroarenaError("the oracle needs windows that start before the stimulus and end after it",
                              fix="set window_start < 0 < window_start + window_duration")

    def cut(at: np.ndarray) -> np.ndarray:
        starts = np.round(at * prepare.sfreq).astype(int)
        windows = data[:, starts[:, None] + offsets[None]].transpose(1, 0, 2)
        return windows - windows[:, :, times < 0].mean(axis=2, keepdims=True)

    whitener = _whitener(cut(recording.events()["onset"].to_numpy(dtype=float))[:, :, times < 0])
    electrodes = brain.select_electrodes(config.n_channels)
    channel_order = [electrodes.names.index(name) for name in raw.ch_names]
    subject, session = int(recording.subject) - 1, int(recording.session) - 1
    subject_brain = brain.make_subject(config, electrodes, subject)
    subject_brain = replace(subject_brain, patterns=subject_brain.patterns[channel_order])
    state = brain.make_session(config, len(raw.ch_names), subject, session)
    post = times >= 0
    templates = brain.expected_response(config, features, brain.make_forward_model(config), subject_brain, state,
                                        times[post])
    white_templates = np.einsum("ij,njt->nit", whitener, templates).reshape(len(features), -1)
    white_templates /= np.linalg.norm(white_templates, axis=1, keepdims=True)
    white_windows = np.einsum("ij,njt->nit", whitener, cut(onsets)[:, :, post]).reshape(len(onsets), -1)
    return white_windows @ white_templates.T


def _whitener(pre_stimulus: np.ndarray) -> np.ndarray:
    """Inverse square root of the shrunk channel covariance, shape (n_chans, n_chans).

    Parameters
    ----------
    pre_stimulus : ndarray, shape (n_windows, n_chans, n_times)
    """
    samples = pre_stimulus.transpose(1, 0, 2).reshape(pre_stimulus.shape[1], -1)
    eigval, eigvec = np.linalg.eigh(np.cov(samples))
    eigval = eigval + WHITENING_SHRINKAGE * eigval.mean()
    return (eigvec / np.sqrt(eigval)) @ eigvec.T
