"""One simulated session: the stimulus schedule and the continuous EEG it produces."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from neuroarena.studies.simulated import brain, noise
from neuroarena.studies.simulated.config import SimulationConfig
from neuroarena.studies.simulated.stimuli import StimulusSet

if TYPE_CHECKING:
    import pandas as pd

LEAD_SECONDS = 2.0  # quiet time before the first and after the last stimulus


@dataclass(frozen=True)
class SimulatedSession:
    """The continuous recording and its events.

    Attributes
    ----------
    data : ndarray, shape (n_chans, n_times)
        EEG in volts.
    ch_names : tuple of str
    sfreq : float
    events : pandas.DataFrame
        One row per presentation: onset (s), duration (s), stimulus, category, caption, split.
    """

    data: np.ndarray
    ch_names: tuple[str, ...]
    sfreq: float
    events: "pd.DataFrame"


def schedule(config: SimulationConfig, stimuli: StimulusSet, subject: int, session: int) -> tuple[np.ndarray, np.ndarray]:
    """Presentation order and onset samples of one session.

    Returns
    -------
    order : ndarray, shape (n_trials,)
        Index into ``stimuli`` of each presentation, shuffled.
    onset_samples : ndarray, shape (n_trials,)
        Onset of each presentation: ``LEAD + i * soa + U(0, soa_jitter)`` seconds, in samples.
    """
    rng = np.random.default_rng([config.seed, 3, subject, session])
    n_train = config.n_train_concepts
    order = np.concatenate([
        np.repeat(np.arange(n_train), config.train_repeats),
        np.repeat(np.arange(n_train, len(stimuli.ids)), config.test_repeats),
    ])
    order = rng.permutation(order)
    seconds = LEAD_SECONDS + np.arange(len(order)) * config.soa + rng.uniform(0, config.soa_jitter, len(order))
    return order, np.round(seconds * config.sfreq).astype(int)


def n_samples(config: SimulationConfig) -> int:
    """Length of every session in samples."""
    return int(round((2 * LEAD_SECONDS + config.n_trials * config.soa) * config.sfreq))


def simulate_session(config: SimulationConfig, stimuli: StimulusSet, subject: int, session: int) -> SimulatedSession:
    """Simulate session ``session`` of subject ``subject`` (both 0-based); deterministic in the seed."""
    import pandas as pd

    electrodes = brain.select_electrodes(config.n_channels)
    model = brain.make_forward_model(config)
    subject_brain = brain.make_subject(config, electrodes, subject)
    state = brain.make_session(config, len(electrodes.names), subject, session)
    order, onsets = schedule(config, stimuli, subject, session)
    sfreq, total = config.sfreq, n_samples(config)

    rng = np.random.default_rng([config.seed, 7, subject, session])
    amplitudes = brain.component_amplitudes(stimuli.features[order], model)
    amplitudes *= 1 + brain.TRIAL_AMPLITUDE_SD * rng.standard_normal((len(order), 1, 1))
    # The onset is rounded to a sample; the response keeps the exact sub-sample latency.
    peaks = (brain.COMPONENT_PEAKS + model.peak_offsets + subject_brain.latency_shift)[None] \
        + rng.normal(0.0, brain.TRIAL_LATENCY_SD, (len(order), 1, 1))
    times = np.arange(int(brain.RESPONSE_SECONDS * sfreq)) / sfreq
    responses = brain.evoked(amplitudes, peaks, subject_brain.patterns, times)
    responses *= brain.ERP_VOLTS * config.snr * subject_brain.gain

    data = np.zeros((len(electrodes.names), total))
    for response, onset in zip(responses, onsets):
        data[:, onset:onset + len(times)] += response

    noise_rng = np.random.default_rng([config.seed, 6, subject, session])
    add_session_noise(data, config, electrodes, subject_brain, subject, noise_rng)
    data = state.gain * data + state.offsets[:, None]  # the session changes the whole recording

    events = pd.DataFrame({
        "onset": onsets / sfreq,
        "duration": config.stimulus_duration,
        "stimulus": [stimuli.ids[i] for i in order],
        "category": [stimuli.category_names[stimuli.category_index[i]] for i in order],
        "caption": [stimuli.captions[i] for i in order],
        "split": [stimuli.splits[i] for i in order],
    })
    return SimulatedSession(data=data, ch_names=electrodes.names, sfreq=sfreq, events=events)


def add_session_noise(data: np.ndarray, config: SimulationConfig, electrodes: brain.Electrodes,
                      subject_brain: brain.SubjectBrain, subject: int, rng: np.random.Generator) -> None:
    """Add to ``data`` (V), shape (n_chans, n_times), in place, everything but the evoked responses of one
    session of ``subject`` (0-based), before the session's gain: background, alpha, line noise and blinks
    drawn from ``rng``.

    The background's generators are the subject's own: they sit where they sat in every other session.
    """
    n_times = data.shape[1]
    positions = brain.montage_positions()
    eyes = positions["Fp1"] + positions["Fp2"] + np.array([0.0, 0.0, -0.6])
    centres = np.random.default_rng([config.seed, 8, subject]).standard_normal((noise.N_NOISE_SOURCES, 3))
    sfreq = config.sfreq
    data += noise.background(electrodes, centres, n_times, sfreq, rng, config.local_noise)
    data += noise.alpha(electrodes, positions["Oz"], subject_brain.alpha_freq, n_times, sfreq, rng)
    data += noise.line_noise(len(electrodes.names), n_times, sfreq, config.line_freq, rng)
    data += noise.blinks(electrodes, eyes / np.linalg.norm(eyes), n_times, sfreq, rng)
