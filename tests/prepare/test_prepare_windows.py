"""Windowing maths on hand-computed signals (10 Hz, windows of 5 samples starting 2 samples early)."""
from __future__ import annotations

import numpy as np
import pytest

from prepare_fixtures import make_events, make_raw
from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.config import PrepareConfig
from neuroarena.prepare.windows import extract_windows

SFREQ = 10.0


def ramp_and_step_raw():
    """Channel Fz: x[n] = n; channel Cz: 3 from sample 50 on, else 0."""
    n = np.arange(100, dtype=float)
    return make_raw(np.vstack([n, 3.0 * (n >= 50)]), sfreq=SFREQ, ch_names=["Fz", "Cz"],
                    with_extra_channels=False)


def config(**changes):
    base = dict(l_freq=None, h_freq=None, notch=[], sfreq=SFREQ, reference=None, window_start=-0.2,
                window_duration=0.5, baseline=(-0.2, 0.0), scaling="none", clip=None,
                dtype="float32")
    return PrepareConfig(**{**base, **changes})


def test_windows_are_cut_at_onsets_and_baseline_corrected():
    events = make_events([2.0, 3.0, 5.0], kinds=["stimulus", "response", "stimulus"])
    X, metadata = extract_windows(ramp_and_step_raw(), events, config(), "rec.fif")
    assert X.dtype == np.float32 and X.shape == (2, 2, 5) and X.flags.c_contiguous
    # Fz samples 18..22 and 48..52 minus the mean of their first two samples.
    np.testing.assert_array_equal(X[:, 0], [[-0.5, 0.5, 1.5, 2.5, 3.5]] * 2)
    np.testing.assert_array_equal(X[:, 1], [[0, 0, 0, 0, 0], [0, 0, 3, 3, 3]])
    assert metadata["onset"].tolist() == [2.0, 5.0]
    assert metadata["stimulus"].tolist() == ["img00", "img02"]
    assert metadata.index.tolist() == [0, 1]


def test_without_baseline_windows_hold_raw_samples():
    X, _ = extract_windows(ramp_and_step_raw(), make_events([2.0]), config(baseline=None), "r.fif")
    np.testing.assert_array_equal(X[0, 0], [18, 19, 20, 21, 22])


def test_robust_scaling_and_clip():
    # Fz values {-.5,.5,1.5,2.5,3.5} twice: median 1.5, IQR 2.5 - 0.5 = 2.
    # Cz values seven 0 and three 3: median 0, q75 = 0.75 * 3 = 2.25, q25 = 0.
    X, _ = extract_windows(ramp_and_step_raw(), make_events([2.0, 5.0]),
                           config(scaling="robust", clip=1.2), "rec.fif")
    np.testing.assert_allclose(X[:, 0], [[-1, -0.5, 0, 0.5, 1]] * 2)
    np.testing.assert_allclose(X[1, 1], [0, 0, 1.2, 1.2, 1.2])  # 3 / 2.25 = 1.33, clipped
    np.testing.assert_allclose(X[0, 1], [0] * 5)


def test_standard_scaling():
    X, _ = extract_windows(ramp_and_step_raw(), make_events([2.0, 5.0]),
                           config(scaling="standard"), "rec.fif")
    # Fz: mean 1.5, std of {-.5,.5,1.5,2.5,3.5} = sqrt(2).
    np.testing.assert_allclose(X[0, 0], np.array([-2, -1, 0, 1, 2]) / np.sqrt(2), rtol=1e-6)
    # Cz: mean 0.9, std sqrt(mean(x^2) - 0.81) = sqrt(2.7 - 0.81).
    np.testing.assert_allclose(X[1, 1], (np.array([0, 0, 3, 3, 3]) - 0.9) / np.sqrt(1.89), rtol=1e-6)


def test_window_outside_recording_names_first_bad_onset():
    events = make_events([0.1, 5.0, 9.8])
    with pytest.raises(NeuroarenaError, match=r"rec\.fif: 2 window.*onset 0\.1 s.*drop those trials"):
        extract_windows(ramp_and_step_raw(), events, config(), "rec.fif")


def test_last_window_ending_at_the_last_sample_is_kept():
    X, _ = extract_windows(ramp_and_step_raw(), make_events([9.7]), config(baseline=None), "r.fif")
    np.testing.assert_array_equal(X[0, 0], [95, 96, 97, 98, 99])


def test_missing_event_kind_and_flat_channel_are_errors():
    with pytest.raises(NeuroarenaError, match="no event of kind 'stimulus'"):
        extract_windows(ramp_and_step_raw(), make_events([2.0], kinds=["response"]), config(), "r.fif")
    with pytest.raises(NeuroarenaError, match="channel Cz has zero spread"):
        extract_windows(ramp_and_step_raw(), make_events([2.0]), config(scaling="robust"), "r.fif")


def test_sampling_rate_must_match_config():
    with pytest.raises(NeuroarenaError, match="run preprocess_raw"):
        extract_windows(ramp_and_step_raw(), make_events([2.0]), config(sfreq=20.0), "r.fif")


def test_a_recording_without_the_tasks_events_is_skipped_and_counted(tmp_path):
    """A resting-state run beside trial runs adds no window; it is skipped with a reason in the manifest, and
    a store where no recording has the kind is an error."""
    from neuroarena.prepare.build import build_store
    from neuroarena.prepare.config import PrepareConfig
    from neuroarena.studies.simulated_hbn.study import SimulatedHbn

    study = SimulatedHbn(root=tmp_path / "hbn", preset="tiny", releases=["R1"],
                         tasks=["contrastChangeDetection", "RestingState"])
    config = PrepareConfig(l_freq=None, h_freq=None, notch=[], reference=None, window_start=0.5,
                           window_duration=2.0, baseline=None, scaling="none", clip=None, dtype="float32")
    with pytest.warns(UserWarning, match="no event of kind 'stimulus'"):
        store = build_store(study, config, tmp_path / "cache", progress=False)
    skipped = store.manifest["skipped"]
    assert skipped and all("RestingState" in s["recording"] for s in skipped)
    assert set(store.metadata["task"]) == {"contrastChangeDetection"}
    rest = SimulatedHbn(root=tmp_path / "hbn", preset="tiny", releases=["R1"], tasks=["RestingState"])
    with pytest.warns(UserWarning), pytest.raises(NeuroarenaError, match="every one of the .* was skipped"):
        build_store(rest, config, tmp_path / "cache", progress=False)
