"""The store is keyed by the files it was built from, and a damaged manifest or sidecar is one line."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.build import build_store, store_key, store_root
from neuroarena.prepare.config import PrepareConfig
from neuroarena.prepare.store import WindowStore
from neuroarena.studies.bids import BidsStudy
from prepare_fixtures import TinyStudy

CONFIG = PrepareConfig()
EVENTS = "sub-01/ses-2/eeg/sub-01_ses-2_task-things_events.tsv"
TRIALS = 200  # per recording of the tiny simulation


@pytest.fixture
def bids(tiny_bids, tmp_path) -> Path:
    root = tmp_path / "bids"
    shutil.copytree(tiny_bids, root)
    return root


def study_of(root: Path) -> BidsStudy:
    return BidsStudy(root, task="things", subjects=["01"])


def halve_events(path: Path) -> None:
    """Keep the header and every other trial: 100 of 200."""
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:1] + lines[1::2]))


def test_an_edited_events_table_builds_a_new_store(bids, tmp_path):
    cache = tmp_path / "cache"
    first = build_store(study_of(bids), CONFIG, cache, progress=False)
    assert len(first) == 3 * TRIALS
    stamp = (first.root / "manifest.json").stat().st_mtime_ns
    again = build_store(study_of(bids), CONFIG, cache, progress=False)  # untouched files: reused as it is
    assert again.root == first.root and (again.root / "manifest.json").stat().st_mtime_ns == stamp

    halve_events(bids / EVENTS)
    edited = build_store(study_of(bids), CONFIG, cache, progress=False)
    assert edited.root != first.root and edited.config_hash != first.config_hash
    assert len(edited) == 2 * TRIALS + TRIALS // 2
    assert edited.manifest["shards"][1]["n_windows"] == TRIALS // 2
    assert len(WindowStore.open(first.root)) == 3 * TRIALS  # the old store is left as it was
    events = bids / EVENTS
    assert (EVENTS, events.stat().st_size, events.stat().st_mtime_ns) in edited.files


def test_touching_a_file_changes_the_key(bids):
    before = store_key(study_of(bids), CONFIG)
    assert store_key(study_of(bids), CONFIG) == before
    header = bids / EVENTS.replace("_events.tsv", "_eeg.vhdr")
    stat = header.stat()
    os.utime(header, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert store_key(study_of(bids), CONFIG) != before
    unchosen = bids / "sub-02/ses-1/eeg/sub-02_ses-1_task-things_events.tsv"  # subject 02 is not chosen
    now = store_key(study_of(bids), CONFIG)
    halve_events(unchosen)
    assert store_key(study_of(bids), CONFIG) == now


def test_the_manifest_records_the_files(bids, tmp_path):
    store = build_store(study_of(bids), CONFIG, tmp_path / "cache", progress=False)
    paths = [path for path, _, _ in store.files]
    assert paths == sorted(paths) and len(paths) == 3 * 9  # 9 files per recording, listed once each
    for path, size, mtime in store.files:
        stat = (bids / path).stat()
        assert (size, mtime) == (stat.st_size, stat.st_mtime_ns)
    assert store.manifest["files"] == [list(stamp) for stamp in store.files]


def test_a_study_object_lists_its_recordings_once(bids, tmp_path, monkeypatch):
    calls = []
    original = BidsStudy.find_recordings
    monkeypatch.setattr(BidsStudy, "find_recordings", lambda self: calls.append(1) or original(self))
    study = study_of(bids)
    store_key(study, CONFIG)
    build_store(study, CONFIG, tmp_path / "cache", progress=False)
    store_root(study, CONFIG, tmp_path / "cache")
    assert len(calls) == 1


@pytest.fixture
def small_store(tmp_path, recording_factory) -> tuple[TinyStudy, WindowStore]:
    study = TinyStudy(tmp_path / "data", [recording_factory("1"), recording_factory("2")])
    return study, build_store(study, CONFIG, tmp_path / "cache", progress=False)


@pytest.mark.parametrize("content, detail", [
    ("{", r"JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 \(char 1\)"),
    ("[1, 2]", "not a JSON object"),
    ('{"format_version": 1, "shards": [{"file": "x.npy"}]}',
     "missing or wrong: ch_names, chs_info, sfreq, n_times"),
])
def test_an_invalid_manifest_is_one_line(small_store, tmp_path, content, detail):
    study, store = small_store
    manifest = store.root / "manifest.json"
    manifest.write_text(content)
    expected = (rf"^{manifest}: not a valid store manifest \({detail}\) -> delete it and run `neuroarena \.\.\. "
                r"--prepare` again \(intact shards are reused\)$")
    with pytest.raises(NeuroarenaError, match=expected):
        WindowStore.open(store.root)
    with pytest.raises(NeuroarenaError, match=expected):
        build_store(study, CONFIG, tmp_path / "cache", progress=False)


def test_the_fix_of_an_invalid_manifest_resumes(small_store, tmp_path):
    study, store = small_store
    shards = {p.name: p.stat().st_mtime_ns for p in (store.root / "shards").iterdir()}
    (store.root / "manifest.json").unlink()  # what the error of an invalid one says to do
    rebuilt = build_store(study, CONFIG, tmp_path / "cache", progress=False)
    assert len(rebuilt) == 24 and {p.name: p.stat().st_mtime_ns for p in (store.root / "shards").iterdir()} == shards


@pytest.mark.parametrize("content, detail", [
    ('{"n_windows": 1', r"shard sidecar is not valid JSON \(JSONDecodeError: .*\)"),
    ('{"n_windows": 12}', r"shard sidecar lacks fields \(it needs bytes, ch_names, .*\)"),
])
def test_an_invalid_shard_sidecar_is_one_line_and_its_fix_rebuilds_it(small_store, tmp_path, content, detail):
    study, store = small_store
    sidecar = store.root / "shards" / "sub-2_task-rsvp_run-1.json"
    intact = store.root / "shards" / "sub-1_task-rsvp_run-1.npy"
    stamp = intact.stat().st_mtime_ns
    sidecar.write_text(content)
    manifest = store.root / "manifest.json"
    expected = (rf"^{sidecar}: {detail} -> delete {manifest} and run `neuroarena \.\.\. --prepare` again \(intact "
                r"shards are reused, this one is rebuilt\)$")
    with pytest.raises(NeuroarenaError, match=expected):
        WindowStore.open(store.root)
    with pytest.raises(NeuroarenaError, match=expected):
        WindowStore(store.root, store.manifest).metadata  # the lazy read says the same
    manifest.unlink()
    rebuilt = build_store(study, CONFIG, tmp_path / "cache", progress=False)
    assert json.loads(sidecar.read_text())["n_windows"] == 12 and intact.stat().st_mtime_ns == stamp
    assert len(rebuilt.metadata) == 24
    np.testing.assert_array_equal(rebuilt.take(np.arange(24)), store.take(np.arange(24)))


def test_damaged_shard_metadata_is_one_line(small_store):
    _, store = small_store
    table = store.root / "shards" / "sub-1_task-rsvp_run-1.tsv"
    table.write_text("onset\n" + "not a number\n" * 12)
    with pytest.raises(NeuroarenaError, match=rf"^{table}: shard metadata cannot be read \(.*\) -> delete "):
        WindowStore.open(store.root).metadata


def test_a_reader_error_is_one_line_naming_the_recording(tmp_path, recording_factory):
    good = recording_factory("1")

    def broken():
        raise ValueError("cannot reshape array of size 7 into shape (6,)\nsecond line of detail")

    bad = dataclasses.replace(recording_factory("2"), loader=broken)
    study = TinyStudy(tmp_path / "data", [good, bad])
    with pytest.raises(NeuroarenaError) as info:
        build_store(study, CONFIG, tmp_path / "cache", progress=False)
    assert str(info.value) == (f"{bad.path}: cannot read this recording (ValueError: cannot reshape array of size 7 "
                               "into shape (6,)) -> repair or restore the file from the dataset's source, or skip "
                               "unreadable recordings (--skip-unreadable)")
    assert not (store_root(study, CONFIG, tmp_path / "cache") / "manifest.json").exists()
    study.skip_unreadable = True
    with pytest.warns(UserWarning, match="sub-2_task-rsvp_run-1 skipped: .*cannot read this recording"):
        store = build_store(study, CONFIG, tmp_path / "cache", progress=False)
    assert len(store) == 12 and [e["recording"] for e in store.manifest["skipped"]] == ["sub-2_task-rsvp_run-1"]
