"""MNE's sample dataset: the reader on a recording in the release's FIF layout (MEG, EOG and trigger channels, a
bad EEG channel, a first sample other than 0, smileys and button presses among the stimuli), and the
audiovisual_stimulus task end to end on the simulated counterpart."""
from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.mne_sample import RAW_FILE, MneSample
from neuroarena.studies.simulated_sample import BAD_CHANNEL, FIRST_SAMP, SFREQ, SimulatedSample


@pytest.fixture(scope="module")
def tiny() -> SimulatedSample:
    from neuroarena.studies.registry import get_study

    study = get_study("simulated-sample-tiny")
    study.download()
    return study


def test_the_file_is_the_release_layout(tiny):
    import mne

    raw = mne.io.read_raw_fif(tiny.root / RAW_FILE, verbose="error")
    assert raw.first_samp == FIRST_SAMP and raw.info["sfreq"] == pytest.approx(SFREQ)
    assert raw.info["bads"] == [BAD_CHANNEL]
    kinds = set(raw.get_channel_types())
    assert {"grad", "mag", "eeg", "eog", "stim"} <= kinds
    codes = set(mne.find_events(raw, stim_channel="STI 014", shortest_event=1, verbose="error")[:, 2])
    assert {1, 2, 3, 4, 5, 32} <= codes


def test_only_good_eeg_reaches_a_model_and_the_events_are_the_four_classes(tiny):
    recording, = tiny.recordings()
    assert recording.id == "sub-sample_task-audvis"
    raw = recording.load()
    assert len(raw.ch_names) == 59 and BAD_CHANNEL not in raw.ch_names
    assert set(raw.get_channel_types()) == {"eeg"}
    assert any(BAD_CHANNEL in entry["recording"] for entry in tiny.skipped)
    events = recording.events()
    assert events["category"].value_counts().to_dict() == {c: 60 for c in
                                                           ("auditory/left", "auditory/right", "visual/left",
                                                            "visual/right")}
    gaps = np.diff(events["onset"].to_numpy())
    assert gaps.min() >= 0.69 and (events["onset"] > 0).all() and events["onset"].max() < raw.times[-1]


def test_onsets_count_from_the_first_sample(tiny):
    """A visual/left checkerboard drives the right occipital sites 170 ms later: found only if the onsets are
    taken from the first sample of the file, not from sample 0."""
    from neuroarena.studies.simulated_sample import eeg_sites

    recording, = tiny.recordings()
    raw, events = recording.load(), recording.events()
    sites = eeg_sites()
    po8 = raw.get_data(picks=[f"EEG {sites.index('PO8') + 1:03d}"])[0]
    onsets = np.round(events.loc[events["category"] == "visual/left", "onset"].to_numpy() * SFREQ).astype(int)
    lag = int(round(0.17 * SFREQ))
    evoked = np.mean([po8[o:o + 2 * lag] for o in onsets], axis=0)
    assert evoked[lag] < -4e-6 and abs(int(np.argmin(evoked)) - lag) <= 10


def test_a_missing_recording_says_how_to_download(tmp_path):
    with pytest.raises(NeuroarenaError, match="sample_audvis_raw.fif is absent") as err:
        MneSample(tmp_path).recordings()
    assert "--download" in str(err.value)


def test_audiovisual_stimulus_runs_end_to_end(tiny):
    from neuroarena.runner.api import run

    frame = run("audiovisual_stimulus", ["xdawn_ts_lr"], dataset="simulated-sample-tiny", seeds=[0]).set_index("model")
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    assert frame.loc["dummy", "score"] == pytest.approx(0.25)
    assert frame.loc["xdawn_ts_lr", "score"] >= 0.4
