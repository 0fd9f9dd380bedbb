"""Sleep-EDF: the reader on files in the release's layout (names from MNE's record table, mixed-rate PSG,
annotation-only hypnograms, unscored and movement epochs, a night without its hypnogram, a subject with one
night), the simulated counterpart and its ceiling, and the sleep_stage task end to end."""
from __future__ import annotations

import datetime
import warnings

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import SkippedWarning
from neuroarena.studies.simulated_sleep import LABELS, SimulatedSleep, nights, sleep_config, write_night
from neuroarena.studies.sleep_edf import SleepPhysionet, record_table


@pytest.fixture(scope="module")
def tiny() -> SimulatedSleep:
    from neuroarena.studies.registry import get_study

    study = get_study("simulated-sleep-tiny")
    study.download()
    return study


def test_the_record_table_has_the_release_irregularities():
    table = record_table()
    assert set(range(83)) - set(table["subject"]) == {39, 68, 69, 78, 79}
    assert table.loc[table["subject"] == 13, "night"].tolist() == [1]
    assert table.loc[table["subject"].isin([36, 52]), "night"].tolist() == [2, 2]
    first = table.iloc[0]
    assert (first["psg"], first["hypnogram"]) == ("SC4001E0-PSG.edf", "SC4001EC-Hypnogram.edf")


def test_the_simulated_files_are_the_release_files_read_by_braindecode(tiny):
    import mne

    rows = nights(tiny.config)
    assert sorted(p.name for p in tiny.root.glob("*.edf")) == sorted([*rows["psg"], *rows["hypnogram"]])
    psg = mne.io.read_raw_edf(tiny.root / rows["psg"][0], verbose="error")
    assert psg.ch_names == ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal", "Resp oro-nasal", "EMG submental",
                            "Temp rectal", "Event marker"]
    hypnogram = mne.read_annotations(tiny.root / rows["hypnogram"][0])
    assert set(hypnogram.description) <= {"Sleep stage W", "Sleep stage 1", "Sleep stage 2", "Sleep stage 3",
                                          "Sleep stage R"}
    assert (hypnogram.duration % 30 == 0).all() and (hypnogram.duration > 30).any()  # runs of epochs
    recordings = tiny.recordings()
    assert len(recordings) == 10 and recordings[0].id == "sub-00_ses-1_task-sleep"
    raw, events = recordings[0].load(), recordings[0].events()
    assert raw.ch_names == ["Fpz-Cz", "Pz-Oz"] and raw.info["sfreq"] == 100.0
    assert set(events["category"]) <= set(LABELS) and (events["duration"] == 30.0).all()
    assert len(events) == round(raw.n_times / 100 / 30)  # every epoch of the night is scored
    assert (events["onset"] % 30 == 0).all()


def _hypnogram(path, annotations):
    import edfio

    edfio.Edf([], annotations=[edfio.EdfAnnotation(*a) for a in annotations],
              starttime=datetime.time(22, 30)).write(path)


def test_unscored_epochs_a_missing_hypnogram_and_the_crop(tmp_path):
    config = sleep_config("tiny", {"n_subjects": 14})
    rows = nights(config)
    wanted = rows[rows["subject"].isin([0, 13])]
    assert len(wanted) == 3  # subject 13 has one night
    for row in wanted.itertuples():
        write_night(config, tmp_path, row)
    zero = wanted.iloc[0]
    # 50 min of wake, then stages with R&K stage 4, an unscored and a movement epoch; the night is 44 min long.
    _hypnogram(tmp_path / zero["hypnogram"], [
        (0, 600, "Sleep stage W"), (600, 60, "Sleep stage 1"), (660, 90, "Sleep stage 4"), (750, 30, "Movement time"),
        (780, 60, "Sleep stage ?"), (840, 300, "Sleep stage 2"), (1140, 1500, "Sleep stage W")])
    (tmp_path / wanted.iloc[1]["hypnogram"]).unlink()
    study = SleepPhysionet(tmp_path, crop_wake_mins=5)
    with pytest.warns(SkippedWarning, match="hypnogram SC4002E.-Hypnogram.edf is absent"):
        recordings = study.recordings()
    assert [r.id for r in recordings] == ["sub-00_ses-1_task-sleep", "sub-13_ses-1_task-sleep"]
    assert study.skipped and study.skipped[0]["recording"] == "sub-00_ses-2"
    raw, events = recordings[0].load(), recordings[0].events()
    assert raw.first_time == pytest.approx(300.0)  # 5 min of wake before the first sleep epoch (600 s)
    assert raw.first_time + raw.times[-1] + 0.01 == pytest.approx(1140 + 300)  # and 5 min after the last
    assert events["category"].tolist() == ["W"] * 10 + ["N1"] * 2 + ["N3"] * 3 + ["N2"] * 10 + ["W"] * 10
    assert events["onset"].iloc[0] == 0.0 and events["onset"].iloc[12] == 660 - 300
    with pytest.raises(NeuroarenaError, match="crop_wake_mins must be >= 0"):
        SleepPhysionet(tmp_path, crop_wake_mins=-1)


def test_a_folder_without_nights_says_how_to_download(tmp_path):
    with pytest.raises(NeuroarenaError, match="no Sleep-EDF night") as err:
        SleepPhysionet(tmp_path).recordings()
    assert "--download" in str(err.value)


def test_the_rhythms_follow_the_true_stage(tiny):
    from scipy.signal import welch

    from neuroarena.studies.simulated_sleep import true_stages

    epochs, stages = [], []
    for recording in tiny.recordings():  # the tiny nights are shorter than the crop: kept whole
        data, night = recording.load().get_data(), true_stages(tiny.config, int(recording.subject),
                                                               int(recording.session))
        epochs.append(data[:, :len(night) * 3000].reshape(2, len(night), 3000).transpose(1, 0, 2))
        stages.append(night)
    epochs, stages = np.concatenate(epochs), np.concatenate(stages)
    assert set(stages) == set(range(5))
    freqs, power = welch(epochs, fs=100.0, nperseg=400)

    def band(low, high, stage, channel):
        return power[stages == LABELS.index(stage), channel][:, (freqs >= low) & (freqs < high)].mean()

    assert band(0.5, 2, "N3", 0) > 10 * band(0.5, 2, "W", 0)  # slow waves, frontal
    assert band(8, 12, "W", 1) > 5 * band(8, 12, "N3", 1)  # posterior alpha in wake
    assert band(12, 14, "N2", 0) > 2 * band(12, 14, "R", 0)  # spindles


def test_the_oracle_reads_the_true_stage(tiny):
    from neuroarena.runner.api import prepare
    from neuroarena.tasks.config import load_task

    metadata = prepare("sleep_stage", "simulated-sleep-tiny", progress=False).metadata
    config = load_task("sleep_stage").prepare
    scores = tiny.oracle_outputs(metadata, config, classes=list(LABELS))
    assert scores.shape == (len(metadata), 5)
    accuracy = (np.asarray(LABELS)[scores.argmax(axis=1)] == metadata["category"].to_numpy()).mean()
    assert 0.6 < accuracy < 0.95  # the scorer disagrees on about 15 % of the epochs
    other = tiny.oracle_outputs(metadata, config, classes=["R", "N5", "W"])
    np.testing.assert_array_equal(other[:, [0, 2]], scores[:, [4, 0]])
    assert np.isneginf(other[:, 1]).all()
    assert tiny.oracle_outputs(metadata, config, target="age") is None


def test_sleep_stage_runs_end_to_end_below_its_ceiling(tiny):
    from neuroarena.runner.api import run

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        frame = run("sleep_stage", ["cov_ts_lr"], dataset="simulated-sleep-tiny", seeds=[0]).set_index("model")
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    assert frame.loc["dummy", "score"] == pytest.approx(0.2)
    assert frame.loc["cov_ts_lr", "score"] > 0.4
    assert frame.loc["cov_ts_lr", "ceiling"] >= frame.loc["cov_ts_lr", "score"]
