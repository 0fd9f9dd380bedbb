"""Each study lists the files that shape each recording (its store is keyed by their sizes and times)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from alljoined_fixtures import write_alljoined1, write_alljoined16m
from multisession_fixtures import CH_NAMES, write_bids, write_course
from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.build import store_key
from neuroarena.prepare.config import PrepareConfig
from neuroarena.studies.alljoined import Xu2024Alljoined
from neuroarena.studies.alljoined_16m import Xu2025Alljoined
from neuroarena.studies.base import Recording, Study
from neuroarena.studies.multisession import Wang2025Multisession
from neuroarena.studies.things_eeg1 import Grootswagers2022Human
from neuroarena.studies.things_eeg2 import Gifford2022Large
from things_eeg1_fixtures import write_things_eeg1
from things_eeg2_fixtures import write_things_eeg2, write_things_eeg2_preprocessed


def first_inputs(study: Study) -> list[str]:
    """The input files of the study's first recording, relative to its root."""
    return [p.relative_to(study.root).as_posix() for p in study.recordings()[0].inputs()]


def test_a_recording_without_files_is_its_path(tmp_path):
    recording = Recording("x", "01", "", "", "t", tmp_path / "a.fif", loader=list, events_loader=list)
    assert recording.inputs() == (tmp_path / "a.fif",)


def test_things_eeg1_adds_participants_when_it_decides_exclusions(tmp_path):
    write_things_eeg1(tmp_path)
    vhdr = "sub-02/eeg/sub-02_task-rsvp"
    own = [f"{vhdr}_{name}" for name in ("channels.tsv", "eeg.eeg", "eeg.json", "eeg.vhdr", "eeg.vmrk", "events.tsv")]
    assert first_inputs(Grootswagers2022Human(tmp_path, subjects=[2])) == [*own, "participants.tsv"]
    assert first_inputs(Grootswagers2022Human(tmp_path, subjects=[2], exclude=False)) == own


@pytest.mark.parametrize("writer, partition", [(write_things_eeg2, "raw_data/sub-01/ses-01/raw_eeg"),
                                               (write_things_eeg2_preprocessed,
                                                "preprocessed_data/sub-01/preprocessed_eeg")])
def test_things_eeg2_lists_the_array_and_the_image_metadata(tmp_path, writer, partition):
    writer(tmp_path)
    assert first_inputs(Gifford2022Large(tmp_path)) == [f"{partition}_training.npy", "image_set/image_metadata.npy"]


def test_alljoined1_lists_every_parquet_file(tmp_path):
    write_alljoined1(tmp_path)
    assert first_inputs(Xu2024Alljoined(tmp_path)) == [
        "data/test-00000-of-00001.parquet", "data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]


def test_alljoined16m_lists_the_edf_and_the_stim_order(tmp_path):
    write_alljoined16m(tmp_path)
    edf, order = first_inputs(Xu2025Alljoined(tmp_path, subjects=[1]))
    assert edf.startswith("raw_eeg/sub-01/session_01/block_01/Subject 1, Session 1, Block 1") and edf.endswith(".edf")
    assert order == "preprocessed_eeg/sub-01/stim_order.parquet"


def test_ds005589_lists_the_recording_its_tables_and_the_captions(tmp_path):
    root = write_bids(tmp_path / "bids")
    run = "sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01"
    assert first_inputs(Wang2025Multisession(root, min_sessions=1)) == [
        f"{run}_eeg.cdt", f"{run}_eeg.cdt.dpa", f"{run}_image.csv", f"{run}_events.tsv", "captions.txt"]
    course = write_course(tmp_path / "course")
    assert first_inputs(Wang2025Multisession(course, layout="course", min_sessions=1, ch_names=CH_NAMES)) == [
        f"ds005589/{run}_1000Hz.npy", f"ds005589/{run}_image.csv", "captions.txt"]


def test_an_edited_table_changes_the_store_key(tmp_path):
    root = write_bids(tmp_path / "bids")
    before = store_key(Wang2025Multisession(root, min_sessions=1), PrepareConfig())
    table = Path(root, "sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_image.csv")
    stat = table.stat()
    os.utime(table, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert store_key(Wang2025Multisession(root, min_sessions=1), PrepareConfig()) != before


def test_a_bad_event_code_of_ds005589_is_one_line(tmp_path):
    root = write_bids(tmp_path / "bids")
    events = Path(root, "sub-02/ses-01/sub-02_ses-01_task-lowSpeed_run-01_events.tsv")
    lines = events.read_text().splitlines(keepends=True)
    lines[1] = lines[1].rsplit("\t", 1)[0] + "\tone\n"
    events.write_text("".join(lines))
    with pytest.raises(NeuroarenaError) as info:
        Wang2025Multisession(root, min_sessions=1).recordings()[0].events()
    assert str(info.value) == f"{events}: eventnumber 'one' is not a whole number -> restore the events table from " \
                              "the release"
