from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import EVENT_COLUMNS, STIMULUS_COLUMNS
from neuroarena.studies.registry import get_study
from neuroarena.studies.things_eeg1 import Grootswagers2022Human, read_rsvp_events
from things_fixtures import (
    EEG1_CHANNELS, EEG1_N_SAMPLES, EEG1_ONSETS, EEG1_SFREQ, eeg1_stimdur, write_things_eeg1,
)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # mne-bids: sidecars the fixture leaves out


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("things-eeg1")
    write_things_eeg1(path)
    return path


def test_recordings_found_and_ordered(root):
    recordings = Grootswagers2022Human(root).recordings()
    assert [r.id for r in recordings] == ["sub-01_task-rsvp", "sub-02_task-rsvp"]
    assert [r.path.name for r in recordings] == ["sub-01_task-rsvp_eeg.vhdr", "sub-02_task-rsvp_eeg.vhdr"]
    assert {r.study for r in recordings} == {"Grootswagers2022Human"}
    assert [r.subject for r in Grootswagers2022Human(root, subjects=[2]).recordings()] == ["02"]


def test_raw_as_written(root):
    raw = Grootswagers2022Human(root, subjects=[1]).recordings()[0].load()
    assert raw.ch_names == EEG1_CHANNELS
    assert (raw.info["sfreq"], raw.n_times) == (EEG1_SFREQ, EEG1_N_SAMPLES)
    written = 1e-5 * np.random.default_rng(1).standard_normal((len(EEG1_CHANNELS), EEG1_N_SAMPLES))
    np.testing.assert_allclose(raw.get_data(), written, rtol=1e-6, atol=1e-12)  # float32 microvolts
    assert raw.get_montage() is not None
    assert np.linalg.norm(raw.info["chs"][4]["loc"][:3]) > 0.05  # Cz from the standard montage


def test_events_of_an_early_subject_without_test_images(root):
    events = Grootswagers2022Human(root, subjects=[1]).recordings()[0].events()
    assert tuple(events.columns) == EVENT_COLUMNS
    assert events["onset"].tolist() == [1.724, 1.824, 2.024]
    assert events["stimulus"].tolist() == ["carousel_11s", "piano_05n", "carousel_02s"]
    assert events["category"].tolist() == ["carousel", "piano", "carousel"]
    assert events["split"].tolist() == ["train"] * 3
    assert events["duration"].tolist() == [eeg1_stimdur(0), eeg1_stimdur(1), eeg1_stimdur(2)]
    assert (events["kind"] == "stimulus").all() and events["rt"].isna().all()


def test_events_of_a_later_subject_with_test_images(root):
    events = Grootswagers2022Human(root, subjects=[2]).recordings()[0].events()
    assert events["onset"].tolist() == EEG1_ONSETS
    assert events["stimulus"].tolist() == ["carousel_11s", "piano_05n", "oatmeal_16s", "carousel_02s", "oatmeal_16s"]
    # test rows have object == -1: the category comes from the stim path's folder
    assert events["category"].tolist() == ["carousel", "piano", "oatmeal", "carousel", "oatmeal"]
    assert events["split"].tolist() == ["train", "train", "test", "train", "test"]


def test_stimuli_paths_exist(root):
    stimuli = Grootswagers2022Human(root).stimuli()
    assert tuple(stimuli.columns) == STIMULUS_COLUMNS
    assert stimuli.index.tolist() == ["carousel_02s", "carousel_11s", "oatmeal_16s", "piano_05n"]
    assert stimuli["split"].tolist() == ["train", "train", "test", "train"]
    assert stimuli["category"].tolist() == ["carousel", "carousel", "oatmeal", "piano"]
    assert stimuli.loc["oatmeal_16s", "image"] == str((root / "stimuli" / "oatmeal" / "oatmeal_16s.jpg").resolve())
    assert all(Path(p).is_file() for p in stimuli["image"])


def test_registry_names(root):
    for name in ("grootswagers2022human", "things-eeg1"):
        study = get_study(name, root=root)
        assert isinstance(study, Grootswagers2022Human) and study.root == root
    assert Grootswagers2022Human(root, subjects=[3, 1]).params() == {
        "name": "Grootswagers2022Human", "subjects": ["1", "3"], "sessions": None}


def test_missing_data_names_folder_and_fix(tmp_path, root):
    with pytest.raises(NeuroarenaError, match="nowhere") as info:
        Grootswagers2022Human(tmp_path / "nowhere").recordings()
    assert "neuroarena eeg image --dataset things-eeg1 --download" in str(info.value)
    with pytest.raises(NeuroarenaError, match=r"no recording of subject\(s\) 7 \(found: 01, 02\)"):
        Grootswagers2022Human(root, subjects=[1, 7]).recordings()
    with pytest.raises(NeuroarenaError, match="stimuli: stimulus images not found"):
        Grootswagers2022Human(tmp_path).stimuli()


def test_bad_events_files(tmp_path):
    path = tmp_path / "sub-01_task-rsvp_events.tsv"
    path.write_text("onset\tduration\tstim\n1.0\t50\tstimuli\\a\\a_01b.jpg\n")
    with pytest.raises(NeuroarenaError, match=r"lacks columns \['stimdur'\]"):
        read_rsvp_events(path)
    path.write_text("onset\tstim\tstimdur\n1.0\tstimuli\\a\\a_01b.jpg\t0.05\nsoon\tstimuli\\a\\a_02s.jpg\t0.05\n")
    with pytest.raises(NeuroarenaError, match="column 'onset' is not a number in row 2"):
        read_rsvp_events(path)
    with pytest.raises(NeuroarenaError, match="events file not found"):
        read_rsvp_events(tmp_path / "absent.tsv")
    path.write_text("onset\tstim\tstimdur\n1.0\tstimuli/a/a_01b.jpg\t0.05\n")  # forward slashes read too
    assert read_rsvp_events(path)[["stimulus", "category"]].values.tolist() == [["a_01b", "a"]]
