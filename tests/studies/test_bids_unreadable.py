"""A BIDS recording that cannot be read is an error naming its file, or, when asked, skipped with a count.

Each test damages a copy of the tiny simulated dataset (written through mne-bids): a header deleted or
truncated, a data file deleted or truncated, sampling rates that disagree, an events table with a bad
value, a renamed channel, a broken sidecar.
"""
from __future__ import annotations

import inspect
import json
import re
import shutil
from pathlib import Path

import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.build import build_store
from neuroarena.prepare.config import PrepareConfig
from neuroarena.studies.base import SkippedWarning
from neuroarena.studies.bids import BidsStudy
from neuroarena.studies.bids_files import eeg_files, orphan_recordings
from neuroarena.studies.registry import STUDIES, study_class
from neuroarena.studies.simulated.study import Simulated

#: The damaged recording: subject 01, session 2 (200 trials, as each of the three of subject 01).
DAMAGED = "sub-01/ses-2/eeg/sub-01_ses-2_task-things"
DAMAGED_ID = "sub-01_ses-2_task-things"
TRIALS = 200
SKIP = r"or skip unreadable recordings \(--skip-unreadable\)$"


@pytest.fixture
def bids(tiny_study, tmp_path) -> Path:
    """A copy of the tiny simulated BIDS dataset, free to damage."""
    root = tmp_path / "bids"
    shutil.copytree(tiny_study.root, root)
    return root


def build(root: Path, cache: Path, **params):
    """The store of subject 01 (three recordings) of the BIDS folder ``root``."""
    study = BidsStudy(root, task="things", subjects=["01"], **params)
    return study, build_store(study, PrepareConfig(), cache, progress=False)


def refused(root: Path, cache: Path) -> str:
    """The one-line error of building the store; no manifest is written."""
    with pytest.raises(NeuroarenaError) as info:
        build(root, cache)
    assert not list(cache.glob("prepare/*/manifest.json"))
    text = str(info.value)
    assert "\n" not in text
    return text


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_missing_header_is_an_error_naming_it(bids, tmp_path):
    header = bids / f"{DAMAGED}_eeg.vhdr"
    header.unlink()
    text = refused(bids, tmp_path / "cache")
    assert re.match(rf"^{header}: recording without its BrainVision header: its files "
                    rf"{DAMAGED_ID}_channels\.tsv, {DAMAGED_ID}_eeg\.eeg, .* are here but it is missing -> restore "
                    rf"it from the dataset's source \(or delete its other files\), {SKIP}", text), text


def test_missing_header_is_skipped_with_a_count_when_asked(bids, tmp_path):
    (bids / f"{DAMAGED}_eeg.vhdr").unlink()
    with pytest.warns(SkippedWarning, match=rf"bids: {DAMAGED_ID} skipped: .*_eeg\.vhdr: recording without"):
        study, store = build(bids, tmp_path / "cache", skip_unreadable=True)
    assert len(store) == 2 * TRIALS
    assert [shard["recording"] for shard in store.manifest["shards"]] == [
        "sub-01_ses-1_task-things", "sub-01_ses-3_task-things"]
    [entry] = store.manifest["skipped"]
    assert entry["recording"] == DAMAGED_ID and "recording without its BrainVision header" in entry["reason"]
    assert store.manifest["study"]["skip_unreadable"] is True
    with pytest.warns(SkippedWarning, match=DAMAGED_ID):  # the simulated study reads its files the same way
        simulated = Simulated(root=bids, preset="tiny", skip_unreadable=True)
        assert len(simulated.recordings()) == 5
    assert [e["recording"] for e in simulated.skipped] == [DAMAGED_ID]


def test_missing_data_file_is_named(bids, tmp_path):
    (bids / f"{DAMAGED}_eeg.eeg").unlink()
    text = refused(bids, tmp_path / "cache")
    assert re.match(rf"^{bids / DAMAGED}_eeg\.vhdr: the data file {DAMAGED_ID}_eeg\.eeg this header names is "
                    rf"missing -> restore {DAMAGED_ID}_eeg\.eeg next to the header, {SKIP}", text), text
    with pytest.warns(SkippedWarning, match="this header names is missing"):
        _, store = build(bids, tmp_path / "cache", skip_unreadable=True)
    assert len(store) == 2 * TRIALS and store.manifest["skipped"][0]["recording"] == DAMAGED_ID


def test_truncated_header_is_named(bids, tmp_path):
    header = bids / f"{DAMAGED}_eeg.vhdr"
    header.write_bytes(header.read_bytes()[:300])
    text = refused(bids, tmp_path / "cache")
    assert re.match(rf"^{header}: BrainVision header is truncated or damaged \(\[line 10\]: 'Numbe'\) -> repair or "
                    rf"restore the file from the dataset's source, {SKIP}", text), text
    header.write_bytes(b"")
    assert "its first line is not 'Brain Vision Data Exchange" in refused(bids, tmp_path / "cache")


def test_truncated_data_file_is_named(bids, tmp_path):
    data = bids / f"{DAMAGED}_eeg.eeg"
    data.write_bytes(data.read_bytes()[:1000])
    assert re.match(rf"^{data}: data file holds 1000 bytes, not a whole number of 32-channel samples of 4 bytes "
                    r"\(truncated\?\) -> ", refused(bids, tmp_path / "cache"))


def test_header_rate_other_than_the_sidecars_names_both(bids, tmp_path):
    header, sidecar = bids / f"{DAMAGED}_eeg.vhdr", bids / f"{DAMAGED}_eeg.json"
    edit(header, "SamplingInterval=4000.0", "SamplingInterval=8000")  # 125 Hz; the sidecar says 250
    text = refused(bids, tmp_path / "cache")
    assert re.match(rf"^{header}: sampling rate 125 Hz of this header \(SamplingInterval\) differs from "
                    rf"SamplingFrequency 250 Hz in {sidecar} -> correct whichever of the two is wrong "
                    rf"\(SamplingInterval is in microseconds per sample\), {SKIP}", text), text
    with pytest.warns(SkippedWarning, match="sampling rate 125 Hz"):  # skipped when the build reads it
        _, store = build(bids, tmp_path / "cache", skip_unreadable=True)
    assert len(store) == 2 * TRIALS
    assert [e["recording"] for e in store.manifest["skipped"]] == [DAMAGED_ID]


def test_event_samples_at_another_rate_name_both_files(bids, tmp_path):
    header, events = bids / f"{DAMAGED}_eeg.vhdr", bids / f"{DAMAGED}_events.tsv"
    edit(header, "SamplingInterval=4000.0", "SamplingInterval=8000")
    edit(bids / f"{DAMAGED}_eeg.json", '"SamplingFrequency": 250.0', '"SamplingFrequency": 125.0')
    text = refused(bids, tmp_path / "cache")
    assert re.match(rf"^{events}: 200 of 200 events disagree with the sampling rate 125 Hz of {header}: row 1 has "
                    r"sample \d+, but onset [\d.]+ s x 125 Hz = [\d.]+ -> correct the onset or sample column",
                    text), text


def test_one_shifted_sample_is_named(bids, tmp_path):
    events = bids / f"{DAMAGED}_events.tsv"
    lines = events.read_text().splitlines(keepends=True)
    fields = lines[3].split("\t")
    onset, sample = float(fields[0]), int(fields[3])
    fields[3] = str(sample + 2)  # two samples off: more than rounding
    lines[3] = "\t".join(fields)
    events.write_text("".join(lines))
    assert f"1 of 200 events disagree with the sampling rate 250 Hz of {bids / DAMAGED}_eeg.vhdr: row 3 has sample " \
           f"{sample + 2}, but onset {onset:g} s x 250 Hz = {onset * 250:g}" in refused(bids, tmp_path / "cache")


def test_non_numeric_onset_is_named(bids, tmp_path):
    events = bids / f"{DAMAGED}_events.tsv"
    lines = events.read_text().splitlines(keepends=True)
    lines[2] = "abc" + lines[2][lines[2].index("\t"):]
    events.write_text("".join(lines))
    assert refused(bids, tmp_path / "cache") == (f"{events}: column 'onset' holds values that are not numbers -> "
                                                 "write numbers in seconds, or n/a")


def test_renamed_channel_is_named(bids, tmp_path):
    channels = bids / f"{DAMAGED}_channels.tsv"
    edit(channels, "Fp1\t", "Fpx\t")
    assert refused(bids, tmp_path / "cache") == (
        f"{channels}: channel names differ from those of {DAMAGED_ID}_eeg.vhdr (Fpx not in the raw file, Fp1 of "
        "the raw file not listed) -> make its name column match the raw file's channels, or skip unreadable "
        "recordings (--skip-unreadable)")


def test_broken_sidecar_is_named(bids, tmp_path):
    sidecar = bids / f"{DAMAGED}_eeg.json"
    sidecar.write_text(sidecar.read_text()[:20])
    assert re.match(rf"^{sidecar}: not valid JSON \(JSONDecodeError: .*\) -> repair or restore the file",
                    refused(bids, tmp_path / "cache"))


def test_missing_events_table_is_named(bids, tmp_path):
    events = bids / f"{DAMAGED}_events.tsv"
    events.unlink()
    assert refused(bids, tmp_path / "cache").startswith(f"{events}: events file not found -> ")


def test_every_recording_skipped_is_an_error(bids, tmp_path):
    for session in (1, 2, 3):
        edit(bids / f"sub-01/ses-{session}/eeg/sub-01_ses-{session}_task-things_eeg.vhdr",
             "SamplingInterval=4000.0", "SamplingInterval=8000")
    with pytest.warns(SkippedWarning), pytest.raises(NeuroarenaError, match=rf"^{bids}: every one of the 3 "
                                                     r"recordings of bids was skipped \(.*sampl.*\) -> "):
        build(bids, tmp_path / "cache", skip_unreadable=True)
    assert not list((tmp_path / "cache").glob("prepare/*/manifest.json"))


def test_an_unchosen_subjects_damage_does_not_stop_the_chosen_ones(bids, tmp_path):
    (bids / "sub-02/ses-1/eeg/sub-02_ses-1_task-things_eeg.vhdr").unlink()
    _, store = build(bids, tmp_path / "cache")
    assert len(store) == 3 * TRIALS and store.manifest["skipped"] == []


def test_a_sidecar_shared_by_runs_is_no_orphan(tmp_path):
    folder = tmp_path / "sub-01" / "eeg"
    folder.mkdir(parents=True)
    for name in ("sub-01_task-x_run-1_eeg.vhdr", "sub-01_task-x_run-2_eeg.vhdr", "sub-01_task-x_eeg.json",
                 "sub-01_task-x_run-3_events.tsv", "sub-01_task-y_run-1_events.tsv"):
        (folder / name).write_text("")
    raws = [folder / "sub-01_task-x_run-1_eeg.vhdr", folder / "sub-01_task-x_run-2_eeg.vhdr"]
    assert orphan_recordings(eeg_files(tmp_path), "x", raws) == [
        (folder / "sub-01_task-x_run-3_eeg", [folder / "sub-01_task-x_run-3_events.tsv"])]


def test_recording_files_are_its_companions(bids):
    [recording] = [r for r in BidsStudy(bids, task="things").recordings() if r.id == DAMAGED_ID]
    folder = bids / DAMAGED.rsplit("/", 1)[0]
    assert [p.name for p in recording.inputs()] == sorted([
        "sub-01_ses-2_space-CapTrak_coordsystem.json", "sub-01_ses-2_space-CapTrak_electrodes.tsv",
        *(f"{DAMAGED_ID}_{name}" for name in ("channels.tsv", "eeg.eeg", "eeg.json", "eeg.vhdr", "eeg.vmrk",
                                               "events.json", "events.tsv"))])
    assert all(p.parent == folder for p in recording.inputs())


def test_every_study_takes_skip_unreadable(tmp_path):
    for name in sorted(STUDIES):
        parameters = inspect.signature(study_class(name).__init__).parameters
        assert parameters["skip_unreadable"].default is False, name
    with pytest.raises(NeuroarenaError, match="skip_unreadable must be true or false, not 'yes'"):
        BidsStudy(tmp_path, task="x", skip_unreadable="yes")


def test_unreadable_files_leave_no_manifest_in_json(bids, tmp_path):
    (bids / f"{DAMAGED}_eeg.vhdr").unlink()
    with pytest.warns(SkippedWarning):
        _, store = build(bids, tmp_path / "cache", skip_unreadable=True)
    manifest = json.loads((store.root / "manifest.json").read_text())
    assert manifest["skipped"] == store.manifest["skipped"] and manifest["n_windows"] == 2 * TRIALS
