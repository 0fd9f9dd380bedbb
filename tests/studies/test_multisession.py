from __future__ import annotations

import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

from multisession_fixtures import (
    CH_NAMES, IMAGES, N_TIMES, ON_DISK, SESSIONS, SUBJECTS, TRIALS, run_epochs, run_images, write_bids,
    write_course,
)
from neuroarena.errors import NeuroarenaError
from neuroarena.home import data_dir
from neuroarena.prepare.build import build_store
from neuroarena.prepare.config import PrepareConfig
from neuroarena.splits.by_session import BySession
from neuroarena.studies.base import EVENT_COLUMNS, STIMULUS_COLUMNS, SkippedWarning
from neuroarena.studies.multisession import Wang2025Multisession, image_id, read_captions, read_image_table
from neuroarena.studies.registry import get_study

SLOW_IDS = [f"sub-{s}_ses-{int(ses)}_task-lowSpeed_run-1" for s in SUBJECTS for ses in SESSIONS]
#: What the BIDS fixture's default study leaves out, in order (the course copy: the last two).
COMBINED_SKIPS = [
    {"recording": "sub-05_ses-03_task-lowSpeed_run-02",
     "reason": "no recording of its own (sub-05_ses-03_task-lowSpeed_run-02_eeg.cdt absent); its folder has "
               "sub-05_ses-03_task-rsvpAndLowSpeed_run-01_eeg.cdt, a recording of several runs"},
    {"recording": "sub-05_ses-03_task-rsvpAndLowSpeed_run-01",
     "reason": "one recording of several runs (sub-05_ses-03_task-rsvpAndLowSpeed_run-01_eeg.cdt): the release "
               "says neither which runs nor where each starts; not read"},
]
FEW_SKIPS = [
    {"recording": "sub-07", "reason": "only 1 session of lowSpeed runs, fewer than min_sessions=5 (the session split "
                                      "needs 5)"},
    {"recording": "sub-11", "reason": "only 3 sessions of lowSpeed runs, fewer than min_sessions=5 (the session split "
                                      "needs 5)"},
]


def quiet(study):
    """The study's recordings, its SkippedWarnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedWarning)
        return study.recordings()


@pytest.fixture(scope="module")
def bids_root(tmp_path_factory):
    return write_bids(tmp_path_factory.mktemp("ms") / "ds005589")


@pytest.fixture(scope="module")
def course_root(tmp_path_factory):
    return write_course(tmp_path_factory.mktemp("ms") / "11785-gp-eeg")


def test_bids_recordings_channels_and_data(bids_root):
    recordings = quiet(Wang2025Multisession(bids_root))
    assert [r.id for r in recordings] == SLOW_IDS
    first = recordings[0]
    assert (first.study, first.subject, first.session, first.run, first.task) == (
        "Wang2025Multisession", "02", "1", "1", "lowSpeed")
    assert first.path == bids_root / "sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_eeg.cdt"
    raw = first.load()
    assert raw.ch_names == CH_NAMES and raw.info["sfreq"] == 1000.0 and raw.n_times == TRIALS * N_TIMES
    epochs = run_epochs("02", "01", "lowSpeed")  # microvolts -> volts, trial k at samples k*500..
    np.testing.assert_allclose(raw.get_data()[:, N_TIMES:2 * N_TIMES], epochs[1] * 1e-6, rtol=1e-6)
    cz = raw.info["chs"][1]["loc"][:3]
    assert np.linalg.norm(cz) == pytest.approx(0.1, abs=0.03)  # on the scalp, in metres


def test_bids_events_skip_answer_codes_and_convert_samples(bids_root):
    recording = quiet(Wang2025Multisession(bids_root, subjects=["05"]))[2]
    events = recording.events()
    assert recording.id == "sub-05_ses-3_task-lowSpeed_run-1"
    images = run_images("05", "03", "lowSpeed")
    assert tuple(events.columns) == EVENT_COLUMNS
    assert events["onset"].tolist() == [0.0, 0.5, 1.0, 1.5]  # samples 0, 500, ... at 1000 Hz
    assert events["kind"].tolist() == ["stimulus"] * 4 and events["duration"].tolist() == [1.0] * 4
    assert events["stimulus"].tolist() == [image for _, image, _ in images]
    assert events["category"].tolist() == [category for category, _, _ in images]
    assert events["caption"].tolist() == [caption for _, _, caption in images]
    assert events["split"].tolist() == [""] * 4 and events["rt"].isna().all()


def test_rapid_runs_drop_targets_and_sequence_lines(bids_root, course_root):
    for study in (Wang2025Multisession(bids_root, presentation="rapid", min_sessions=1),
                  Wang2025Multisession(course_root, layout="course", presentation="rapid", subjects=["02"])):
        (recording,) = quiet(study)
        assert recording.id == "sub-02_ses-1_task-rsvp_run-1"
        events = recording.events()
        assert events["onset"].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
        assert events["stimulus"].tolist() == [image for _, image, _ in run_images("02", "01", "rsvp")]
        assert events["duration"].tolist() == [0.1] * 6
    both = quiet(Wang2025Multisession(bids_root, presentation="both"))
    assert [r.id for r in both][:3] == ["sub-02_ses-1_task-lowSpeed_run-1", "sub-02_ses-1_task-rsvp_run-1",
                                       "sub-02_ses-2_task-lowSpeed_run-1"]
    assert len(both) == 11


def test_course_layout_gives_the_same_recordings(bids_root, course_root):
    bids = quiet(Wang2025Multisession(bids_root))
    course = quiet(Wang2025Multisession(course_root, layout="course", ch_names=CH_NAMES))
    assert [r.id for r in course] == SLOW_IDS
    assert course[0].path.name == "sub-02_ses-01_task-lowSpeed_run-01_1000Hz.npy"
    for b, c in zip(bids, course):
        pd.testing.assert_frame_equal(b.events(), c.events())
    raw_b, epochs_c = bids[7].load(), course[7].load()
    assert epochs_c.ch_names == CH_NAMES and epochs_c.info["sfreq"] == 1000.0
    assert (len(epochs_c), epochs_c.tmin, len(epochs_c.times)) == (4, 0.0, 500)
    np.testing.assert_allclose(np.concatenate(list(epochs_c.get_data()), axis=1), raw_b.get_data(), rtol=1e-6)
    # standard positions, in the head frame that set_montage moves them to
    assert np.linalg.norm(epochs_c.info["chs"][3]["loc"][:3]) == pytest.approx(0.1, abs=0.03)


def test_course_arrays_need_channel_names(course_root):
    with pytest.raises(NeuroarenaError, match="carry no channel names -> pass ch_names"):
        quiet(Wang2025Multisession(course_root, layout="auto"))[0].load()
    with pytest.raises(NeuroarenaError, match="has 6 channels but ch_names lists 2"):
        quiet(Wang2025Multisession(course_root, layout="course", ch_names=["Fz", "Cz"]))[0].load()


def test_trial_and_row_mismatch(tmp_path):
    root = write_course(tmp_path / "course")
    table = root / "ds005589/sub-05/ses-04/sub-05_ses-04_task-lowSpeed_run-01_image.csv"
    table.write_text("\r\n".join(table.read_text().splitlines()[:-1]) + "\r\n")
    recording = quiet(Wang2025Multisession(root, layout="course", subjects=["sub-05"]))[3]
    with pytest.raises(NeuroarenaError, match=r"sub-05_ses-04_task-lowSpeed_run-01_1000Hz\.npy holds 4 trials "
                                              r"but sub-05_ses-04_task-lowSpeed_run-01_image\.csv lists 3 images"):
        recording.events()
    bids = write_bids(tmp_path / "bids")
    table = bids / "sub-02/ses-02/sub-02_ses-02_task-lowSpeed_run-01_image.csv"
    table.write_text(table.read_text() + "C:\\x\\pic_10000_resized\\cow\\000001_resized.jpg\r\n")
    with pytest.raises(NeuroarenaError, match="events.tsv has 4 image events but .*image.csv lists 5 images"):
        quiet(Wang2025Multisession(bids))[1].events()


def test_folder_errors(tmp_path, bids_root, course_root):
    with pytest.raises(NeuroarenaError, match="nowhere: Wang2025Multisession folder not found") as info:
        Wang2025Multisession(tmp_path / "nowhere").recordings()
    assert "--dataset wang2025multisession --download" in str(info.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(NeuroarenaError, match="neither the BIDS release"):
        Wang2025Multisession(tmp_path / "empty", layout="auto").recordings()
    with pytest.raises(NeuroarenaError, match="holds the course layout, not the bids one"):
        Wang2025Multisession(course_root).recordings()
    with pytest.raises(NeuroarenaError, match="no lowSpeed run of subject\\(s\\) 09"):
        Wang2025Multisession(bids_root, subjects=["02", "09"]).recordings()
    with pytest.raises(NeuroarenaError, match="course layout has no public download") as info:
        Wang2025Multisession(tmp_path / "c", layout="course").download()
    assert "captions.txt" in str(info.value) and "_image.csv" in str(info.value)


def test_stimuli_tables(bids_root, course_root):
    for root, layout in ((bids_root, "bids"), (course_root, "course")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SkippedWarning)
            table = Wang2025Multisession(root, layout=layout, presentation="both").stimuli()
        assert tuple(table.columns) == STIMULUS_COLUMNS and table.index.name == "stimulus"
        assert table.index.tolist() == sorted(image for _, image, _ in IMAGES)
        assert table.loc["000668", "category"] == "flower"
        assert table.loc["000668", "caption"] == "Red flowers\tin a clay pot"
        assert set(table["split"]) == {""}
        present = table[table["image"] != ""]
        assert set(present.index) == ON_DISK
        assert present.loc["2008_000716", "image"].endswith(
            "stimuli/aeroplane/2008_000716_resized.jpg" if layout == "bids" else "images/2008_000716.jpg")


def test_registry_params_and_default_root(bids_root):
    study = get_study("ds005589", root=bids_root)
    assert isinstance(study, Wang2025Multisession)
    assert get_study("Wang2025Multisession").root == data_dir() / "Wang2025Multisession"
    assert study.params() == {"name": "Wang2025Multisession", "root": str(bids_root), "layout": "bids",
                              "presentation": "slow", "subjects": None, "sessions": None,
                              "ch_names": None, "min_sessions": 5, "skip_unreadable": False}
    with pytest.raises(NeuroarenaError, match="unknown presentation 'fast'"):
        Wang2025Multisession(bids_root, presentation="fast")


def test_caption_file_and_image_names(tmp_path):
    path = tmp_path / "captions.txt"
    path.write_text("ImageNet\tbird\tn01530575_1009.jpg\tA bird\n\nPASCAL\tcat\t2009_000001\tA cat\t, lying\n")
    assert read_captions(path) == {"n01530575_1009": "A bird", "2009_000001": "A cat\t, lying"}
    path.write_text("dataset\tcategory\timage_name\tabstracted\nPASCAL\tcat\t2009_000001\n")
    with pytest.raises(NeuroarenaError, match="line 2 has 3 tab-separated fields"):
        read_captions(path)
    assert image_id("C:\\eeg\\pic_10000_resized\\bird\\n01530575_1009_resized.jpg") == "n01530575_1009"
    assert image_id("2008_000716.JPG") == "2008_000716"
    table = tmp_path / "run_image.csv"
    table.write_text("FilePath\n\nC:\\pic\\bird\\n1_resized.jpg\nC:\\pic\\pottedplant\\2_resized.jpg\n")
    with pytest.raises(NeuroarenaError, match="line 4: image folder 'pottedplant' is not one of the 20"):
        read_image_table(table)


@pytest.mark.parametrize("layout", ["bids", "course"])
def test_store_and_session_split(layout, bids_root, course_root, tmp_path):
    config = PrepareConfig(l_freq=None, h_freq=40.0, notch=[], sfreq=100.0, window_start=0.0,
                           window_duration=0.4, baseline=None)
    study = (Wang2025Multisession(bids_root) if layout == "bids"
             else Wang2025Multisession(course_root, layout="course", ch_names=CH_NAMES))
    with pytest.warns(SkippedWarning):
        store = build_store(study, config, tmp_path / "cache", progress=False)
    assert (len(store), store.n_chans, store.n_times, store.sfreq) == (40, 6, 40, 100.0)
    assert store.manifest["skipped"] == (COMBINED_SKIPS if layout == "bids" else []) + FEW_SKIPS
    metadata = store.metadata
    assert metadata.groupby(["subject", "session"]).size().tolist() == [TRIALS] * 10
    split = BySession(train=3, val=1, test=1).split(metadata)
    assert split.sizes() == {"train": 24, "val": 8, "test": 8}
    for part, sessions in (("train", {"1", "2", "3"}), ("val", {"4"}), ("test", {"5"})):
        rows = metadata.set_index("window").loc[getattr(split, part)]
        assert rows.groupby("subject")["session"].agg(set).to_dict() == {s: sessions for s in SUBJECTS}


def test_subjects_with_too_few_sessions_are_left_out_unless_named(bids_root, course_root):
    study = Wang2025Multisession(bids_root)
    with pytest.warns(SkippedWarning) as caught:
        assert [r.id for r in study.recordings()] == SLOW_IDS
    assert study.skipped == COMBINED_SKIPS + FEW_SKIPS
    assert [str(w.message) for w in caught][2] == ("Wang2025Multisession: sub-07 skipped: only 1 session of lowSpeed "
                                                  "runs, fewer than min_sessions=5 (the session split needs 5)")
    course = Wang2025Multisession(course_root, layout="course")
    assert [r.id for r in quiet(course)] == SLOW_IDS and course.skipped == FEW_SKIPS
    named = Wang2025Multisession(bids_root, subjects=["07", "11"])
    assert [r.id for r in named.recordings()] == ["sub-07_ses-1_task-lowSpeed_run-1"] + [
        f"sub-11_ses-{k}_task-lowSpeed_run-1" for k in (1, 2, 3)]
    assert named.skipped == []
    three = Wang2025Multisession(bids_root, min_sessions=3)
    assert sorted({r.subject for r in quiet(three)}) == ["02", "05", "11"]
    assert three.skipped == COMBINED_SKIPS + [{"recording": "sub-07", "reason": "only 1 session of lowSpeed runs, "
                                                                "fewer than min_sessions=3 (the session split needs 5)"}]
    with pytest.raises(NeuroarenaError, match="min_sessions 0 is not a positive whole number"):
        Wang2025Multisession(bids_root, min_sessions=0)


def test_a_run_missing_a_table_is_skipped_and_its_subject_may_follow(bids_root, tmp_path):
    root = tmp_path / "ds005589"
    shutil.copytree(bids_root, root)
    (root / "sub-02/ses-04/sub-02_ses-04_task-lowSpeed_run-01_events.tsv").unlink()
    study = Wang2025Multisession(root)
    assert [r.subject for r in quiet(study)] == ["05"] * 5
    assert study.skipped[0] == {"recording": "sub-02_ses-04_task-lowSpeed_run-01",
                                "reason": "sub-02_ses-04_task-lowSpeed_run-01_events.tsv absent"}
    assert {"recording": "sub-02", "reason": "only 4 sessions of lowSpeed runs, fewer than min_sessions=5 (the "
                                             "session split needs 5)"} in study.skipped


@pytest.mark.filterwarnings("ignore::neuroarena.studies.base.SkippedWarning")
def test_release_without_stimuli_says_where_to_get_them(tmp_path):
    root = write_bids(tmp_path / "ds005589", stimuli=False)
    with pytest.warns(UserWarning, match=r"stimuli: this release has no stimuli/ folder \(no image to embed\) -> "
                                         r"fetch them: openneuro.download\(dataset='ds005589', tag='1.0.0', "
                                         r"include=\['stimuli'\], target_dir=<an empty folder>\) and move its "
                                         r"stimuli/ here"):
        table = Wang2025Multisession(root).stimuli()
    assert set(table["image"]) == {""} and (table["caption"] != "").all()  # captions can still be embedded
    (root / "captions.txt").unlink()
    with pytest.raises(NeuroarenaError, match=r"ds005589/stimuli: this release has no stimuli/ folder") as info:
        Wang2025Multisession(root).stimuli()
    assert "tag='1.0.0'" in str(info.value) and "\n" not in str(info.value)


def test_course_channel_names_from_a_file(course_root, bids_root, tmp_path):
    text = tmp_path / "channels.txt"
    text.write_text("# the cap's labels, in the arrays' order\n" + "\n".join(CH_NAMES) + "\n\n")
    header = bids_root / "sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_eeg.cdt.dpa"
    for source in (text, str(header)):
        study = Wang2025Multisession(course_root, layout="course", ch_names=source)
        assert study.params()["ch_names"] == CH_NAMES
        assert quiet(study)[0].load().ch_names == CH_NAMES
    with pytest.raises(NeuroarenaError, match="none.txt: channel-name file not found"):
        Wang2025Multisession(course_root, layout="course", ch_names=tmp_path / "none.txt").params()


def test_category_task_on_the_course_arrays_runs_no_filter_longer_than_an_epoch(course_root, tmp_path):
    from neuroarena.tasks.config import load_task

    study = Wang2025Multisession(course_root, layout="course", ch_names=CH_NAMES)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store = build_store(study, load_task("category").prepare, tmp_path, progress=False)
    runtime = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not [m for m in runtime if "longer than the signal" in m or "distortion is likely" in m], runtime
    assert store.manifest["adapted"] == [
        "high-pass 0.5 Hz left out: its 6.6 s filter is longer than the 0.5 s epochs (the release high-passed at "
        "0.1 Hz)",
        "notch 50 Hz left out: the release removed it",
        "window -0.2..0.8 s cut to 0..0.5 s: the release's epochs span 0..0.5 s",
        "baseline -0.2..0 s left out: the epochs hold no sample of it",
    ]
    applied = store.manifest["config"]
    assert (applied["l_freq"], applied["h_freq"], applied["notch"]) == (None, 40.0, [])
    assert (applied["window_start"], applied["window_duration"], applied["baseline"]) == (0.0, 0.5, None)
    assert (len(store), store.n_times, store.sfreq) == (40, 50, 100.0)
    assert store.manifest["skipped"] == FEW_SKIPS


def test_the_course_layout_from_a_dataset_yaml(course_root, tmp_path):
    from neuroarena.studies.spec import dataset_spec

    folder = tmp_path / "configs"
    folder.mkdir()
    (folder / "channels.txt").write_text("\n".join(CH_NAMES) + "\n")
    link = folder / "course"
    link.symlink_to(course_root)
    (folder / "course.yaml").write_text("study: ds005589\nroot: ./course\nlayout: course\nch_names: channels.txt\n")
    spec = dataset_spec(folder / "course.yaml")
    assert spec.params["root"] == str(course_root.resolve()) and spec.params["ch_names"] == str(folder / "channels.txt")
    study = spec.open()
    epochs = quiet(study)[0].load()
    assert epochs.ch_names == CH_NAMES and study.epoched().n_times == 500
    assert spec.label == "ds005589[layout=course]"
