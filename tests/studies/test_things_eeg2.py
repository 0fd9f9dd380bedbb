from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.build import build_store
from neuroarena.prepare.config import PrepareConfig
from neuroarena.studies.base import EVENT_COLUMNS, STIMULUS_COLUMNS
from neuroarena.studies.osf import fetch_osf_files
from neuroarena.studies.registry import get_study
from neuroarena.studies.things_eeg2 import Gifford2022Large
from things_fixtures import (
    EEG2_CHANNELS, EEG2_N_SAMPLES, EEG2_SAMPLES, EEG2_TEST_CODES, EEG2_TRAIN_CODES, eeg2_signal, write_things_eeg2,
)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("things-eeg2")
    write_things_eeg2(path)
    return path


def test_recordings_found_and_ordered(root):
    study = Gifford2022Large(root)
    assert [r.id for r in study.recordings()] == [
        f"sub-{s}_ses-{n}_task-{p}" for s in ("01", "02") for n in ("01", "02") for p in ("training", "test")]
    picked = Gifford2022Large(root, subjects=[2], sessions=[1]).recordings()
    assert [(r.subject, r.session, r.task, r.path.name) for r in picked] == [
        ("02", "01", "training", "raw_eeg_training.npy"), ("02", "01", "test", "raw_eeg_test.npy")]
    assert {r.study for r in picked} == {"Gifford2022Large"}


def test_raw_as_written(root):
    recording = Gifford2022Large(root, subjects=[2], sessions=[2]).recordings()[1]
    raw = recording.load()
    assert raw.ch_names == EEG2_CHANNELS + ["stim"]
    assert raw.get_channel_types(unique=True) == ["eeg", "stim"]
    assert (raw.info["sfreq"], raw.n_times) == (1000.0, EEG2_N_SAMPLES)
    np.testing.assert_array_equal(raw.get_data()[:63], eeg2_signal(2, 2, "test"))
    assert raw.get_montage() is not None
    assert np.linalg.norm(raw.info["chs"][0]["loc"][:3]) > 0.05  # Fp1 sits on the head, not at the origin


def test_events_from_the_stim_channel(root):
    training, test = Gifford2022Large(root, subjects=[1], sessions=[1]).recordings()
    events = training.events()
    assert tuple(events.columns) == EVENT_COLUMNS
    np.testing.assert_allclose(events["onset"], np.array(EEG2_SAMPLES) / 1000)
    assert events["kind"].tolist() == ["stimulus", "stimulus", "target", "stimulus", "stimulus"]
    # codes 1, 12, 99999, 20, 3: conditions in (sorted concept, sorted image) order
    assert events["stimulus"].tolist() == ["aardvark_01b", "abacus_02s", "", "abacus_10s", "aardvark_03s"]
    assert events["category"].tolist() == ["aardvark", "abacus", "", "abacus", "aardvark"]
    assert events["split"].tolist() == ["train", "train", "", "train", "train"]
    assert (events["duration"] == 0.1).all() and events["rt"].isna().all() and (events["caption"] == "").all()
    events = test.events()
    assert len(events) == len(EEG2_TEST_CODES) == 4
    assert events["stimulus"].tolist() == ["antelope_01b", "aircraft_carrier_06s", "", "antelope_01b"]
    assert events["split"].tolist() == ["test", "test", "", "test"]


def test_events_after_load_come_from_the_loaded_file(root):
    recording = Gifford2022Large(root, subjects=[1], sessions=[2]).recordings()[0]
    recording.load()
    first = recording.events()
    assert first.equals(recording.events())
    assert len(first) == len(EEG2_TRAIN_CODES)


def test_stimuli_paths_exist(root):
    stimuli = Gifford2022Large(root).stimuli()
    assert tuple(stimuli.columns) == STIMULUS_COLUMNS
    assert len(stimuli) == 22
    assert stimuli.loc["abacus_10s", "category"] == "abacus"
    assert stimuli.loc["aircraft_carrier_06s", "split"] == "test"
    assert stimuli["split"].value_counts().to_dict() == {"train": 20, "test": 2}
    assert all(Path(p).is_file() and Path(p).is_absolute() for p in stimuli["image"])
    assert Path(stimuli.loc["aardvark_03s", "image"]).parent.name == "00001_aardvark"


def test_registry_names(root):
    for name in ("gifford2022large", "things-eeg2", "THINGS-EEG2"):
        study = get_study(name, root=root)
        assert isinstance(study, Gifford2022Large) and study.root == root
    assert Gifford2022Large().root.name == "Gifford2022Large"
    assert Gifford2022Large(root, subjects=[2, 1]).params() == {
        "name": "Gifford2022Large", "subjects": ["1", "2"], "sessions": None}


def test_missing_data_names_folder_and_fix(tmp_path, root):
    with pytest.raises(NeuroarenaError, match="raw_data") as info:
        Gifford2022Large(tmp_path / "nowhere").recordings()
    assert "neuroarena eeg image --dataset things-eeg2 --download" in str(info.value)
    with pytest.raises(NeuroarenaError, match="sub-07"):
        Gifford2022Large(root, subjects=[7]).recordings()
    with pytest.raises(NeuroarenaError, match="image_set"):
        Gifford2022Large(tmp_path / "nowhere").stimuli()


def test_bad_files(tmp_path):
    write_things_eeg2(tmp_path, subjects=[1], sessions=[1], image_set=False)
    study = Gifford2022Large(tmp_path)
    with pytest.raises(NeuroarenaError, match="image_metadata.npy.*--dataset things-eeg2 --download"):
        study.recordings()[0].events()
    write_things_eeg2(tmp_path / "few", subjects=[1], sessions=[1])
    metadata = tmp_path / "few" / "image_set" / "image_metadata.npy"
    content = np.load(metadata, allow_pickle=True).item()
    content["train_img_files"] = content["train_img_files"][:15]
    content["train_img_concepts"] = content["train_img_concepts"][:15]
    np.save(metadata, content)
    with pytest.raises(NeuroarenaError, match="stim code 20 is not an image condition: .* 15 train images"):
        Gifford2022Large(tmp_path / "few").recordings()[0].events()
    path = tmp_path / "few" / "raw_data" / "sub-01" / "ses-01" / "raw_eeg_test.npy"
    content = np.load(path, allow_pickle=True).item()
    content["raw_eeg_data"][5, 1500] = np.nan
    np.save(path, content)
    with pytest.raises(NeuroarenaError, match=r"raw_eeg_test.npy: NaN or Inf in channel FC5 at 1.500 s"):
        Gifford2022Large(tmp_path / "few").recordings()[1].load()
    content["raw_eeg_data"][5, 1500] = 0.0
    content["ch_names"] = ["EXG1"] + content["ch_names"][1:]
    np.save(path, content)
    with pytest.raises(NeuroarenaError, match=r"channels \['EXG1'\] have no position in the colin27_1005 montage"):
        Gifford2022Large(tmp_path / "few").recordings()[1].load()
    content["ch_names"] = content["ch_names"][:-1]
    np.save(path, content)
    with pytest.raises(NeuroarenaError, match=r"data of shape \(64, 2600\) does not match 63 channel names"):
        Gifford2022Large(tmp_path / "few").recordings()[1].load()
    (tmp_path / "few" / "raw_data" / "sub-01" / "ses-01" / "raw_eeg_training.npy").unlink()
    with pytest.raises(NeuroarenaError, match="raw_eeg_training.npy: raw EEG file not found"):
        Gifford2022Large(tmp_path / "few").recordings()


def test_download_path_offline_from_a_zipped_subject(tmp_path, root):
    """``sub-03.zip`` as on OSF (``sub-03/ses-01/...``), fetched from a file:// listing, then read."""
    source = tmp_path / "osf"
    write_things_eeg2(source, subjects=[3], sessions=[1], image_set=False)
    archive = tmp_path / "sub-03.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((source / "raw_data").rglob("*.npy")):
            zipped.write(path, path.relative_to(source / "raw_data").as_posix())
    listing = tmp_path / "listing.json"
    listing.write_text(json.dumps({"data": [{
        "attributes": {"name": "sub-03.zip", "kind": "file",
                       "extra": {"hashes": {"sha256": hashlib.sha256(archive.read_bytes()).hexdigest()}}},
        "links": {"download": archive.as_uri()}}], "links": {"next": None}}))
    study_root = tmp_path / "study"
    shutil.copytree(root / "image_set", study_root / "image_set")
    fetch_osf_files(listing.as_uri(), ["sub-03.zip"], study_root / "raw_data", progress=False)
    study = Gifford2022Large(study_root)
    assert [r.id for r in study.recordings()] == ["sub-03_ses-01_task-training", "sub-03_ses-01_task-test"]
    np.testing.assert_array_equal(study.recordings()[0].load().get_data()[:63], eeg2_signal(3, 1, "training"))
    assert sorted(p.name for p in (study_root / "raw_data").iterdir()) == ["sub-03"]  # the zip is gone


@pytest.mark.filterwarnings("ignore:filter_length")  # 2.6 s fixture recordings, 0.5 Hz high-pass
def test_window_store_build(root, tmp_path):
    study = Gifford2022Large(root, subjects=[1], sessions=[1])
    store = build_store(study, PrepareConfig(), tmp_path / "cache", progress=False)
    n_images = sum(code != 99999 for code in EEG2_TRAIN_CODES + EEG2_TEST_CODES)
    assert len(store) == n_images == 7
    assert (store.n_chans, store.n_times, store.sfreq) == (63, 100, 100.0)
    assert store.ch_names == EEG2_CHANNELS
    assert store.metadata["stimulus"].tolist() == [
        "aardvark_01b", "abacus_02s", "abacus_10s", "aardvark_03s", "antelope_01b", "aircraft_carrier_06s",
        "antelope_01b"]
    assert store.metadata["onset"].tolist() == [0.4, 0.65, 1.15, 1.4, 0.4, 0.65, 1.15]
    assert store.metadata["recording"].unique().tolist() == [
        "sub-01_ses-01_task-training", "sub-01_ses-01_task-test"]
    assert np.isfinite(store.take(np.arange(7))).all()
