from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.config import PrepareConfig
from neuroarena.studies.simulated.config import SimulationConfig
from neuroarena.studies.simulated.oracle import _whitener
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
    # a class scores the best of its images
    images = loud.oracle_outputs(windows, PrepareConfig(), stimuli=stimuli)
    category_of = windows.drop_duplicates("stimulus").set_index("stimulus")["category"]
    first = classes[0]
    mine = [i for i, s in enumerate(stimuli) if category_of[s] == first]
    np.testing.assert_allclose(logits[:, 0], images[:, mine].max(axis=1))


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


def test_whitener_makes_the_noise_white():
    rng = np.random.default_rng(0)
    rotation = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    mixing = rotation * np.sqrt([1.0, 2.0, 3.0, 4.0])  # correlated channels, covariance eigenvalues 1..4
    noise = np.einsum("ij,njt->nit", mixing, rng.standard_normal((400, 4, 50)))
    white = np.einsum("ij,njt->nit", _whitener(noise), noise)
    eigenvalues = np.linalg.eigvalsh(np.cov(white.transpose(1, 0, 2).reshape(4, -1)))
    # shrinkage by 0.1 x the mean eigenvalue (2.5): eigenvalue l becomes l / (l + 0.25), 0.8 to 0.94
    np.testing.assert_allclose(eigenvalues, [1 / 1.25, 2 / 2.25, 3 / 3.25, 4 / 4.25], atol=0.03)
