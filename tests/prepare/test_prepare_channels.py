"""Channel selection in prepare: exact order, legacy names, interpolation from real positions."""
from __future__ import annotations

import mne
import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.config import PrepareConfig
from neuroarena.prepare.preprocess import preprocess_raw

NO_FILTERS = dict(l_freq=None, h_freq=None, notch=[], reference=None, sfreq=250.0, dtype="float32")
MONTAGE = mne.channels.make_standard_montage("easycap-M1")


def smooth_field_raw(ch_names: list[str], with_positions: bool = True, n_times: int = 500) -> mne.io.RawArray:
    """EEG whose value at each electrode is a smooth function of its position (a linear field per sample)."""
    info = mne.create_info(ch_names, 250.0, "eeg")
    raw = mne.io.RawArray(np.zeros((len(ch_names), n_times)), info, verbose=False)
    raw.set_montage(MONTAGE, verbose=False)
    positions = np.array([ch["loc"][:3] for ch in raw.info["chs"]])
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((3, n_times))
    raw._data[:] = 1e-4 * positions @ weights  # (n_chans, n_times), volts
    if not with_positions:
        for ch in raw.info["chs"]:
            ch["loc"][:] = np.nan
    return raw


def field_at(names: list[str], n_times: int = 500) -> np.ndarray:
    """The smooth field at the head-frame positions of ``names`` (the value interpolation should find)."""
    return smooth_field_raw(names, n_times=n_times).get_data()


def test_channels_are_picked_in_order_renamed_and_legacy_names_found():
    raw = smooth_field_raw(MONTAGE.ch_names[:32])
    before = {name: raw.get_data(picks=[name])[0] for name in ("Cz", "P7", "Fp1")}
    config = PrepareConfig(**NO_FILTERS, channels=["CZ", "T5", "fp1"])
    out = preprocess_raw(raw, config, "r.fif")
    assert out.ch_names == ["CZ", "T5", "fp1"]
    np.testing.assert_array_equal(out.get_data(), np.stack([before["Cz"], before["P7"], before["Fp1"]]))


def test_missing_channels_raise_naming_file_channels_and_fix():
    raw = smooth_field_raw(["Fz", "Cz", "Pz", "C3", "C4"])
    with pytest.raises(NeuroarenaError, match=r"r\.fif: channels \['Oz', 'F3'\].*interpolate_missing"):
        preprocess_raw(raw, PrepareConfig(**NO_FILTERS, channels=["Cz", "Oz", "F3"]), "r.fif")


def test_missing_channels_are_interpolated_from_real_positions_never_zero():
    present = [name for name in MONTAGE.ch_names[:32] if name not in ("Cz", "Pz")]
    raw = smooth_field_raw(present)
    config = PrepareConfig(**NO_FILTERS, channels=["Fz", "Cz", "Pz", "C3"], interpolate_missing=True)
    out = preprocess_raw(raw, config, "r.fif")
    assert out.ch_names == ["Fz", "Cz", "Pz", "C3"] and out.info["bads"] == []
    data, truth = out.get_data(), field_at(["Fz", "Cz", "Pz", "C3"])
    np.testing.assert_array_equal(data[[0, 3]], truth[[0, 3]])  # real channels untouched
    for row in (1, 2):  # interpolated: close to the true field, far from zero
        correlation = np.corrcoef(data[row], truth[row])[0, 1]
        assert correlation > 0.95
        assert np.abs(data[row]).mean() > 0.3 * np.abs(truth[row]).mean()


def test_interpolation_needs_positions_and_standard_names():
    raw = smooth_field_raw(["Fz", "Cz", "C3", "C4", "Pz"], with_positions=False)
    config = PrepareConfig(**NO_FILTERS, channels=["Fz", "Oz"], interpolate_missing=True)
    with pytest.raises(NeuroarenaError, match="no position for 5 of its channels"):
        preprocess_raw(raw, config, "r.fif")
    raw = smooth_field_raw(["Fz", "Cz", "C3", "C4", "Pz"])
    config = PrepareConfig(**NO_FILTERS, channels=["Fz", "XYZ1"], interpolate_missing=True)
    with pytest.raises(NeuroarenaError, match=r"\['XYZ1'\] have no position"):
        preprocess_raw(raw, config, "r.fif")


@pytest.mark.parametrize("fields, message", [
    (dict(channels=["Fz"], picks=["Fz"]), "either picks or channels"),
    (dict(channels=["Fz", "FZ"]), "each channel once"),
    (dict(interpolate_missing=True), "needs channels"),
])
def test_config_rejects_inconsistent_channel_fields(fields, message):
    with pytest.raises(ValueError, match=message):
        PrepareConfig(**fields)
