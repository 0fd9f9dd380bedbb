from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import EVENT_COLUMNS, STIMULUS_COLUMNS, SkippedWarning
from neuroarena.studies.registry import get_study
from neuroarena.studies.things_eeg1 import (
    ChannelsLeftOutWarning, Grootswagers2022Human, OnsetUnitWarning, read_rsvp_events,
)
from things_eeg1_fixtures import (
    EEG1_CHANNELS, EEG1_COLUMNS_SUB06, EEG1_N_SAMPLES, EEG1_ONSETS, EEG1_SFREQ, eeg1_signal, eeg1_stimdur,
    write_things_eeg1,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),  # mne-bids: sidecar fields the fixture leaves out
    pytest.mark.filterwarnings("ignore::neuroarena.studies.base.SkippedWarning"),
    pytest.mark.filterwarnings("ignore::neuroarena.studies.things_eeg1.ChannelsLeftOutWarning"),
]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """sub-01 (20 columns, excluded), sub-02 (22 columns), sub-06 (15 columns, excluded), sub-49 (127 channels)."""
    path = tmp_path_factory.mktemp("things-eeg1")
    write_things_eeg1(path)
    return path


def test_excluded_subjects_are_skipped_by_default(root):
    study = Grootswagers2022Human(root)
    with pytest.warns(SkippedWarning, match="sub-01 skipped: participants.tsv marks it excluded"):
        recordings = study.recordings()
    assert [r.id for r in recordings] == ["sub-02_task-rsvp", "sub-49_task-rsvp"]
    assert study.skipped == [
        {"recording": f"sub-{s}", "reason": "participants.tsv marks it excluded (exclude=False loads it)"}
        for s in ("01", "06")]
    everyone = Grootswagers2022Human(root, exclude=False)
    assert [r.subject for r in everyone.recordings()] == ["01", "02", "06", "49"] and everyone.skipped == []
    assert [r.path.name for r in everyone.recordings()][0] == "sub-01_task-rsvp_eeg.vhdr"
    with pytest.raises(NeuroarenaError, match=r"participants.tsv: participants.tsv marks subject 6 excluded -> "
                                              r"leave it out of subjects, or pass exclude=False"):
        Grootswagers2022Human(root, subjects=[2, 6]).recordings()
    assert [r.subject for r in Grootswagers2022Human(root, subjects=[6], exclude=False).recordings()] == ["06"]


def test_without_an_exclude_column_every_subject_loads_with_a_warning(tmp_path):
    write_things_eeg1(tmp_path, subjects=(1, 2), exclude_column=False, images=False)
    with pytest.warns(UserWarning, match="participants.tsv: no exclude column, every subject loads"):
        assert [r.subject for r in Grootswagers2022Human(tmp_path).recordings()] == ["01", "02"]
    (tmp_path / "participants.tsv").write_text("participant_id\texclude\nsub-01\tmaybe\nsub-02\t0\n")
    with pytest.raises(NeuroarenaError, match="exclude is 'maybe' for sub-01"):
        Grootswagers2022Human(tmp_path).recordings()
    (tmp_path / "participants.tsv").write_text("participant_id\texclude\nsub-01\tTrue\nsub-02\tn/a\n")
    assert [r.subject for r in Grootswagers2022Human(tmp_path).recordings()] == ["02"]


def test_raw_as_written(root):
    raw = Grootswagers2022Human(root, subjects=[2]).recordings()[0].load()
    assert raw.ch_names == EEG1_CHANNELS and len(raw.ch_names) == 63
    assert (raw.info["sfreq"], raw.n_times) == (EEG1_SFREQ, EEG1_N_SAMPLES)
    np.testing.assert_allclose(raw.get_data(), eeg1_signal(2), rtol=1e-6, atol=1e-12)  # float32 microvolts
    assert np.linalg.norm(raw.info["chs"][0]["loc"][:3]) > 0.05  # Fp1 from the standard montage


def test_sub49_keeps_the_63_channels_every_subject_has(root):
    study = Grootswagers2022Human(root)
    with pytest.warns(ChannelsLeftOutWarning, match=r"sub-49: 64 channels left out to keep the 63 every chosen "
                                                    r"recording has \(AFF1h, AFF2h, AFF3h, AFF4h, ...\)"):
        sub02, sub49 = study.recordings()
    raw = sub49.load()
    assert raw.ch_names == EEG1_CHANNELS
    np.testing.assert_allclose(raw.get_data(), eeg1_signal(49)[:63], rtol=1e-6, atol=1e-12)
    assert sub02.load().ch_names == raw.ch_names
    alone = Grootswagers2022Human(root, subjects=[49]).recordings()[0].load()
    assert alone.ch_names == EEG1_CHANNELS  # its first 63, as the authors keep (1:63)


def test_channels_are_matched_by_name(tmp_path):
    """A 128-workspace recording whose first 63 hold Cz instead of FCz: both go, the other 62 stay."""
    write_things_eeg1(tmp_path, subjects=(2, 50), images=False)
    for name in ("sub-50_task-rsvp_eeg.vhdr", "sub-50_task-rsvp_channels.tsv"):
        path = tmp_path / "sub-50" / "eeg" / name
        path.write_text(path.read_text(encoding="utf-8").replace("=FCz,", "=Cz,").replace("\nFCz\t", "\nCz\t"),
                        encoding="utf-8")
    with pytest.warns(ChannelsLeftOutWarning) as caught:
        sub02, sub50 = Grootswagers2022Human(tmp_path).recordings()
    assert [str(w.message) for w in caught if w.category is ChannelsLeftOutWarning] == [
        "sub-02: 1 channels left out to keep the 62 every chosen recording has (FCz, ...)",
        "sub-50: 65 channels left out to keep the 62 every chosen recording has (Cz, AFF1h, AFF2h, AFF3h, ...)"]
    expected = [name for name in EEG1_CHANNELS if name != "FCz"]
    assert sub02.load().ch_names == sub50.load().ch_names == expected


def test_store_of_63_and_127_channel_subjects_has_one_channel_list(root, tmp_path):
    from neuroarena.prepare.build import build_store
    from neuroarena.prepare.config import PrepareConfig

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="filter_length")  # 4 s fixture recordings, 0.5 Hz high-pass
        store = build_store(Grootswagers2022Human(root), PrepareConfig(), tmp_path, progress=False)
    assert store.ch_names == EEG1_CHANNELS
    assert store.metadata["recording"].unique().tolist() == ["sub-02_task-rsvp", "sub-49_task-rsvp"]
    assert [s["recording"] for s in store.manifest["skipped"]] == ["sub-01", "sub-06"]


def test_events_of_sub01_without_test_images(root):
    events = Grootswagers2022Human(root, subjects=[1], exclude=False).recordings()[0].events()
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


def test_events_of_sub06_without_stimdur(root):
    path = root / "sub-06" / "eeg" / "sub-06_task-rsvp_events.tsv"
    assert path.read_text().splitlines()[0].split("\t") == EEG1_COLUMNS_SUB06 and len(EEG1_COLUMNS_SUB06) == 15
    events = Grootswagers2022Human(root, subjects=[6], exclude=False).recordings()[0].events()
    assert events["duration"].tolist() == [0.05] * 5  # the duration column: 50 ms
    assert events["onset"].tolist() == EEG1_ONSETS
    assert events["split"].tolist() == ["train", "train", "test", "train", "test"]


def test_onsets_in_samples_before_1_2_0_are_converted_with_a_warning(tmp_path):
    write_things_eeg1(tmp_path, subjects=(2,), samples=True, images=False)
    path = tmp_path / "sub-02" / "eeg" / "sub-02_task-rsvp_events.tsv"
    assert path.read_text().splitlines()[1].split("\t")[0] == "1724"
    with pytest.warns(OnsetUnitWarning, match=r"onsets are in samples \(ds003825 before 1.2.0\); divided by 1000"):
        events = Grootswagers2022Human(tmp_path).recordings()[0].events()
    np.testing.assert_allclose(events["onset"], EEG1_ONSETS)
    # no sample column: integer onsets far beyond any recording's length in seconds
    path.write_text("onset\tduration\tstim\n40930\t50\tstimuli\\a\\a_01b.jpg\n2950000\t50\tstimuli\\a\\a_02s.jpg\n")
    with pytest.warns(OnsetUnitWarning):
        assert read_rsvp_events(path)["onset"].tolist() == [40.93, 2950.0]
    path.write_text("onset\tduration\tstim\n40.93\t50\tstimuli\\a\\a_01b.jpg\n2950\t50\tstimuli\\a\\a_02s.jpg\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", OnsetUnitWarning)
        assert read_rsvp_events(path)["onset"].tolist() == [40.93, 2950.0]


def test_onsets_neither_in_seconds_nor_in_samples_are_refused(tmp_path):
    path = tmp_path / "sub-02_task-rsvp_events.tsv"
    path.write_text("onset\tstim\tstimdur\tsample\n40.93\tstimuli\\a\\a_01b.jpg\t0.05\t40930\n"
                    "4.1\tstimuli\\a\\a_02s.jpg\t0.05\t41030\n")
    with pytest.raises(NeuroarenaError, match=r"onset 4.1 in row 2 is neither sample / 1000 \(seconds\) nor sample "
                                              r"\(41030\) -> download ds003825 version 1.2.0 again"):
        read_rsvp_events(path)


def test_download_pins_version_1_2_0(tmp_path, monkeypatch):
    import openneuro

    calls = []
    monkeypatch.setattr(openneuro, "download", lambda **kwargs: calls.append(kwargs))
    Grootswagers2022Human(tmp_path, subjects=[2, 49]).download()
    assert calls[0]["dataset"] == "ds003825" and calls[0]["tag"] == "1.2.0"
    assert calls[0]["target_dir"] == str(tmp_path)
    assert calls[0]["exclude"][0] == "derivatives" and len(calls[0]["exclude"]) == 1 + 48
    assert "sub-02" not in calls[0]["exclude"] and "sub-01" in calls[0]["exclude"]

    def refuse(**kwargs):
        raise FileExistsError("You requested to download revision 1.2.0, but revision 1.1.1 exists locally")

    monkeypatch.setattr(openneuro, "download", refuse)
    with pytest.raises(NeuroarenaError, match="will not add version 1.2.0 here .*download into an empty folder"):
        Grootswagers2022Human(tmp_path).download()


def test_stimuli_paths_exist(root):
    stimuli = Grootswagers2022Human(root).stimuli()
    assert tuple(stimuli.columns) == STIMULUS_COLUMNS
    assert stimuli.index.tolist() == ["carousel_02s", "carousel_11s", "oatmeal_16s", "piano_05n"]
    assert stimuli["split"].tolist() == ["train", "train", "test", "train"]
    assert stimuli["category"].tolist() == ["carousel", "carousel", "oatmeal", "piano"]
    assert stimuli.loc["oatmeal_16s", "image"] == str((root / "stimuli" / "oatmeal" / "oatmeal_16s.jpg").resolve())


def test_stimuli_without_images_say_where_to_get_them(tmp_path):
    write_things_eeg1(tmp_path, subjects=(2,), images=False)
    with pytest.raises(NeuroarenaError) as info:
        Grootswagers2022Human(tmp_path).stimuli()
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'stimuli'}: no stimulus images: OpenNeuro ds003825 ships none")
    assert "images_THINGS.zip from https://osf.io/jum2f/ (password-protected: the password is given on that OSF " \
           "page)" in message
    assert f"object_images/<concept>/<file>.jpg as {tmp_path / 'stimuli'}/<concept>/<file>.jpg" in message
    assert "--download" not in message
    (tmp_path / "stimuli" / "piano").mkdir(parents=True)
    with pytest.raises(NeuroarenaError, match=r"4 of 4 images are missing, e.g. .*carousel_11s.jpg"):
        Grootswagers2022Human(tmp_path).stimuli()


def test_registry_names(root):
    for name in ("grootswagers2022human", "things-eeg1"):
        study = get_study(name, root=root)
        assert isinstance(study, Grootswagers2022Human) and study.root == root
    assert Grootswagers2022Human(root, subjects=[3, 1]).params() == {
        "name": "Grootswagers2022Human", "subjects": ["1", "3"], "sessions": None, "exclude": True,
        "skip_unreadable": False}
    assert Grootswagers2022Human(root, exclude=False).params()["exclude"] is False
    with pytest.raises(NeuroarenaError, match="exclude must be true or false, not 'no'"):
        Grootswagers2022Human(root, exclude="no")


def test_missing_data_names_folder_and_fix(tmp_path, root):
    with pytest.raises(NeuroarenaError, match="nowhere") as info:
        Grootswagers2022Human(tmp_path / "nowhere").recordings()
    assert "neuroarena eeg image --dataset things-eeg1 --download" in str(info.value)
    with pytest.raises(NeuroarenaError, match=r"no recording of subject\(s\) 7 \(found: 02, 49\)"):
        Grootswagers2022Human(root, subjects=[2, 7]).recordings()


def test_bad_events_files(tmp_path):
    path = tmp_path / "sub-01_task-rsvp_events.tsv"
    path.write_text("onset\tsample\tstim_file\n1.0\t1000\tstimuli\\a\\a_01b.jpg\n")
    with pytest.raises(NeuroarenaError, match=r"lacks columns \['stim', 'stimdur or duration'\]"):
        read_rsvp_events(path)
    path.write_text("onset\tstim\tstimdur\n1.0\tstimuli\\a\\a_01b.jpg\t0.05\nsoon\tstimuli\\a\\a_02s.jpg\t0.05\n")
    with pytest.raises(NeuroarenaError, match="column 'onset' is not a number in row 2"):
        read_rsvp_events(path)
    path.write_text("onset\tstim\tduration\n1.0\tstimuli\\a\\a_01b.jpg\tn/a\n")
    with pytest.raises(NeuroarenaError, match="column 'duration' is not a number in row 1"):
        read_rsvp_events(path)
    with pytest.raises(NeuroarenaError, match="events file not found"):
        read_rsvp_events(tmp_path / "absent.tsv")
    path.write_text("onset\tstim\tstimdur\n1.0\tstimuli/a/a_01b.jpg\t0.05\n")  # forward slashes read too
    assert read_rsvp_events(path)[["stimulus", "category"]].values.tolist() == [["a_01b", "a"]]
