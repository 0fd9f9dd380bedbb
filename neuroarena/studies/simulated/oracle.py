"""The ceiling: a decoder that knows the true forward model of the simulation.

For each recording (one subject, one session) it reads the BIDS files like any
pipeline would, band-passes (default 0.5-40 Hz), resamples (default 100 Hz) and cuts
windows from ``tmin`` to ``tmax`` around each stimulus, baseline-corrected on the
pre-stimulus part. The noise covariance across channels is estimated on the
pre-stimulus samples and used to whiten both data and templates. Templates are the
noise-free expected responses (true scalp patterns, latency and gains of that
subject and session; not filtered). Scores use the post-stimulus samples:

- retrieval: the average over repeats of each test stimulus is correlated with the
  template of every test stimulus; ``top1``/``top5`` = share of test stimuli whose
  own template ranks first / within the first five (chance 1/n_test, 5/n_test);
- category: every single trial of the session (the category task holds out whole
  sessions, so every image was seen in the training sessions) is assigned the
  category of the image whose template correlates best; ``balanced_accuracy``
  (chance 1/n_categories).

Scores are averaged over recordings.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated import brain
from neuroarena.studies.simulated.stimuli import make_stimuli

if TYPE_CHECKING:
    from neuroarena.studies.base import Recording
    from neuroarena.studies.simulated.study import Simulated

WHITENING_SHRINKAGE = 0.1  # share of the mean eigenvalue added to the noise covariance


def oracle_scores(
    study: "Simulated", subjects: Sequence[str] | None = None, l_freq: float = 0.5,
    h_freq: float = 40.0, sfreq: float = 100.0, tmin: float = -0.2, tmax: float = 0.8,
) -> dict[str, float]:
    """Ceiling scores on the test stimuli of ``study`` (see the module docstring).

    Parameters
    ----------
    study : Simulated
    subjects : sequence of str, optional
        BIDS subject labels to score (default all).
    l_freq, h_freq : float
        Band-pass edges (Hz).
    sfreq : float
        Sampling rate after resampling (Hz).
    tmin, tmax : float
        Window around each onset (s); ``tmin < 0`` gives the pre-stimulus baseline.

    Returns
    -------
    dict
        ``top1``, ``top5``, ``balanced_accuracy``, their chance levels
        (``chance_top1``, ...) and ``n_recordings``.
    """
    config = study.config
    recordings = [r for r in study.recordings() if subjects is None or r.subject in subjects]
    rows = [_score_recording(study, r, l_freq, h_freq, sfreq, tmin, tmax) for r in recordings]
    scores = {key: float(np.mean([row[key] for row in rows])) for key in ("top1", "top5", "balanced_accuracy")}
    scores.update(
        chance_top1=1 / config.n_test_concepts, chance_top5=min(5, config.n_test_concepts) / config.n_test_concepts,
        chance_balanced_accuracy=1 / config.n_categories, n_recordings=float(len(rows)),
    )
    return scores


def _windows(recording: "Recording", l_freq: float, h_freq: float, sfreq: float,
             tmin: float, tmax: float) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Filtered, resampled, baseline-corrected windows, shape (n_events, n_chans, n_times)."""
    raw = recording.load().load_data(verbose=False)
    raw.filter(l_freq, h_freq, verbose=False).resample(sfreq, verbose=False)
    data = raw.get_data()
    offsets = np.arange(int(round(tmin * sfreq)), int(round(tmax * sfreq)))
    onsets = np.round(recording.events()["onset"].to_numpy() * sfreq).astype(int)
    windows = data[:, onsets[:, None] + offsets[None]].transpose(1, 0, 2)
    windows -= windows[:, :, offsets < 0].mean(axis=2, keepdims=True)
    return windows, raw.ch_names, offsets / sfreq


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


def _correlations(observed: np.ndarray, templates: np.ndarray) -> np.ndarray:
    """Pearson r of every observed map with every template, shape (n_observed, n_templates)."""
    def unit_rows(maps: np.ndarray) -> np.ndarray:
        rows = maps.reshape(len(maps), -1)
        rows = rows - rows.mean(axis=1, keepdims=True)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    return unit_rows(observed) @ unit_rows(templates).T


def _score_recording(study: "Simulated", recording: "Recording", l_freq: float, h_freq: float,
                     sfreq: float, tmin: float, tmax: float) -> dict[str, float]:
    from sklearn.metrics import balanced_accuracy_score

    config = study.config
    stimuli = make_stimuli(config)
    windows, ch_names, times = _windows(recording, l_freq, h_freq, sfreq, tmin, tmax)
    electrodes = brain.select_electrodes(config.n_channels)
    channel_order = [electrodes.names.index(name) for name in ch_names]
    subject, session = int(recording.subject) - 1, int(recording.session) - 1
    subject_brain = brain.make_subject(config, electrodes, subject)
    subject_brain = replace(subject_brain, patterns=subject_brain.patterns[channel_order])
    state = brain.make_session(config, len(ch_names), subject, session)
    model = brain.make_forward_model(config)

    whitener = _whitener(windows[:, :, times < 0])
    post = times >= 0

    def whiten(maps: np.ndarray) -> np.ndarray:
        return np.einsum("ij,njt->nit", whitener, maps[:, :, post])

    events = recording.events()
    test_ids = [s for s, split in zip(stimuli.ids, stimuli.splits) if split == "test"]
    test_index = [stimuli.ids.index(s) for s in test_ids]
    absent = sorted(set(test_ids) - set(events["stimulus"]))
    if absent:
        raise NeuroarenaError(f"test stimuli {', '.join(absent[:3])} never shown", path=recording.path,
                              fix="delete the simulated dataset folder so that it is written again")
    averages = np.stack([windows[(events["stimulus"] == s).to_numpy()].mean(axis=0) for s in test_ids])
    templates = brain.expected_response(config, stimuli.features[test_index], model, subject_brain, state, times)
    ranks = _rank_of_own(_correlations(whiten(averages), whiten(templates)))

    every_image = brain.expected_response(config, stimuli.features, model, subject_brain, state, times)
    predicted = stimuli.category_index[_correlations(whiten(windows), whiten(every_image)).argmax(axis=1)]
    truth = [stimuli.category_names.index(c) for c in events["category"]]
    return {
        "top1": float(np.mean(ranks < 1)), "top5": float(np.mean(ranks < 5)),
        "balanced_accuracy": float(balanced_accuracy_score(truth, predicted)),
    }


def _rank_of_own(similarity: np.ndarray) -> np.ndarray:
    """Rank (0 = best) of the diagonal entry within each row, shape (n_rows,)."""
    own = np.diag(similarity)
    return (similarity > own[:, None]).sum(axis=1)
