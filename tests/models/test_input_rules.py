"""Input rules: how a model's needs reshape the task's preprocessing, and the build-time check."""
from __future__ import annotations

import mne
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.models.input_rules import BENDR_CHANNELS, FM_INPUT_RULES, InputRules
from neuroarena.prepare.config import PrepareConfig
from neuroarena.runner.job import JobSpec
from neuroarena.tasks.config import load_task

TASK_LIKE = PrepareConfig(sfreq=100.0, window_start=-0.2, window_duration=1.0, baseline=(-0.2, 0.0))


@pytest.mark.parametrize("model, duration, sfreq, n_times", [
    ("labram", 1.0, 200.0, 200),
    ("cbramod", 1.1, 200.0, 400),   # 220 samples -> 2 patches
    ("luna", 1.0, 256.0, 280),      # 256 samples -> 7 patches of 40
    ("eegpt", 1.0, 256.0, 256),     # 4 patches of 64
    ("bendr", 1.0, 256.0, 256),     # no patches: the window keeps its length
])
def test_apply_resamples_and_rounds_the_window_up_to_whole_patches(model, duration, sfreq, n_times):
    config = FM_INPUT_RULES[model].apply(TASK_LIKE.model_copy(update={"window_duration": duration}))
    assert (config.sfreq, config.n_times) == (sfreq, n_times)
    assert (config.window_start, config.baseline, config.start_offset) == (-0.2, (-0.2, 0.0), round(-0.2 * sfreq))
    assert config.l_freq == 0.5 and config.h_freq == 40.0


def test_apply_sets_channels_with_interpolation_and_lowers_a_low_pass_above_nyquist():
    config = FM_INPUT_RULES["bendr"].apply(TASK_LIKE.model_copy(update={"picks": ["Cz"]}))
    assert config.channels == list(BENDR_CHANNELS) and config.interpolate_missing and config.picks is None
    low_rate = InputRules(sfreq=64.0).apply(TASK_LIKE)
    assert low_rate.h_freq == pytest.approx(25.6) and low_rate.n_times == 64
    assert InputRules().apply(TASK_LIKE) is TASK_LIKE


def test_runner_prepares_each_model_at_its_rate():
    task = load_task("category")
    configs = {model: JobSpec(task="category", dataset="simulated-tiny", model=model, seed=33).prepare_config(task)
               for model in ("eegnet", "labram", "luna", "bendr")}
    assert {m: (c.sfreq, c.n_times) for m, c in configs.items()} == {
        "eegnet": (100.0, 100), "labram": (200.0, 200), "luna": (256.0, 280), "bendr": (256.0, 256)}
    assert len({c.model_dump_json() for c in configs.values()}) == 4  # four distinct stores


def _chs(names, with_positions=True):
    info = mne.create_info(list(names), 200.0, "eeg")
    if with_positions:
        info.set_montage(mne.channels.make_standard_montage("colin27_1005"), match_case=False)
    return info["chs"]


@pytest.mark.parametrize("changes, message", [
    (dict(sfreq=100.0), r"pretrained at 200 Hz but the windows are at 100 Hz"),
    (dict(n_times=300), r"whole 200-sample patches, got 300 samples"),
    (dict(chs_info=_chs(["Cz", "Pz"], with_positions=False)), r"channels \['Cz', 'Pz'\] have none"),
    (dict(chs_info=None), "needs the channel names and positions"),
])
def test_check_rejects_windows_that_break_the_rules(changes, message):
    rules = InputRules(sfreq=200.0, patch_size=200, needs_positions=True)
    signal = dict(n_chans=2, n_times=400, sfreq=200.0, chs_info=_chs(["Cz", "Pz"]))
    rules.check(name="m", **signal)  # valid windows pass
    with pytest.raises(NeuroarenaError, match=message):
        rules.check(name="m", **{**signal, **changes})


def test_check_wants_the_exact_channel_order():
    rules = FM_INPUT_RULES["bendr"]
    good = _chs([name.upper() for name in BENDR_CHANNELS])  # names compare case-insensitively
    rules.check(name="bendr", n_chans=19, n_times=256, sfreq=256.0, chs_info=good)
    with pytest.raises(NeuroarenaError, match="needs the 19 channels"):
        rules.check(name="bendr", n_chans=19, n_times=256, sfreq=256.0, chs_info=good[::-1])
    with pytest.raises(NeuroarenaError, match="needs 19 channels, got 18"):
        rules.check(name="bendr", n_chans=18, n_times=256, sfreq=256.0, chs_info=good[:18])
