"""The simulated EEG has the amplitudes, spectrum and single-trial SNR of real recordings."""
from __future__ import annotations

import numpy as np
import pytest

from neuroarena.studies.simulated import statistics
from neuroarena.studies.simulated.statistics import REAL_RANGES


@pytest.fixture(scope="module")
def measured(tiny_study):
    """The statistics of the first two recordings (subject 01, sessions 1 and 2)."""
    return [statistics.recording_statistics(r) for r in tiny_study.recordings()[:2]]


def _assert_in_range(measured, key):
    low, high = REAL_RANGES[key]
    values = [m[key] for m in measured]
    assert all(low <= v <= high for v in values), f"{key} = {values}, real data {low} to {high}"


def test_background_rms_is_tens_of_microvolts(measured):
    _assert_in_range(measured, "background_rms_uv")


def test_spectrum_falls_as_one_over_f(measured):
    _assert_in_range(measured, "spectral_slope")


def test_alpha_peaks_between_8_and_12_hz(measured):
    _assert_in_range(measured, "alpha_peak_hz")


def test_visual_p1_and_n1_are_a_few_microvolts(measured):
    _assert_in_range(measured, "p1_uv")
    _assert_in_range(measured, "n1_uv")


def test_single_trial_snr_is_well_below_one(measured):
    _assert_in_range(measured, "single_trial_snr")


def test_single_trial_snr_measures_amplitude_over_trial_spread():
    times = np.arange(-0.2, 0.8, 0.004)
    template = np.exp(-0.5 * ((times - 0.17) / 0.02) ** 2)
    trials = 3.0 * template + 10.0 * np.random.default_rng(0).standard_normal((20000, len(times)))
    assert statistics.single_trial_snr(trials, times) == pytest.approx(0.3, abs=0.03)


def test_linear_readout_is_above_chance(tiny_study):
    top5 = statistics.subject_readout_top5(tiny_study, "01")
    assert top5 > 2 * 5 / tiny_study.config.n_test_concepts
