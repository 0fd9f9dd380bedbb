from __future__ import annotations

import shutil
from pathlib import Path

import mne
import numpy as np
import pandas as pd
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.alljoined import BIOSEMI64, Xu2024Alljoined
from neuroarena.studies.alljoined_16m import Xu2025Alljoined
from neuroarena.studies.base import EVENT_COLUMNS, STIMULUS_COLUMNS
from neuroarena.studies.registry import get_study
from things_fixtures import (
    ALLJOINED1_TIMES, FLEX2_EEG, FLEX2_SECONDS, alljoined1_epoch, flex2_signal, write_alljoined1,
    write_alljoined16m,
)


@pytest.fixture(scope="module")
def root1(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("alljoined-1")
    write_alljoined1(path)
    return path


@pytest.fixture(scope="module")
def root16(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("alljoined-16m")
    write_alljoined16m(path)
    return path


# Alljoined-1: epochs in parquet files, laid end to end -------------------------------------------------


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


def test_alljoined1_events(root1):
    recording = Xu2024Alljoined(root1).recordings()[0]
    events = recording.events()
    assert tuple(events.columns) == EVENT_COLUMNS
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


def test_alljoined1_stimuli_written_once_from_the_parquet_images(root1):
    study = Xu2024Alljoined(root1)
    stimuli = study.stimuli()
    assert tuple(stimuli.columns) == STIMULUS_COLUMNS
    assert stimuli.index.tolist() == ["2951", "3050", "4130", "5000"]
    assert stimuli["split"].tolist() == ["train", "test", "train", "train"]
    paths = [Path(p) for p in stimuli["image"]]
    assert [p.name for p in paths] == ["2951.png", "3050.png", "4130.png", "5000.png"]
    assert all(p.is_file() for p in paths)
    before = {p: p.stat().st_mtime_ns for p in paths}
    assert Xu2024Alljoined(root1, subjects=[1]).stimuli().index.tolist() == ["2951", "3050", "4130"]
    assert {p: p.stat().st_mtime_ns for p in paths} == before


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


def test_alljoined1_registry(root1):
    for name in ("xu2024alljoined", "alljoined-1"):
        assert isinstance(get_study(name, root=root1), Xu2024Alljoined)
    assert Xu2024Alljoined(root1).params() == {"name": "Xu2024Alljoined", "subjects": None, "sessions": None,
                                               "onset_sample": 26}


# Alljoined-1.6M: raw EMOTIV EDF per block, image order from stim_order.parquet -------------------------


def test_alljoined16m_recordings_one_per_block(root16):
    recordings = Xu2025Alljoined(root16).recordings()
    assert [r.id for r in recordings] == [
        "sub-01_ses-01_task-images_run-01", "sub-01_ses-01_task-images_run-05", "sub-02_ses-01_task-images_run-05"]
    assert recordings[0].path.name.endswith("Block 1 Recording_FLEX2_213075_2025.02.16T16.51.47.08.00.md.edf")
    assert [r.id for r in Xu2025Alljoined(root16, subjects=[2]).recordings()] == ["sub-02_ses-01_task-images_run-05"]


def test_alljoined16m_raw_keeps_the_electrodes(root16):
    raw = Xu2025Alljoined(root16).recordings()[1].load()
    assert raw.ch_names == FLEX2_EEG[:-1] + ["AFz"]  # EMOTIV's "Afz" renamed, timestamp/marker rows dropped
    assert (raw.info["sfreq"], raw.n_times) == (256.0, FLEX2_SECONDS * 256)
    np.testing.assert_allclose(raw.get_data(), flex2_signal(1, 1, 5), atol=5e-8)  # EDF: 16-bit samples
    assert raw.get_montage() is not None


def test_alljoined16m_events_from_markers(root16):
    test_block, train_block, _ = Xu2025Alljoined(root16).recordings()
    events = test_block.events()
    assert tuple(events.columns) == EVENT_COLUMNS
    assert events["onset"].tolist() == [1.0, 1.5, 2.5]  # the oddball marker at 2.0 s is not an image event
    assert events["stimulus"].tolist() == ["16541", "16540", "16541"]
    assert events["category"].tolist() == ["antelope", "aircraft_carrier", "antelope"]
    assert events["split"].tolist() == ["test"] * 3
    events = train_block.events()  # the planned trial of image 12 has no marker: dropped
    assert events["onset"].tolist() == [1.25, 2.25]
    assert events["stimulus"].tolist() == ["00003", "00000"]
    assert events["split"].tolist() == ["train", "train"]


def test_alljoined16m_stimuli_are_things_eeg2_images(root16):
    stimuli = Xu2025Alljoined(root16).stimuli()
    assert tuple(stimuli.columns) == STIMULUS_COLUMNS
    assert stimuli.index.tolist() == ["00000", "00003", "00012", "00019", "16540", "16541"]
    names = [Path(p).name for p in stimuli["image"]]
    assert names == ["aardvark_01b.jpg", "aardvark_04s.jpg", "abacus_03s.jpg", "abacus_10s.jpg",
                     "aircraft_carrier_06s.jpg", "antelope_01b.jpg"]
    assert all(Path(p).is_file() for p in stimuli["image"])
    assert stimuli["split"].tolist() == ["train"] * 4 + ["test"] * 2


def test_alljoined16m_errors(tmp_path, root16):
    with pytest.raises(NeuroarenaError, match="raw_eeg: Alljoined-1.6M raw EEG folder not found") as info:
        Xu2025Alljoined(tmp_path).recordings()
    assert "--dataset alljoined-1.6m --download" in str(info.value)
    shutil.copytree(root16, tmp_path / "copy")
    study = Xu2025Alljoined(tmp_path / "copy")
    order_path = tmp_path / "copy" / "preprocessed_eeg" / "sub-01" / "stim_order.parquet"
    order = pd.read_parquet(order_path)
    order.loc[order["block_id"] == 5, "image_path"] = "/x/repr_eeg2/images/00007.jpg"
    order.to_parquet(order_path)
    with pytest.raises(NeuroarenaError, match="the 2 image markers are not, in order, among the 3 trials of "
                                              "session 1 block 5"):
        study.recordings()[1].events()
    order_path.unlink()
    with pytest.raises(NeuroarenaError, match="stim_order.parquet not found"):
        Xu2025Alljoined(tmp_path / "copy").recordings()[0].events()
    block = tmp_path / "copy" / "raw_eeg" / "sub-02" / "session_01" / "block_05"
    shutil.copy(next(block.glob("*.edf")), block / "second.edf")
    with pytest.raises(NeuroarenaError, match="2 EDF files in a block folder, not 1"):
        Xu2025Alljoined(tmp_path / "copy").recordings()
    shutil.rmtree(tmp_path / "copy" / "image_set" / "test_images" / "00002_antelope")
    (tmp_path / "copy" / "image_set" / "image_metadata.npy").unlink()
    with pytest.raises(NeuroarenaError, match="image_metadata.npy: THINGS-EEG2 image metadata not found"):
        Xu2025Alljoined(tmp_path / "copy", subjects=[2]).stimuli()


def test_alljoined16m_registry(root16):
    for name in ("xu2025alljoined", "alljoined-1.6m", "Alljoined-1.6M"):
        assert isinstance(get_study(name, root=root16), Xu2025Alljoined)
    assert Xu2025Alljoined(root16, subjects=[2]).params() == {"name": "Xu2025Alljoined", "subjects": ["2"],
                                                                "sessions": None}
