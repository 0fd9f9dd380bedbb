from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.config import PrepareConfig
from neuroarena.studies.simulated.config import SimulationConfig
from neuroarena.studies.simulated.oracle import whitened_windows
from neuroarena.studies.simulated.study import Simulated


def _windows(study: Simulated):
    """Every stimulus event of the study as window metadata (recording, onset, stimulus, category)."""
    import pandas as pd

    frames = [r.events().assign(recording=r.id) for r in study.recordings()]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def loud(tmp_path_factory) -> Simulated:
    config = SimulationConfig.preset("tiny", n_subjects=1, n_sessions=1, snr=200.0)
    return Simulated(root=tmp_path_factory.mktemp("oracle") / "loud", config=config)


def test_oracle_scores_its_own_stimulus_and_category_highest_with_a_strong_signal(loud):
    windows = _windows(loud)
    stimuli = sorted(windows["stimulus"].unique())
    scores = loud.oracle_outputs(windows, PrepareConfig(), stimuli=stimuli)
    assert scores.shape == (len(windows), len(stimuli))
    # single trials of 140 images, trial-to-trial amplitude and latency jitter left: chance is 1/140
    assert (np.asarray(stimuli)[scores.argmax(axis=1)] == windows["stimulus"].to_numpy()).mean() > 0.5
    classes = sorted(windows["category"].unique())
    logits = loud.oracle_outputs(windows, PrepareConfig(), classes=classes)
    assert logits.shape == (len(windows), len(classes))
    assert (np.asarray(classes)[logits.argmax(axis=1)] == windows["category"].to_numpy()).mean() > 0.8
    # a class' log posterior is the log of the mean likelihood of its images
    category_of = windows.drop_duplicates("stimulus").set_index("stimulus")["category"]
    first = classes[0]
    mine = [i for i, s in enumerate(stimuli) if category_of[s] == first]
    np.testing.assert_allclose(logits[:, 0], logsumexp(scores[:, mine], axis=1) - np.log(len(mine)))


def test_oracle_outputs_are_kept_and_follow_the_request(loud):
    windows = _windows(loud).iloc[:10]
    stimuli = sorted(_windows(loud)["stimulus"].unique())
    first = loud.oracle_outputs(windows, PrepareConfig(), stimuli=stimuli)
    kept = sorted((loud.root / "oracle").glob("*.npy"))
    assert kept and np.array_equal(loud.oracle_outputs(windows, PrepareConfig(), stimuli=stimuli), first)
    narrower = loud.oracle_outputs(windows, PrepareConfig(h_freq=20.0), stimuli=stimuli)
    assert len(sorted((loud.root / "oracle").glob("*.npy"))) == len(kept) + 1
    assert not np.array_equal(narrower, first)


def test_oracle_errors_name_the_problem(loud):
    windows = _windows(loud)
    with pytest.raises(NeuroarenaError, match="either candidate stimuli or classes"):
        loud.oracle_outputs(windows, PrepareConfig())
    with pytest.raises(NeuroarenaError, match="windows of recording sub-09.* are not in the study"):
        loud.oracle_outputs(windows.assign(recording="sub-09_ses-1_task-things"), PrepareConfig(), classes=["a"])
    with pytest.raises(NeuroarenaError, match="start before the stimulus"):
        loud.oracle_outputs(windows, PrepareConfig(window_start=0.0, baseline=None), classes=["a"])


def test_the_noise_model_whitens_the_recorded_noise(tmp_path):
    """Fresh noise of another seed predicts the recording's own: its whitened windows have unit variance in
    every channel and at every time, where the raw windows' variances differ by orders of magnitude."""
    config = SimulationConfig.preset("tiny", n_subjects=1, n_sessions=2, snr=1e-4)  # windows are noise alone
    study = Simulated(root=tmp_path / "quiet", config=config)
    noise: dict = {}
    for recording in study.recordings():
        seen = whitened_windows(study, recording, recording.events()["onset"].to_numpy(), PrepareConfig(), noise)
        white = seen.windows.reshape(len(seen.windows), len(seen.ch_names), -1)
        power = (white ** 2).mean(axis=0)  # (n_chans, n_kept)
        assert 0.8 < power.mean() < 1.25
        assert np.all((power.mean(axis=1) > 0.6) & (power.mean(axis=1) < 1.6))  # every channel
        assert np.all((power.mean(axis=0) > 0.6) & (power.mean(axis=0) < 1.6))  # every sample
        raw = np.linalg.solve(seen.whitener, seen.windows.T).T  # undo the whitening
        variance = np.linalg.eigvalsh(np.cov(raw.T))[-len(raw) + 1:]
        assert variance.max() / np.median(variance) > 100
    assert len(noise) == 1  # one noise model per subject, scaled by each session's gain
