from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import mne
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from alljoined_fixtures import (
    ALLJOINED1_TIMES, FLEX2_EEG, FLEX2_SECONDS, SUB06_RECORDED, alljoined1_epoch, alljoined1_onset, flex2_signal,
    nsd_pixel, write_alljoined1, write_alljoined16m, write_flex2_edf, write_nsd_stimuli,
)
from neuroarena.errors import NeuroarenaError
from neuroarena.studies import alljoined_16m
from neuroarena.studies.alljoined import BIOSEMI64, Xu2024Alljoined
from neuroarena.studies.alljoined_16m import Xu2025Alljoined, move_row, read_image_markers
from neuroarena.studies.base import EVENT_COLUMNS, STIMULUS_COLUMNS, SkippedWarning
from neuroarena.studies.registry import get_study


@pytest.fixture(scope="module")
def root1(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("alljoined-1")
    write_alljoined1(path)
    return path


@pytest.fixture(scope="module")
def root1_images(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("alljoined-1-first-revision")
    write_alljoined1(path, image_column=True)
    return path


@pytest.fixture(scope="module")
def root16(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("alljoined-16m")
    write_alljoined16m(path)
    return path


def quiet(study):
    """The study's recordings, its SkippedWarnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedWarning)
        return study.recordings()


# Alljoined-1: epochs in parquet files -------------------------------------------------------------------


def test_alljoined1_recordings_one_per_subject_and_session(root1):
    assert [r.id for r in Xu2024Alljoined(root1).recordings()] == [
        "sub-01_ses-1_task-images", "sub-01_ses-2_task-images", "sub-02_ses-1_task-images"]
    assert [r.id for r in Xu2024Alljoined(root1, subjects=[2]).recordings()] == ["sub-02_ses-1_task-images"]


def test_alljoined1_epochs_in_block_and_trial_order(root1):
    epochs = Xu2024Alljoined(root1).recordings()[0].load()
    assert isinstance(epochs, mne.BaseEpochs)
    assert epochs.ch_names == list(BIOSEMI64)
    assert (epochs.info["sfreq"], len(epochs.times), epochs.info["line_freq"]) == (512.0, ALLJOINED1_TIMES, 60.0)
    assert epochs.tmin == pytest.approx(-26 / 512)
    # sub-01 ses-1 holds fixture epochs 0, 1, 2 (block 1, trials 1-3) and 3 (block 2), across both splits
    expected = np.stack([alljoined1_epoch(i) for i in (0, 1, 2, 3)])
    np.testing.assert_array_equal(epochs.get_data(), expected)


def test_alljoined1_events_onsets_are_curr_time(root1):
    recording = Xu2024Alljoined(root1).recordings()[0]
    events = recording.events()
    assert tuple(events.columns) == EVENT_COLUMNS
    assert events["onset"].tolist() == [alljoined1_onset(1, 1), alljoined1_onset(1, 2), alljoined1_onset(1, 3),
                                        alljoined1_onset(2, 1)]
    assert events["onset"].tolist()[:2] == pytest.approx([40.65, 41.3])
    assert events["stimulus"].tolist() == ["2951", "3050", "2951", "4130"]
    assert events["split"].tolist() == ["train", "test", "train", "train"]
    assert events["duration"].tolist() == [0.3] * 4 and set(events["kind"]) == {"stimulus"}
    assert len(events) == len(recording.load())


def test_alljoined1_store_adapts_the_task_to_the_epochs(root1, tmp_path):
    from neuroarena.prepare.build import build_store
    from neuroarena.prepare.config import PrepareConfig

    store = build_store(Xu2024Alljoined(root1), PrepareConfig(notch="line"), tmp_path, progress=False)
    applied = store.manifest["config"]
    assert applied["l_freq"] is None and applied["h_freq"] == 40.0 and applied["notch"] == []
    assert applied["window_start"] == pytest.approx(-26 / 512) and store.n_times == 65
    notes = " | ".join(store.manifest["adapted"])
    assert "high-pass 0.5 Hz left out: the release high-passed at 0.5 Hz" in notes
    assert "notch 60 Hz left out: the release removed it" in notes
    assert "window -0.2..0.8 s cut to -0.0508..0.599 s: the release's epochs span -0.0508..0.599 s" in notes
    assert "baseline -0.2..0 s cut to -0.0508..0 s" in notes
    assert len(store) == 8 and store.manifest["skipped"] == []


def test_alljoined1_without_image_column_asks_for_the_nsd_images(root1):
    with pytest.raises(NeuroarenaError, match=r"images: 4 of 4 images missing \(73k_id 2951, ...\): this "
                                              r"revision's parquet files have no 'image' column") as info:
        Xu2024Alljoined(root1).stimuli()
    message = str(info.value)
    assert f"at {root1 / 'nsd_stimuli.hdf5'}" in message and "nsddata_stimuli/stimuli/nsd/nsd_stimuli.hdf5" in message
    assert f"one <73k_id>.png per image in {root1 / 'images'}" in message and "\n" not in message


@pytest.mark.parametrize("base", [0, 1])
def test_alljoined1_stimuli_from_nsd_imgbrick(root1, tmp_path, base):
    root = tmp_path / "alljoined"
    shutil.copytree(root1 / "data", root / "data")
    write_nsd_stimuli(root / "nsd_stimuli.hdf5")
    study = Xu2024Alljoined(root, nsd_index_base=base)
    stimuli = study.stimuli()
    assert tuple(stimuli.columns) == STIMULUS_COLUMNS
    assert stimuli.index.tolist() == ["2951", "3050", "4130", "5000"]
    assert stimuli["split"].tolist() == ["train", "test", "train", "train"]
    paths = [Path(p) for p in stimuli["image"]]
    assert [p.parent.name for p in paths] == [f"images_nsd_base{base}"] * 4
    for stimulus, path in zip(stimuli.index, paths):  # row 73k_id - base of imgBrick
        assert Image.open(path).getpixel((1, 2)) == nsd_pixel(int(stimulus) - base)
    before = {p: p.stat().st_mtime_ns for p in paths}
    assert Xu2024Alljoined(root, subjects=[1], nsd_index_base=base).stimuli().index.tolist() == ["2951", "3050", "4130"]
    assert {p: p.stat().st_mtime_ns for p in paths} == before
    assert study.params()["nsd_index_base"] == base


def test_alljoined1_stimuli_from_a_folder_of_images(root1, tmp_path):
    root = tmp_path / "alljoined"
    shutil.copytree(root1 / "data", root / "data")
    (root / "images").mkdir()
    for stimulus in ("2951", "3050", "4130", "5000"):
        Image.new("RGB", (4, 4), (int(stimulus) % 256, 0, 0)).save(root / "images" / f"{stimulus}.png")
    (root / "images" / ".2951.png.tmp").write_bytes(b"")  # a partial write is not an image
    stimuli = Xu2024Alljoined(root).stimuli()
    assert [Path(p).name for p in stimuli["image"]] == ["2951.png", "3050.png", "4130.png", "5000.png"]
    with pytest.raises(NeuroarenaError, match="neither 0 nor 1"):
        Xu2024Alljoined(root, nsd_index_base=2)


def test_alljoined1_first_revision_images_written_once_from_the_parquet(root1_images):
    study = Xu2024Alljoined(root1_images)
    stimuli = study.stimuli()
    assert stimuli.index.tolist() == ["2951", "3050", "4130", "5000"]
    assert stimuli["split"].tolist() == ["train", "test", "train", "train"]
    paths = [Path(p) for p in stimuli["image"]]
    assert [p.name for p in paths] == ["2951.png", "3050.png", "4130.png", "5000.png"]
    assert Image.open(paths[0]).getpixel((0, 0)) == (2951 % 256, 10, 20)
    before = {p: p.stat().st_mtime_ns for p in paths}
    assert Xu2024Alljoined(root1_images, subjects=[1]).stimuli().index.tolist() == ["2951", "3050", "4130"]
    assert {p: p.stat().st_mtime_ns for p in paths} == before
    assert [r.id for r in study.recordings()] == [r.id for r in Xu2024Alljoined(root1_images).recordings()]


def test_alljoined1_errors(tmp_path, root1):
    with pytest.raises(NeuroarenaError, match="data: no Alljoined-1 parquet files") as info:
        Xu2024Alljoined(tmp_path).recordings()
    assert "--dataset alljoined-1 --download" in str(info.value)
    with pytest.raises(NeuroarenaError, match=r"no recording of subject\(s\) 5"):
        Xu2024Alljoined(root1, subjects=[1, 5]).recordings()
    import pyarrow.parquet as pq

    shutil.copytree(root1 / "data", tmp_path / "data")
    path = tmp_path / "data" / "test-00000-of-00001.parquet"
    table = pq.read_table(path).to_pylist()
    table[0]["EEG"] = table[0]["EEG"][:63]
    pq.write_table(pq.read_table(path).from_pylist(table, schema=pq.read_schema(path)), path)
    with pytest.raises(NeuroarenaError, match="an epoch has 63 channels, not 64"):
        Xu2024Alljoined(tmp_path).recordings()[0].load()


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_alljoined1_damaged_parquet_is_one_line_naming_the_file(root1, tmp_path, damage):
    shutil.copytree(root1 / "data", tmp_path / "data")
    path = tmp_path / "data" / "train-00001-of-00002.parquet"
    content = path.read_bytes()
    path.write_bytes(b"not a parquet file" * 10 if damage == "garbage" else content[: len(content) // 2])
    with pytest.raises(NeuroarenaError) as info:
        Xu2024Alljoined(tmp_path).recordings()
    message = str(info.value)
    assert message.startswith(f"{path}: not a readable parquet file (ArrowInvalid: ")
    assert message.endswith("-> delete it and run `neuroarena eeg image --dataset alljoined-1 --download`")
    assert "\n" not in message


def test_alljoined1_parquet_without_eeg_column(root1, tmp_path):
    import pyarrow.parquet as pq

    shutil.copytree(root1 / "data", tmp_path / "data")
    path = tmp_path / "data" / "test-00000-of-00001.parquet"
    pq.write_table(pq.read_table(path).drop_columns(["EEG"]), path)
    with pytest.raises(NeuroarenaError, match=r"test-00000-of-00001.parquet: parquet file lacks column\(s\) EEG "
                                              r"\(it has subject_id, session, block, trial, 73k_id"):
        Xu2024Alljoined(tmp_path).recordings()


def test_alljoined1_registry(root1):
    for name in ("xu2024alljoined", "alljoined-1"):
        assert isinstance(get_study(name, root=root1), Xu2024Alljoined)
    assert Xu2024Alljoined(root1).params() == {"name": "Xu2024Alljoined", "subjects": None, "sessions": None,
                                               "onset_sample": 26, "nsd_index_base": 0, "skip_unreadable": False}


# Alljoined-1.6M: raw EMOTIV EDF per block, image order from stim_order.parquet -------------------------

RECORDED_16M = ["sub-01_ses-01_task-images_run-01", "sub-01_ses-01_task-images_run-05",
                "sub-02_ses-01_task-images_run-05", "sub-06_ses-04_task-images_run-05",
                "sub-08_ses-02_task-images_run-05"]


def test_alljoined16m_recordings_one_per_block_and_the_irregular_folders_skipped(root16):
    study = Xu2025Alljoined(root16)
    with pytest.warns(SkippedWarning) as caught:
        recordings = study.recordings()
    assert [r.id for r in recordings] == RECORDED_16M
    assert recordings[0].path.name.endswith("Block 1 Recording_FLEX2_213075_2025.02.16T16.51.47.08.00.md.edf")
    assert study.skipped == [
        {"recording": "sub-02/session_01/block_06", "reason": "0 EDF files in the block folder, not 1"},
        {"recording": "sub-02/session_01/block_07", "reason": "2 EDF files in the block folder, not 1"},
        {"recording": "sub-08/session_02 old",
         "reason": "not a session_NN folder (sub-08's 'session_02 old' is a retake of session 2)"},
    ]
    assert len(caught) == 3 and "sub-02/session_01/block_06 skipped" in str(caught[0].message)
    assert [r.id for r in quiet(Xu2025Alljoined(root16, subjects=[2]))] == ["sub-02_ses-01_task-images_run-05"]
    assert [r.id for r in quiet(Xu2025Alljoined(root16, sessions=[4]))] == ["sub-06_ses-04_task-images_run-05"]


def test_alljoined16m_raw_keeps_the_electrodes(root16):
    raw = quiet(Xu2025Alljoined(root16))[1].load()
    assert raw.ch_names == FLEX2_EEG[:-1] + ["AFz"]  # EMOTIV's "Afz" renamed, timestamp/marker rows dropped
    assert (raw.info["sfreq"], raw.n_times) == (256.0, FLEX2_SECONDS * 256)
    np.testing.assert_allclose(raw.get_data(), flex2_signal(1, 1, 5), atol=5e-8)  # EDF: 16-bit samples
    assert raw.get_montage() is not None


def test_alljoined16m_events_from_markers(root16):
    test_block, train_block = quiet(Xu2025Alljoined(root16))[:2]
    events = test_block.events()
    assert tuple(events.columns) == EVENT_COLUMNS
    assert events["onset"].tolist() == [1.0, 1.5, 2.5]  # oddball (2.0 s) and behav (3.0 s) are not image events
    assert events["stimulus"].tolist() == ["16541", "16540", "16541"]
    assert events["category"].tolist() == ["antelope", "aircraft_carrier", "antelope"]
    assert events["split"].tolist() == ["test"] * 3
    events = train_block.events()  # zero-padded values; the planned trial of image 12 has no marker
    assert events["onset"].tolist() == [1.25, 2.25]
    assert events["stimulus"].tolist() == ["00003", "00000"]
    assert events["split"].tolist() == ["train", "train"] and events["duration"].tolist() == [0.1, 0.1]


def test_image_markers_as_the_authors_read_them(tmp_path):
    # ".*stim" selects the image markers; split(",")[3] after the authors' "session_S,block_B," prefix is field 1
    text = "stim_train,00042,-1,7"
    assert f"session_1,block_1,{text}".split(",")[3] == text.split(",")[1] == "00042"
    path = write_flex2_edf(tmp_path, 3, 1, 5, [
        (1.0, "stim_train,00042,-1,1"), (1.0, "stim_train,43,-1,2"),  # same sample: the first is kept
        (1.5, "behav,4,-1,3"), (2.0, "stim_test,16600,-1,4"), (2.5, "debug,0,-1,5")])
    onsets, values = read_image_markers(path)
    assert onsets.tolist() == [1.0, 2.0] and values.tolist() == [42, 16600]
    bad = write_flex2_edf(tmp_path / "bad", 3, 1, 6, [(1.0, "stim_train,x,-1,1")])
    with pytest.raises(NeuroarenaError, match="image marker 'stim_train,x,-1,1' is not '<label>,<image index>"):
        read_image_markers(bad)


def test_move_row_is_the_authors_concatenation():
    table = pd.DataFrame({"image_path": [f"{i:05d}.jpg" for i in range(8)]})
    authors = pd.concat([table.drop(index=5).iloc[:3], table.iloc[5].to_frame().T, table.drop(index=5).iloc[3:]])
    assert move_row(table, 5, 3).index.tolist() == authors.index.tolist() == [0, 1, 2, 5, 3, 4, 6, 7]
    assert move_row(table, 8, 3) is table  # a table without that row is left as it is


def test_alljoined16m_subject6_trigger_fix(root16, monkeypatch):
    (recording,) = quiet(Xu2025Alljoined(root16, subjects=[6]))
    assert recording.id == "sub-06_ses-04_task-images_run-05"
    events = recording.events()
    assert events["stimulus"].tolist() == [f"{i:05d}" for i in SUB06_RECORDED]
    assert events["onset"].tolist() == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    monkeypatch.setattr(alljoined_16m, "TRIGGER_FIXES", {})
    study = Xu2025Alljoined(root16)
    with pytest.warns(SkippedWarning) as caught:
        recordings = study.recordings()
    assert ("Xu2025Alljoined: sub-06/session_04/block_05 skipped: its 6 image markers are not, in order, among the 6 "
            "stim_train/stim_test trials of session 4 block 5 in stim_order.parquet") in [str(w.message) for w in caught]
    assert [r.id for r in recordings] == [i for i in RECORDED_16M if not i.startswith("sub-06")]


def test_alljoined16m_a_bad_block_or_subject_is_skipped_not_fatal(root16, tmp_path):
    shutil.copytree(root16, tmp_path / "copy")
    order_path = tmp_path / "copy" / "preprocessed_eeg" / "sub-01" / "stim_order.parquet"
    order = pd.read_parquet(order_path)
    order.loc[order["block_id"] == 5, "image_path"] = "/x/repr_eeg2/images/00007.jpg"
    order.to_parquet(order_path)
    (tmp_path / "copy" / "preprocessed_eeg" / "sub-02" / "stim_order.parquet").unlink()
    study = Xu2025Alljoined(tmp_path / "copy")
    recordings = quiet(study)
    assert [r.id for r in recordings] == [RECORDED_16M[0]] + RECORDED_16M[3:]
    reasons = {entry["recording"]: entry["reason"] for entry in study.skipped}
    assert reasons["sub-01/session_01/block_05"] == ("its 2 image markers are not, in order, among the 3 "
                                                     "stim_train/stim_test trials of session 1 block 5 in "
                                                     "stim_order.parquet")
    assert reasons["sub-02"].endswith("sub-02/stim_order.parquet: stim_order.parquet not found -> run "
                                      "`neuroarena eeg image --dataset alljoined-1.6m --download`")
    assert len(study.skipped) == 3  # those two and sub-08's retake; sub-02's blocks are not looked at


def test_alljoined16m_store_counts_what_was_skipped(root16, tmp_path):
    from neuroarena.prepare.build import build_store
    from neuroarena.prepare.config import PrepareConfig

    study = Xu2025Alljoined(root16)
    with pytest.warns(SkippedWarning):
        store = build_store(study, PrepareConfig(notch="line"), tmp_path, progress=False)
    assert len(store) == 3 + 2 + 2 + 6 + 2 and store.n_chans == 32
    assert [entry["recording"] for entry in store.manifest["skipped"]] == [
        "sub-02/session_01/block_06", "sub-02/session_01/block_07", "sub-08/session_02 old"]
    assert store.manifest["adapted"] == []  # continuous recordings: the task's preprocessing as asked


@pytest.mark.parametrize("layout", ["zip", "folder"])
def test_alljoined16m_stimuli_are_the_datasets_own_images(tmp_path, layout):
    write_alljoined16m(tmp_path, stimuli=layout)
    stimuli = Xu2025Alljoined(tmp_path, subjects=[1, 2]).stimuli()
    assert tuple(stimuli.columns) == STIMULUS_COLUMNS
    assert stimuli.index.tolist() == ["00000", "00003", "00012", "00019", "16540", "16541"]  # not the oddball
    assert [Path(p).relative_to(tmp_path).as_posix() for p in stimuli["image"]] == [
        f"stimuli/{s}.jpg" for s in stimuli.index]
    assert stimuli["category"].tolist() == ["aardvark", "aardvark", "abacus", "abacus", "aircraft_carrier",
                                            "antelope"]
    assert stimuli["split"].tolist() == ["train"] * 4 + ["test"] * 2
    assert Image.open(stimuli.loc["00019", "image"]).getpixel((3, 3))[0] == pytest.approx(19, abs=3)
    assert not (tmp_path / ".stimuli.unpacking").exists() and not (tmp_path / "stimuli" / "__MACOSX").exists()
    assert Xu2025Alljoined(tmp_path, subjects=[6], sessions=[4]).stimuli().index.tolist() == [
        f"{i:05d}" for i in sorted(SUB06_RECORDED)]


def test_alljoined16m_errors(tmp_path, root16):
    with pytest.raises(NeuroarenaError, match="raw_eeg: Alljoined-1.6M raw EEG folder not found") as info:
        Xu2025Alljoined(tmp_path).recordings()
    assert "--dataset alljoined-1.6m --download" in str(info.value)
    with pytest.raises(NeuroarenaError, match="sub-03: subject folder not found"):
        Xu2025Alljoined(root16, subjects=[3]).recordings()
    copy = tmp_path / "copy"
    write_alljoined16m(copy, stimuli=None)
    with pytest.raises(NeuroarenaError, match=r"stimuli: stimulus images not found \(stimuli/<NNNNN>.jpg or "
                                              r"stimuli.zip\) -> run `neuroarena eeg image --dataset alljoined-1.6m"):
        Xu2025Alljoined(copy, subjects=[2]).stimuli()
    (copy / "stimuli.zip").write_bytes(b"PK not really")
    with pytest.raises(NeuroarenaError, match="stimuli.zip: damaged zip archive"):
        Xu2025Alljoined(copy, subjects=[2]).stimuli()
    assert not (copy / ".stimuli.unpacking").exists()


def test_alljoined16m_registry(root16):
    for name in ("xu2025alljoined", "alljoined-1.6m", "Alljoined-1.6M"):
        assert isinstance(get_study(name, root=root16), Xu2025Alljoined)
    assert Xu2025Alljoined(root16, subjects=[2]).params() == {"name": "Xu2025Alljoined", "subjects": ["2"],
                                                                "sessions": None, "skip_unreadable": False}
    assert Xu2025Alljoined.line_freq == 60.0
