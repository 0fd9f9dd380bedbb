from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.config import PrepareConfig
from neuroarena.prepare.preprocess import preprocess_raw
from prepare_fixtures import CH_NAMES, make_raw

NO_FILTERS = dict(l_freq=None, h_freq=None, notch=[], reference=None, sfreq=250.0)


def sines(freqs_amps, n_chans=len(CH_NAMES), sfreq=250.0, duration=20.0):
    times = np.arange(int(sfreq * duration)) / sfreq
    signal = sum(amp * np.sin(2 * np.pi * freq * times) for freq, amp in freqs_amps)
    return np.tile(signal, (n_chans, 1)), times


def test_keeps_only_eeg_and_leaves_values_alone_without_filters():
    data, _ = sines([(6, 1e-5)])
    raw = preprocess_raw(make_raw(data), PrepareConfig(**NO_FILTERS, dtype="float32"), "r.fif")
    assert raw.ch_names == CH_NAMES
    np.testing.assert_array_equal(raw.get_data(), data)


def test_bandpass_notch_and_resample_keep_the_in_band_sine():
    # 6 Hz (kept), 0.1 Hz drift (high-passed), 50 Hz line noise (notched and low-passed), 250 -> 100 Hz.
    data, times = sines([(6, 1.0), (0.1, 2.0), (50, 1.0)])
    raw = preprocess_raw(make_raw(data), PrepareConfig(l_freq=3.0, h_freq=40.0, reference=None),
                         "r.fif")
    assert raw.info["sfreq"] == 100.0 and raw.n_times == 2000
    expected = np.sin(2 * np.pi * 6 * np.arange(2000) / 100.0)
    middle = slice(500, 1500)  # away from filter edge effects
    np.testing.assert_allclose(raw.get_data()[0, middle], expected[middle], atol=0.02)


def test_average_reference_zeroes_the_channel_mean():
    rng = np.random.default_rng(0)
    data = rng.standard_normal((len(CH_NAMES), 1000)) * 1e-5
    raw = preprocess_raw(make_raw(data), PrepareConfig(**{**NO_FILTERS, "reference": "average"}),
                         "r.fif")
    np.testing.assert_allclose(raw.get_data(), data - data.mean(axis=0), atol=1e-20)


def test_channel_reference_and_ordered_picks():
    data = np.arange(len(CH_NAMES), dtype=float)[:, None] * np.ones((1, 1000))  # channel i is i
    config = PrepareConfig(**{**NO_FILTERS, "reference": ["Cz"], "picks": ["C4", "Fz", "Pz"]})
    raw = preprocess_raw(make_raw(data), config, "r.fif")
    assert raw.ch_names == ["C4", "Fz", "Pz"]
    np.testing.assert_allclose(raw.get_data()[:, 0], [5 - 1, 0 - 1, 2 - 1])


def test_notch_above_nyquist_is_skipped():
    data, _ = sines([(6, 1e-5)], sfreq=100.0)
    raw = preprocess_raw(make_raw(data, sfreq=100.0),
                         PrepareConfig(**{**NO_FILTERS, "sfreq": 100.0, "notch": [50.0, 60.0]}), "r.fif")
    np.testing.assert_array_equal(raw.get_data(), data)


def test_missing_picks_are_named():
    config = PrepareConfig(**{**NO_FILTERS, "picks": ["Cz", "T7", "O9"]})
    with pytest.raises(NeuroarenaError, match=r"r\.fif: picks channels \['T7', 'O9'\]"):
        preprocess_raw(make_raw(np.zeros((len(CH_NAMES), 500))), config, "r.fif")


def test_nan_names_file_channel_and_time():
    data = np.zeros((len(CH_NAMES), 1000))
    data[2, 500] = np.nan
    with pytest.raises(NeuroarenaError, match=r"^r\.fif: NaN or Inf in channel Pz at 2\.000 s "
                                              r"-> exclude this recording or repair it$"):
        preprocess_raw(make_raw(data), PrepareConfig(**NO_FILTERS), "r.fif")


def test_low_pass_above_nyquist_is_an_error():
    config = PrepareConfig(**{**NO_FILTERS, "h_freq": 60.0, "sfreq": 100.0})
    with pytest.raises(NeuroarenaError, match="lower h_freq"):
        preprocess_raw(make_raw(np.zeros((len(CH_NAMES), 500)), sfreq=100.0), config, "r.fif")
