"""Hbn2025Challenge read through its real path from a copy of two releases in eegdash's cache layout."""
from __future__ import annotations

import importlib.util
import shutil
import warnings

import numpy as np
import pytest

from hbn_fixtures import CCD_CORRECT, CCD_RT, CCD_STIMULI, signal, write_release_copy
from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.build import build_store
from neuroarena.prepare.config import PrepareConfig
from neuroarena.studies.base import EVENT_COLUMNS, SkippedWarning
from neuroarena.studies.hbn import EEGDASH_PIN, Hbn2025Challenge, read_recording
from neuroarena.studies.hbn_files import CHANNEL_NAMES, RELEASES, read_participants, write_bdf
from neuroarena.studies.hbn_trials import EXTRA_COLUMNS
from neuroarena.studies.registry import get_study
from neuroarena.studies.spec import dataset_spec, parse_params

CCD_IDS = ["sub-NDARAA111AAA_task-contrastChangeDetection_run-1", "sub-NDARAA111AAA_task-contrastChangeDetection_run-2",
           "sub-NDARBB222BBB_task-contrastChangeDetection_run-1", "sub-NDARCC333CCC_task-contrastChangeDetection_run-1",
           "sub-NDARCC333CCC_task-contrastChangeDetection_run-2"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return write_release_copy(tmp_path_factory.mktemp("eegdash-cache"))


def recordings(study: Hbn2025Challenge) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedWarning)
        return study.recordings()


def test_release_map_skips_ds005513():
    assert len(RELEASES) == 11 and "ds005513" not in RELEASES.values()
    assert RELEASES["R8"] == "ds005512" and RELEASES["R9"] == "ds005514" and RELEASES["R11"] == "ds005516"


def test_recordings_and_what_is_skipped(cache):
    study = Hbn2025Challenge(root=cache)
    with pytest.warns(SkippedWarning) as caught:
        found = study.recordings()
    assert [r.id for r in found] == CCD_IDS
    assert {(r.subject, r.session, r.run, r.task) for r in found[:1]} == {
        ("NDARAA111AAA", "", "1", "contrastChangeDetection")}
    # run 3 of every subject is marked unavailable and absent: not skipped, simply not there
    assert study.skipped == [
        {"recording": "sub-NDARBB222BBB_task-contrastChangeDetection_run-2",
         "reason": "sub-NDARBB222BBB_task-contrastChangeDetection_run-2_eeg.bdf is missing but marked 'available' "
                   "in ds005505-bdf/participants.tsv"},
        {"recording": "sub-NDARDD444DDD_task-contrastChangeDetection",
         "reason": "sub-NDARDD444DDD is not in ds005509-bdf/participants.tsv"},
    ]
    assert len(caught) == 2
    assert found[0].inputs()[-1] == cache / "ds005505-bdf" / "participants.tsv"


def test_loader_reads_the_bdf_as_written(cache):
    recording = recordings(Hbn2025Challenge(root=cache, releases=["R5"]))[0]
    raw = recording.load()
    assert raw.ch_names == list(CHANNEL_NAMES) and raw.info["sfreq"] == 100.0 and raw.n_times == 2000
    assert not raw.preload
    written = signal("ds005509-bdf", "NDARCC333CCC", "contrastChangeDetection", "1")
    peak = np.maximum(np.ceil(np.abs(written * 1e6).max(axis=1)), 1.0)  # the writer's range, µV (Cz: +-1)
    step = 2 * peak / (2 ** 24 - 1) * 1e-6  # one 24-bit step, volts
    assert (np.abs(raw.get_data() - written).max(axis=1) <= step * 1.001).all()
    assert np.linalg.norm(raw.info["chs"][0]["loc"][:3]) > 0.05  # HydroCel positions set (m from the centre)


def test_events_of_a_contrast_change_run(cache):
    by_id = {r.id: r for r in recordings(Hbn2025Challenge(root=cache))}
    events = by_id[CCD_IDS[0]].events()
    assert list(events.columns) == list(EVENT_COLUMNS + EXTRA_COLUMNS)
    stimuli = events[events["kind"] == "stimulus"]
    assert stimuli["onset"].tolist() == CCD_STIMULI
    np.testing.assert_allclose(stimuli["rt"], CCD_RT, atol=1e-9)
    np.testing.assert_allclose(stimuli["correct"], CCD_CORRECT)
    assert (events["kind"] == "crop").sum() == 9  # 20 s: 4 s windows at 0, 2, ..., 16 s
    assert events["p_factor"].eq(0.317).all() and events["attention"].eq(0.8190000000000001).all()
    assert events["externalizing"].eq(-0.22399999999999998).all() and events["age"].eq(9.3427).all()
    assert events["release"].eq("R1").all() and events["sex"].eq("M").all()
    na = by_id[CCD_IDS[2]].events()  # NDARBB222BBB: factors n/a
    assert na[["p_factor", "attention", "internalizing", "externalizing"]].isna().all().all()
    assert na["age"].eq(18.8954).all() and na["sex"].eq("F").all()


def test_movie_and_short_resting_state(cache):
    found = recordings(Hbn2025Challenge(root=cache, tasks=["RestingState", "theprESENT"]))
    assert [r.id for r in found] == ["sub-NDARAA111AAA_task-RestingState", "sub-NDARCC333CCC_task-ThePresent"]
    rest, movie = (r.events() for r in found)
    assert rest.empty  # 3 s: shorter than one Challenge 2 window
    rows = movie[movie["kind"] == "movie"]
    assert rows["onset"].tolist() == [1.5, 3.5, 5.5, 7.5, 9.5]
    assert rows["stimulus"].tolist() == [f"ThePresent@{t}" for t in (0, 2, 4, 6, 8)]
    assert (movie["kind"] == "crop").sum() == 6 and movie["release"].eq("R5").all()


def test_release_subject_and_mini_choices(cache):
    assert [r.id for r in recordings(Hbn2025Challenge(root=cache, releases=[5]))] == CCD_IDS[3:]
    assert [r.id for r in recordings(Hbn2025Challenge(root=cache, subjects=["sub-NDARAA111AAA"]))] == CCD_IDS[:2]
    mini = Hbn2025Challenge(root=cache, mini=True)
    assert [r.path.parent.parent.parent.name for r in recordings(mini)] == ["ds005509-bdf-mini"]
    assert mini.params() == {"name": "Hbn2025Challenge", "subjects": None, "sessions": None, "skip_unreadable": False,
                             "releases": None, "mini": True, "tasks": ["contrastChangeDetection"]}
    with pytest.raises(NeuroarenaError, match="no recording of subject"):
        recordings(Hbn2025Challenge(root=cache, subjects=["NDARZZ999ZZZ"]))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"releases": ["R13"]}, "unknown HBN release 'R13'"),
    ({"tasks": ["movie"]}, "unknown HBN task 'movie'"),
    ({"mini": "yes"}, "mini must be true or false"),
])
def test_bad_parameters(cache, kwargs, message):
    with pytest.raises(NeuroarenaError, match=message):
        Hbn2025Challenge(root=cache, **kwargs)


def test_missing_folders_and_files(cache, tmp_path):
    with pytest.raises(NeuroarenaError, match="ds005506-bdf not found"):
        Hbn2025Challenge(root=cache, releases=["R2"]).recordings()
    with pytest.raises(NeuroarenaError, match="HBN data folder not found"):
        Hbn2025Challenge(root=tmp_path / "absent").recordings()
    with pytest.raises(NeuroarenaError, match=r"no HBN release folder \(ds0055xx-bdf\) here"):
        Hbn2025Challenge(root=tmp_path).recordings()
    copy = tmp_path / "copy"
    shutil.copytree(cache / "ds005505-bdf", copy / "ds005505-bdf")
    (copy / "ds005505-bdf" / "participants.tsv").unlink()
    with pytest.raises(NeuroarenaError, match="participants.tsv not found"):
        Hbn2025Challenge(root=copy).recordings()


def test_a_subject_in_two_releases_is_an_error(cache, tmp_path):
    for folder in ("ds005505-bdf", "ds005509-bdf"):
        shutil.copytree(cache / folder, tmp_path / folder)
    shutil.copytree(tmp_path / "ds005505-bdf" / "sub-NDARAA111AAA", tmp_path / "ds005509-bdf" / "sub-NDARAA111AAA")
    with pytest.raises(NeuroarenaError) as error:
        Hbn2025Challenge(root=tmp_path).recordings()
    assert "sub-NDARAA111AAA is in two releases" in str(error.value)
    assert str(tmp_path / "ds005505-bdf") in str(error.value) and str(tmp_path / "ds005509-bdf") in str(error.value)


def test_participants_table(cache):
    table = read_participants(cache / "ds005505-bdf" / "participants.tsv")
    assert table.index.tolist() == ["NDARAA111AAA", "NDARBB222BBB"]
    assert table.loc["NDARAA111AAA", "contrastChangeDetection_3"] == "unavailable"
    assert np.isnan(table.loc["NDARBB222BBB", "externalizing"]) and table.loc["NDARAA111AAA", "release"] == "R1"


def test_registry_and_command_line_parameters(cache):
    assert isinstance(get_study("hbn", root=cache), Hbn2025Challenge)
    spec = dataset_spec("hbn2025challenge", {"root": str(cache), **parse_params(
        ["releases=[R5]", "mini=false", "tasks=[contrastChangeDetection, ThePresent]", "skip_unreadable=true"])})
    study = spec.open()
    assert (study.releases, study.mini, study.tasks, study.skip_unreadable) == (
        ["R5"], False, ("contrastChangeDetection", "ThePresent"), True)
    assert spec.label.startswith("hbn2025challenge[") and str(cache) not in spec.label


@pytest.mark.skipif(importlib.util.find_spec("eegdash") is not None, reason="eegdash installed: would download")
def test_download_without_eegdash_says_what_to_install(cache):
    with pytest.raises(NeuroarenaError, match=f'pip install "{EEGDASH_PIN}"'):
        Hbn2025Challenge(root=cache).download()


def test_bdf_writer_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    data = rng.standard_normal((3, 1037)) * np.array([[5e-6], [50e-6], [400e-6]])  # 1037: 0.01 s records
    write_bdf(tmp_path / "x.bdf", data, ["E1", "E2", "Cz"], 100.0)
    raw = read_recording(tmp_path / "x.bdf")
    assert raw.n_times == 1037 and raw.ch_names == ["E1", "E2", "Cz"]
    step = 2 * np.ceil(np.abs(data).max(axis=1) * 1e6) / (2 ** 24 - 1) * 1e-6
    assert (np.abs(raw.get_data() - data).max(axis=1) <= step * 1.001).all()
    assert (step < 2e-10).all()  # a 24-bit step of a few hundred µV: a fraction of a nanovolt


def test_contrast_change_windows_through_prepare(cache, tmp_path):
    study = Hbn2025Challenge(root=cache, skip_unreadable=True)
    config = PrepareConfig(l_freq=None, h_freq=None, notch=[], sfreq=100.0, reference="average", window_start=0.5,
                           window_duration=2.0, baseline=None, scaling="none", clip=None, dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedWarning)
        store = build_store(study, config, tmp_path, progress=False)
    metadata = store.metadata
    assert len(store) == 5 * 4 and metadata["recording"].unique().tolist() == CCD_IDS
    np.testing.assert_allclose(metadata["rt"].to_numpy().reshape(5, 4), np.tile(CCD_RT, (5, 1)), atol=1e-9)
    assert metadata["subject"].tolist()[:4] == ["NDARAA111AAA"] * 4 and metadata["session"].eq("").all()
