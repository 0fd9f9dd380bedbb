"""The background looks like EEG: 1/f, alpha, line noise, blinks."""
from __future__ import annotations

import numpy as np
import pytest

from neuroarena.studies.simulated import brain


@pytest.fixture(scope="module")
def spectrum(tiny_study):
    raw = tiny_study.recordings()[0].load()
    psd = raw.compute_psd(method="welch", fmin=0.5, fmax=60.0, n_fft=1000, verbose=False)
    return psd.get_data(), psd.freqs, raw.ch_names


def _band(freqs, low, high):
    return (freqs >= low) & (freqs <= high)


def test_power_falls_with_frequency(spectrum):
    power, freqs, _ = spectrum
    band = _band(freqs, 2, 40)
    slope = np.polyfit(np.log(freqs[band]), np.log(power[:, band].mean(axis=0)), 1)[0]
    assert -2.5 < slope < -0.5


def test_occipital_alpha_peak(spectrum, tiny_study):
    power, freqs, names = spectrum
    oz = power[names.index("Oz")]
    alpha = oz[_band(freqs, 8, 12)].max()
    neighbours = np.median(oz[_band(freqs, 4, 7) | _band(freqs, 14, 18)])
    assert alpha > 5 * neighbours
    band = _band(freqs, 6, 14)
    peak = freqs[band][oz[band].argmax()]
    config = tiny_study.config
    true_alpha = brain.make_subject(config, brain.select_electrodes(config.n_channels), 0).alpha_freq
    assert 8 <= peak <= 12 and abs(peak - true_alpha) <= 0.75


def test_line_noise_peak(spectrum):
    power, freqs, _ = spectrum
    at_line = power[:, np.argmin(np.abs(freqs - 50.0))]
    around = np.median(power[:, _band(freqs, 44, 48) | _band(freqs, 52, 56)], axis=1)
    assert np.all(at_line > 10 * around)


def test_blinks_make_frontal_channels_stronger_at_low_frequencies(spectrum):
    power, freqs, names = spectrum
    low = _band(freqs, 0.5, 3)
    frontal = power[[names.index(c) for c in ("Fp1", "Fp2")]][:, low].sum(axis=1)
    occipital = power[[names.index(c) for c in ("O1", "O2", "Oz")]][:, low].sum(axis=1)
    assert frontal.min() > 1.5 * occipital.max()
