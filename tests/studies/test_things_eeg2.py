from __future__ import annotations

import shutil
from pathlib import Path

import mne
import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.build import build_store
from neuroarena.prepare.config import PrepareConfig
from neuroarena.splits.splitters import make_splitter
from neuroarena.studies.base import EVENT_COLUMNS, STIMULUS_COLUMNS
from neuroarena.studies.registry import get_study
from neuroarena.studies.things_eeg2 import Gifford2022Large
from neuroarena.tasks.config import load_task
from things_eeg2_fixtures import (
    EEG2_CHANNELS, EEG2_N_SAMPLES, EEG2_PREPROCESSED_CHANNELS, EEG2_TEST_CODES, EEG2_TRAIN_CODES, eeg2_epochs,
    eeg2_sample, eeg2_signal, write_things_eeg2, write_things_eeg2_preprocessed,
)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """The raw release only."""
    path = tmp_path_factory.mktemp("things-eeg2-raw")
    write_things_eeg2(path)
    return path


@pytest.fixture(scope="module")
def pre(tmp_path_factory) -> Path:
    """The preprocessed release only."""
    path = tmp_path_factory.mktemp("things-eeg2-preprocessed")
    write_things_eeg2_preprocessed(path)
    return path


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("things-eeg2-both")
    write_things_eeg2(path, subjects=[1], sessions=[1])
    write_things_eeg2_preprocessed(path, subjects=[1], image_set=False)
    return path


# --- raw release ---
def test_raw_recordings_found_and_ordered(root):
    study = Gifford2022Large(root)
    assert study.resolved_release() == "raw" and study.epoched() is None
    assert [r.id for r in study.recordings()] == [
        f"sub-{s}_ses-{n}_task-{p}" for s in ("01", "02") for n in ("01", "02") for p in ("training", "test")]
    picked = Gifford2022Large(root, subjects=[2], sessions=[1]).recordings()
    assert [(r.subject, r.session, r.task, r.path.name) for r in picked] == [
        ("02", "01", "training", "raw_eeg_training.npy"), ("02", "01", "test", "raw_eeg_test.npy")]
    assert {r.study for r in picked} == {"Gifford2022Large"}


def test_raw_as_written(root):
    raw = Gifford2022Large(root, subjects=[2], sessions=[2]).recordings()[1].load()
    assert raw.ch_names == EEG2_CHANNELS + ["stim"]
    assert raw.get_channel_types(unique=True) == ["eeg", "stim"]
    assert (raw.info["sfreq"], raw.n_times) == (1000.0, EEG2_N_SAMPLES)
    np.testing.assert_array_equal(raw.get_data()[:63], eeg2_signal(2, 2, "test"))
    assert np.linalg.norm(raw.info["chs"][0]["loc"][:3]) > 0.05  # Fp1 sits on the head, not at the origin


def test_raw_events_from_the_stim_channel_each_session_half_the_concepts(root):
    study = Gifford2022Large(root, subjects=[1])
    training1, test1, training2, _ = study.recordings()
    events = training1.events()
    assert tuple(events.columns) == EVENT_COLUMNS
    np.testing.assert_allclose(events["onset"], [eeg2_sample(i) / 1000 for i in range(len(EEG2_TRAIN_CODES[1]))])
    # codes 1, 21, 99999, 41, 1, 21, 41, 1: conditions in (sorted concept, sorted image) order
    assert events["stimulus"].tolist() == ["aardvark_01b", "accordion_01b", "", "air_conditioner_01b",
                                           "aardvark_01b", "accordion_01b", "air_conditioner_01b", "aardvark_01b"]
    assert events["kind"].tolist() == ["stimulus", "stimulus", "target"] + ["stimulus"] * 5
    assert events["split"].tolist() == ["train", "train", ""] + ["train"] * 5
    assert (events["duration"] == 0.1).all() and events["rt"].isna().all() and (events["caption"] == "").all()
    second = set(training2.events()["category"]) - {""}
    assert second == {"abacus", "acorn", "air_mattress"} and not second & set(events["category"])
    events = test1.events()
    assert len(events) == len(EEG2_TEST_CODES) == 5
    assert events["stimulus"].tolist() == ["antelope_01b", "aircraft_carrier_06s", "", "antelope_01b",
                                           "aircraft_carrier_06s"]
    assert events["split"].tolist() == ["test", "test", "", "test", "test"]


def test_raw_events_after_load_come_from_the_loaded_file(root):
    recording = Gifford2022Large(root, subjects=[1], sessions=[2]).recordings()[0]
    recording.load()
    first = recording.events()
    assert first.equals(recording.events())
    assert len(first) == len(EEG2_TRAIN_CODES[0])


def test_stimuli_paths_exist(root):
    stimuli = Gifford2022Large(root).stimuli()
    assert tuple(stimuli.columns) == STIMULUS_COLUMNS
    assert stimuli["split"].value_counts().to_dict() == {"train": 60, "test": 2}
    assert stimuli.loc["abacus_10s", "category"] == "abacus"
    assert stimuli.loc["aircraft_carrier_06s", "split"] == "test"
    assert all(Path(p).is_file() and Path(p).is_absolute() for p in stimuli["image"])
    assert Path(stimuli.loc["aardvark_03s", "image"]).parent.name == "00001_aardvark"


def test_registry_names_and_params(root, pre):
    for name in ("gifford2022large", "things-eeg2", "THINGS-EEG2"):
        study = get_study(name, root=root)
        assert isinstance(study, Gifford2022Large) and study.root == root
    assert Gifford2022Large().root.name == "Gifford2022Large"
    assert Gifford2022Large(root, subjects=[2, 1]).params() == {
        "name": "Gifford2022Large", "subjects": ["1", "2"], "sessions": None, "release": "raw",
        "skip_unreadable": False}
    assert Gifford2022Large(pre).params()["release"] == "preprocessed"


def test_missing_data_names_folder_and_fix(tmp_path, root):
    with pytest.raises(NeuroarenaError, match="nowhere: no THINGS-EEG2 data here: neither preprocessed_data/") as info:
        Gifford2022Large(tmp_path / "nowhere").recordings()
    assert "neuroarena eeg image --dataset things-eeg2 --download" in str(info.value)
    with pytest.raises(NeuroarenaError, match=r"raw_data: no raw release here .* -> run `neuroarena eeg image "
                                              r"--dataset things-eeg2 --dataset-param release=raw --download`$"):
        Gifford2022Large(tmp_path / "nowhere", release="raw").recordings()
    with pytest.raises(NeuroarenaError, match="sub-07: folder not found"):
        Gifford2022Large(root, subjects=[7]).recordings()
    with pytest.raises(NeuroarenaError, match="image_set"):
        Gifford2022Large(tmp_path / "nowhere").stimuli()


def test_bad_raw_files(tmp_path):
    write_things_eeg2(tmp_path, subjects=[1], sessions=[1], image_set=False)
    with pytest.raises(NeuroarenaError, match="image_metadata.npy.*--dataset things-eeg2 --download"):
        Gifford2022Large(tmp_path).recordings()[0].events()
    write_things_eeg2(tmp_path / "few", subjects=[1], sessions=[1])
    metadata = tmp_path / "few" / "image_set" / "image_metadata.npy"
    content = np.load(metadata, allow_pickle=True).item()
    content["train_img_files"] = content["train_img_files"][:15]
    content["train_img_concepts"] = content["train_img_concepts"][:15]
    np.save(metadata, content)
    with pytest.raises(NeuroarenaError, match="stim code 21 is not an image condition: .* 15 train images"):
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
    del content["ch_types"]
    np.save(path, content)
    with pytest.raises(NeuroarenaError, match=r"raw_eeg_test.npy: file lacks keys \['ch_types'\]"):
        Gifford2022Large(tmp_path / "few").recordings()[1].load()
    np.save(path, np.zeros(3))
    with pytest.raises(NeuroarenaError, match="raw_eeg_test.npy: not a pickled dict"):
        Gifford2022Large(tmp_path / "few").recordings()[1].load()
    (tmp_path / "few" / "raw_data" / "sub-01" / "ses-01" / "raw_eeg_training.npy").unlink()
    with pytest.raises(NeuroarenaError, match="raw_eeg_training.npy: raw EEG file not found"):
        Gifford2022Large(tmp_path / "few").recordings()


@pytest.mark.filterwarnings("ignore:filter_length")  # 3.2 s fixture recordings, 0.5 Hz high-pass
def test_raw_window_store_build(root, tmp_path):
    store = build_store(Gifford2022Large(root, subjects=[1], sessions=[1]), PrepareConfig(), tmp_path, progress=False)
    assert len(store) == 7 + 4  # image trials of the training and test files, targets left out
    assert (store.n_chans, store.n_times, store.sfreq) == (63, 100, 100.0)
    assert store.ch_names == EEG2_CHANNELS
    assert store.metadata["stimulus"].tolist()[:4] == ["aardvark_01b", "accordion_01b", "air_conditioner_01b",
                                                       "aardvark_01b"]
    assert store.metadata["onset"].tolist()[:3] == [0.4, 0.65, 1.15]
    assert store.manifest["adapted"] == [] and store.manifest["config"] == PrepareConfig().model_dump(mode="json")
    assert np.isfinite(store.take(np.arange(len(store)))).all()


# --- preprocessed release ---
def test_preprocessed_recordings_have_no_sessions(pre):
    study = Gifford2022Large(pre)
    assert study.resolved_release() == "preprocessed"
    recordings = study.recordings()
    assert [r.id for r in recordings] == ["sub-01_task-training", "sub-01_task-test", "sub-02_task-training",
                                          "sub-02_task-test"]
    assert {r.session for r in recordings} == {""}
    assert recordings[0].path == pre / "preprocessed_data" / "sub-01" / "preprocessed_eeg_training.npy"
    with pytest.raises(NeuroarenaError, match="preprocessed_data: the preprocessed release has no sessions: its "
                                              "repetitions were shuffled across sessions .seed 20200220.") as info:
        Gifford2022Large(pre, sessions=[1]).recordings()
    assert "use release='raw'" in str(info.value)
    with pytest.raises(NeuroarenaError, match="has no sessions"):
        Gifford2022Large(pre, sessions=[1], release="preprocessed")


def test_preprocessed_epochs_image_major_with_one_event_each(pre):
    training, test = Gifford2022Large(pre, subjects=[2]).recordings()
    epochs = training.load()
    assert isinstance(epochs, mne.EpochsArray)
    assert epochs.ch_names == EEG2_PREPROCESSED_CHANNELS
    assert (len(epochs), len(epochs.times), epochs.info["sfreq"]) == (60 * 4, 100, 100.0)
    assert epochs.tmin == pytest.approx(-0.2) and epochs.times[-1] == pytest.approx(0.79)
    written = eeg2_epochs(2, "training")
    data = epochs.get_data()
    np.testing.assert_array_equal(data[13], written[3, 1])  # epoch 13 = image 3, repetition 1
    np.testing.assert_array_equal(data.reshape(written.shape), written)
    events = training.events()
    assert tuple(events.columns) == EVENT_COLUMNS + ("repetition",)
    assert len(events) == 240 and events["onset"].isna().all()
    assert events["stimulus"].tolist()[:6] == ["aardvark_01b"] * 4 + ["aardvark_02s"] * 2
    assert events["repetition"].tolist()[:6] == [0, 1, 2, 3, 0, 1]
    assert events["category"].tolist()[-1] == "air_mattress" and set(events["split"]) == {"train"}
    assert (events["kind"] == "stimulus").all() and (events["duration"] == 0.1).all()
    test_epochs, test_events = test.load(), test.events()
    assert len(test_epochs) == len(test_events) == 2 * 80
    assert test_events["stimulus"].tolist()[79:81] == ["aircraft_carrier_06s", "antelope_01b"]
    assert set(test_events["split"]) == {"test"} and test_events["repetition"].max() == 79


def test_epoched_describes_what_the_authors_did(pre):
    release = Gifford2022Large(pre).epoched()
    assert (release.tmin, release.n_times, release.sfreq, release.duration) == (-0.2, 100, 100.0, 1.0)
    assert (release.l_freq, release.h_freq, release.notch, release.reference) == (0.01, 50.0, (), None)
    assert release.baseline == (-0.2, 0.0) and release.line_freq == 50.0
    assert "multivariate noise normalisation per session" in release.steps and "20200220" in release.steps


def test_release_choice(both, pre, root):
    assert [r.id for r in Gifford2022Large(both).recordings()] == ["sub-01_task-training", "sub-01_task-test"]
    raw = Gifford2022Large(both, release="raw")
    assert [r.id for r in raw.recordings()] == ["sub-01_ses-01_task-training", "sub-01_ses-01_task-test"]
    assert raw.epoched() is None and raw.params()["release"] == "raw"
    with pytest.raises(NeuroarenaError, match=r"raw_data: no raw release here .*choose release='preprocessed'"):
        Gifford2022Large(pre, release="raw").recordings()
    with pytest.raises(NeuroarenaError, match=r"preprocessed_data: no preprocessed release here .*release=preproc"):
        Gifford2022Large(root, release="preprocessed").recordings()
    with pytest.raises(NeuroarenaError, match="unknown THINGS-EEG2 release 'epochs'"):
        Gifford2022Large(root, release="epochs")


def test_bad_preprocessed_files(tmp_path):
    write_things_eeg2_preprocessed(tmp_path, subjects=[1])
    path = tmp_path / "preprocessed_data" / "sub-01" / "preprocessed_eeg_test.npy"
    good = np.load(path, allow_pickle=True).item()

    def load_with(**changes):
        np.save(path, {**good, **changes})
        return Gifford2022Large(tmp_path).recordings()[1].load()

    with pytest.raises(NeuroarenaError, match="holds 1 image conditions but image_metadata.npy lists 2 test images"):
        load_with(preprocessed_eeg_data=good["preprocessed_eeg_data"][:1])
    with pytest.raises(NeuroarenaError, match=r"has shape \(2, 80, 17\), not \(images, repetitions"):
        load_with(preprocessed_eeg_data=good["preprocessed_eeg_data"][..., 0])
    with pytest.raises(NeuroarenaError, match="has 17 channels but ch_names 16"):
        load_with(ch_names=good["ch_names"][:16])
    with pytest.raises(NeuroarenaError, match=r"times are -0.1..0.89 s in 100 samples .100 in the data., not -0.2"):
        load_with(times=good["times"] + 0.1)
    bad = good["preprocessed_eeg_data"].copy()
    bad[1, 2, 4, 50] = np.nan
    with pytest.raises(NeuroarenaError, match="NaN or Inf in epoch 82, channel Oz at 0.300 s"):
        load_with(preprocessed_eeg_data=bad)
    np.save(path, {"preprocessed_eeg_data": bad})
    with pytest.raises(NeuroarenaError, match=r"file lacks keys \['ch_names', 'times'\] -> download it again"):
        Gifford2022Large(tmp_path).recordings()[1].load()
    (tmp_path / "preprocessed_data" / "sub-01" / "preprocessed_eeg_training.npy").unlink()
    path.unlink()
    with pytest.raises(NeuroarenaError, match="no THINGS-EEG2 data here"):
        Gifford2022Large(tmp_path).recordings()


def test_preprocessed_store_adapts_the_image_task_to_the_epochs(pre, tmp_path):
    store = build_store(Gifford2022Large(pre, subjects=[1]), load_task("image").prepare, tmp_path, progress=False)
    applied = store.manifest["config"]
    assert applied["l_freq"] is None and applied["h_freq"] == 40.0 and applied["notch"] == []
    assert (applied["window_start"], applied["window_duration"], applied["baseline"]) == (-0.2, 1.0, [-0.2, 0.0])
    assert (store.n_times, store.sfreq, store.n_chans) == (100, 100.0, 17)
    assert store.manifest["adapted"] == [
        "high-pass 0.5 Hz left out: its 6.6 s filter is longer than the 1 s epochs (the release high-passed at "
        "0.01 Hz)",
        "notch 50 Hz left out: above the 40 Hz low-pass",
        "average reference left out: the release whitened the channels (each is a mix of electrodes)",
    ]
    assert applied["reference"] is None
    assert store.manifest["requested_config"]["l_freq"] == 0.5
    assert len(store) == 240 + 160 and store.ch_names == EEG2_PREPROCESSED_CHANNELS
    assert store.metadata["repetition"].tolist()[:5] == [0, 1, 2, 3, 0]


@pytest.mark.filterwarnings("ignore:filter_length")
@pytest.mark.parametrize("release", ["preprocessed", "raw"])
def test_image_task_validation_holds_out_whole_concepts(release, pre, root, tmp_path):
    study = Gifford2022Large(pre if release == "preprocessed" else root, release=release)
    store = build_store(study, load_task("image").prepare, tmp_path, progress=False)
    task = load_task("image")
    splitter = make_splitter(task.split.name, **task.split.params)
    assert splitter.group_column(store.metadata) == "category"
    split = splitter.split(store.metadata)
    category = store.metadata.set_index("window")["category"]
    train, val, test = (set(category[getattr(split, part)]) for part in ("train", "val", "test"))
    assert len(val) == 1 and len(train) == 5  # val_fraction 0.2 of 6 training concepts
    assert not val & train and not test & (train | val)
    assert test == {"aircraft_carrier", "antelope"}


def test_download_of_the_preprocessed_release_from_osfstorage(tmp_path, monkeypatch, pre):
    from neuroarena.studies import osf
    from things_eeg2_fixtures import write_osf_folder, write_osf_node, zip_folder

    remote = tmp_path / "remote"
    remote.mkdir()
    archive = zip_folder(pre / "preprocessed_data" / "sub-02", remote / "sub-02.zip", inside="sub-02/")
    images = [zip_folder(pre / "image_set" / f, remote / f"{f}.zip", inside=f"{f}/")
              for f in ("training_images", "test_images")]
    shutil.copy(pre / "image_set" / "image_metadata.npy", remote / "image_metadata.npy")
    folder = write_osf_folder(tmp_path / "anp5v-osfstorage.json", [archive], "anp5v", "osfstorage", hashes=True)
    nodes = {"anp5v": write_osf_node(tmp_path / "anp5v.json", "anp5v", {"osfstorage": folder})}
    image_listing = write_osf_folder(tmp_path / "y63gw.json", images + [remote / "image_metadata.npy"], "y63gw",
                                     "osfstorage", hashes=True)
    monkeypatch.setattr(osf, "osf_node_url", lambda node: nodes[node])
    monkeypatch.setattr(osf, "osf_listing_url", lambda node, provider="osfstorage": image_listing)
    study_root = tmp_path / "study"
    Gifford2022Large(study_root, subjects=[2]).download()
    assert sorted(p.name for p in (study_root / "preprocessed_data").iterdir()) == ["sub-02"]  # the zip is gone
    assert sorted(p.name for p in (study_root / "image_set").iterdir()) == [
        "image_metadata.npy", "test_images", "training_images"]
    recordings = Gifford2022Large(study_root).recordings()
    assert [r.id for r in recordings] == ["sub-02_task-training", "sub-02_task-test"]
    np.testing.assert_array_equal(recordings[1].load().get_data().reshape(2, 80, 17, 100), eeg2_epochs(2, "test"))


def test_download_of_the_raw_release_from_the_google_drive_provider(tmp_path, monkeypatch, root):
    """The raw zips sit on crxs4's googledrive provider, listed without checksums; osfstorage is empty."""
    import hashlib

    from neuroarena.studies import osf
    from things_eeg2_fixtures import write_osf_folder, write_osf_node, zip_folder

    remote = tmp_path / "remote"
    remote.mkdir()
    archive = zip_folder(root / "raw_data" / "sub-01", remote / "sub-01.zip", inside="sub-01/")
    providers = {"osfstorage": write_osf_folder(tmp_path / "osfstorage.json", [], "crxs4", "osfstorage", True),
                 "googledrive": write_osf_folder(tmp_path / "googledrive.json", [archive], "crxs4", "googledrive",
                                                 hashes=False)}
    nodes = {"crxs4": write_osf_node(tmp_path / "crxs4.json", "crxs4", providers)}
    monkeypatch.setattr(osf, "osf_node_url", lambda node: nodes[node])
    study_root = tmp_path / "study"
    shutil.copytree(root / "image_set", study_root / "image_set")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    with pytest.warns(osf.UnverifiedDownloadWarning, match=f"no checksum for sub-01.zip.*sha256 {digest}"):
        Gifford2022Large(study_root, subjects=[1], release="raw").download()
    raw_data = study_root / "raw_data"
    assert (raw_data / "SHA256SUMS").read_text() == f"{digest}  sub-01.zip\n"
    assert sorted(p.name for p in raw_data.iterdir()) == ["SHA256SUMS", "sub-01"]
    study = Gifford2022Large(study_root)
    assert [r.id for r in study.recordings()][:2] == ["sub-01_ses-01_task-training", "sub-01_ses-01_task-test"]
    np.testing.assert_array_equal(study.recordings()[0].load().get_data()[:63], eeg2_signal(1, 1, "training"))


def test_download_of_the_raw_release_from_an_empty_component_says_where_else(tmp_path, monkeypatch):
    from neuroarena.studies import osf
    from things_eeg2_fixtures import write_osf_folder, write_osf_node

    providers = {"googledrive": write_osf_folder(tmp_path / "googledrive.json", [], "crxs4", "googledrive", False)}
    monkeypatch.setattr(osf, "osf_node_url", lambda node: write_osf_node(tmp_path / "crxs4.json", node, providers))
    with pytest.raises(NeuroarenaError, match=r"no OSF storage of this project lists 'sub-03.zip' \(googledrive: "
                                              r"empty\) -> get sub-XX.zip from Figshare\+ \(https://plus.figshare"
                                              r".com/.*18470912/4\) or the authors' Google Drive \(https://drive."
                                              r"google.com/drive/folders/1KnOcV38RthPcpZR2vtiSm0jtZ6p63RNt\)"):
        Gifford2022Large(tmp_path / "study", subjects=[3], release="raw").download()
