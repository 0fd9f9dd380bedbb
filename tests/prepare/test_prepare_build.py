from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.build import build_store, store_root
from neuroarena.prepare.config import PrepareConfig
from neuroarena.prepare.preprocess import preprocess_raw
from neuroarena.prepare.store import WindowStore
from neuroarena.prepare.windows import extract_windows
from neuroarena.studies.base import EVENT_COLUMNS
from prepare_fixtures import CH_NAMES, TinyStudy

CONFIG = PrepareConfig()  # 0.5-40 Hz, notch 50, average reference, 100 Hz, float16


def mtimes(root):
    return {path.name: path.stat().st_mtime_ns for path in (root / "shards").iterdir()}


@pytest.fixture
def study(tmp_path, recording_factory):
    recordings = [recording_factory("1"), recording_factory("2", [3.0 + i for i in range(20)]),
                  recording_factory("3")]
    return TinyStudy(tmp_path / "data", recordings)


def test_round_trip_matches_direct_computation(study, tmp_path):
    store = build_store(study, CONFIG, tmp_path / "cache", progress=False)
    expected = [extract_windows(preprocess_raw(rec.load(), CONFIG, rec.path), rec.events(), CONFIG,
                                rec.path)[0] for rec in study.recordings()]
    expected = np.concatenate(expected)
    assert len(store) == 12 + 20 + 12 == store.manifest["n_windows"]
    assert (store.n_chans, store.n_times, store.sfreq) == (6, 100, 100.0)
    assert store.ch_names == CH_NAMES == [ch["ch_name"] for ch in store.chs_info]
    assert all(len(ch["loc"]) == 12 for ch in store.chs_info)
    assert store.chs_info[1]["loc"][:3] == pytest.approx(
        study.recordings()[0].load().info["chs"][1]["loc"][:3].tolist())
    X = store.take(np.arange(len(store)))
    assert X.dtype == np.float32 and X.shape == (44, 6, 100)
    np.testing.assert_allclose(X, expected, rtol=1e-3, atol=1e-3)
    assert np.abs(X).max() <= 20.0
    indices = np.array([43, 0, 12, 31, 32, 5, 43, 13])  # across all three shards, repeats
    np.testing.assert_array_equal(store.take(indices), X[indices])


def test_metadata_rows_and_columns(study, tmp_path):
    metadata = build_store(study, CONFIG, tmp_path / "cache", progress=False).metadata
    assert list(metadata.columns) == ["window", "recording", "subject", "session", "run", "task",
                                      *EVENT_COLUMNS]
    assert metadata["window"].tolist() == list(range(44))
    assert metadata["recording"].value_counts().to_dict() == {
        "sub-2_task-rsvp_run-1": 20, "sub-1_task-rsvp_run-1": 12, "sub-3_task-rsvp_run-1": 12}
    first = metadata.iloc[12]  # first window of the second recording
    assert (first["subject"], first["session"], first["onset"], first["stimulus"]) == ("2", "", 3.0, "img00")
    assert first["caption"] == "a dog,\trunning" and first["category"] == "" and first["rt"] == 0.25
    assert np.isnan(metadata.iloc[13]["rt"]) and metadata.iloc[13]["category"] == "cat1"


def test_store_survives_pickling(study, tmp_path):
    store = build_store(study, CONFIG, tmp_path / "cache", progress=False)
    store.take(np.array([0]))  # memmaps open
    copy = pickle.loads(pickle.dumps(store))
    assert len(pickle.dumps(store)) < 20_000
    np.testing.assert_array_equal(copy.take(np.array([7, 20])), store.take(np.array([7, 20])))


def test_reuse_does_not_rewrite_and_config_change_gets_new_root(study, tmp_path, tracker):
    first = build_store(study, CONFIG, tmp_path / "cache", progress=False)
    before = mtimes(first.root) | {"manifest": (first.root / "manifest.json").stat().st_mtime_ns}
    second = build_store(study, CONFIG, tmp_path / "cache", progress=False)
    after = mtimes(second.root) | {"manifest": (second.root / "manifest.json").stat().st_mtime_ns}
    assert second.root == first.root and after == before
    assert sum(tracker.calls.values()) == 3
    changed = PrepareConfig(clip=10.0)
    assert store_root(study, changed, tmp_path / "cache") != first.root
    assert store_root(TinyStudy(study.root, study.recordings(), variant="b"), CONFIG,
                      tmp_path / "cache") != first.root
    assert first.root.parent == tmp_path / "cache" / "prepare"
    assert first.root.name.startswith("tiny-") and first.config_hash == first.root.name[5:]


def test_resume_after_a_kill_keeps_finished_shards(tmp_path, recording_factory, tracker):
    recordings = [recording_factory("1"), recording_factory("2"), recording_factory("3", fail_first=True)]
    study = TinyStudy(tmp_path / "data", recordings)
    root = store_root(study, CONFIG, tmp_path / "cache")
    with pytest.raises(NeuroarenaError, match=r"sub-3_eeg\.fif: cannot read this recording \(RuntimeError: "
                                              r"killed while loading\)"):
        build_store(study, CONFIG, tmp_path / "cache", progress=False)
    assert not (root / "manifest.json").exists()
    before = mtimes(root)
    assert sorted(before) == sorted(f"sub-{s}_task-rsvp_run-1{ext}" for s in "12"
                                    for ext in (".npy", ".tsv", ".json"))
    store = build_store(study, CONFIG, tmp_path / "cache", progress=False)
    assert {name: mtimes(root)[name] for name in before} == before
    assert tracker.calls == {"sub-1_eeg.fif": 1, "sub-2_eeg.fif": 1, "sub-3_eeg.fif": 2}
    assert len(store) == 36 and len(WindowStore.open(root).manifest["shards"]) == 3


def test_corrupted_shard_names_the_file(study, tmp_path):
    store = build_store(study, CONFIG, tmp_path / "cache", progress=False)
    shard = store.root / "shards" / "sub-2_task-rsvp_run-1.npy"
    data = bytearray(shard.read_bytes())
    data[-10:] = bytes(255 - b for b in data[-10:])
    shard.write_bytes(bytes(data))
    with pytest.raises(NeuroarenaError, match=rf"^{shard}: shard .*checksum.*delete {store.root} "
                                              r"and run `neuroarena \.\.\. --prepare` again$"):
        WindowStore.open(store.root)
    with pytest.raises(NeuroarenaError, match="sub-2_task-rsvp_run-1.npy"):
        build_store(study, CONFIG, tmp_path / "cache", progress=False)


def test_missing_manifest_is_an_incomplete_store(tmp_path):
    with pytest.raises(NeuroarenaError, match="incomplete store.*run with --prepare"):
        WindowStore.open(tmp_path)


def test_nan_recording_aborts_without_manifest_or_partial_files(tmp_path, recording_factory):
    bad = recording_factory("2", nan_at=4.0)
    study = TinyStudy(tmp_path / "data", [recording_factory("1"), bad, recording_factory("3")])
    with pytest.raises(NeuroarenaError, match=rf"^{bad.path}: NaN or Inf in channel Cz at 4\.000 s"):
        build_store(study, CONFIG, tmp_path / "cache", progress=False)
    root = store_root(study, CONFIG, tmp_path / "cache")
    assert not (root / "manifest.json").exists()
    assert sorted(mtimes(root)) == ["sub-1_task-rsvp_run-1.json", "sub-1_task-rsvp_run-1.npy",
                                    "sub-1_task-rsvp_run-1.tsv"]


def test_events_outside_the_recording_abort_the_build(tmp_path, recording_factory):
    bad = recording_factory("2", [5.0, 29.5])  # the 29.5 s window ends after the 30 s recording
    study = TinyStudy(tmp_path / "data", [recording_factory("1"), bad])
    with pytest.raises(NeuroarenaError, match=rf"^{bad.path}: 1 window.*onset 29\.5 s"):
        build_store(study, CONFIG, tmp_path / "cache", progress=False)
    assert not (store_root(study, CONFIG, tmp_path / "cache") / "manifest.json").exists()


def test_recording_with_other_channels_is_named(tmp_path, recording_factory):
    odd = recording_factory("2", ch_names=CH_NAMES[:-1])
    study = TinyStudy(tmp_path / "data", [recording_factory("1"), odd])
    with pytest.raises(NeuroarenaError, match=rf"^{odd.path}: channels differ.*missing \['C4'\]"):
        build_store(study, CONFIG, tmp_path / "cache", progress=False)
    picked = PrepareConfig(picks=CH_NAMES[:-1])
    assert build_store(study, picked, tmp_path / "cache", progress=False).ch_names == CH_NAMES[:-1]


def test_float16_store_is_half_the_bytes_of_float32(study, tmp_path):
    half = build_store(study, CONFIG, tmp_path / "cache", progress=False)
    full = build_store(study, PrepareConfig(dtype="float32"), tmp_path / "cache", progress=False)
    n_values = 44 * 6 * 100
    assert full.nbytes - half.nbytes == 2 * n_values  # same .npy headers, 4 vs 2 bytes per value
    assert half.manifest["dtype"] == "float16" and half.nbytes < 0.51 * full.nbytes
    np.testing.assert_allclose(half.take(np.arange(44)), full.take(np.arange(44)), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("n_recordings", [3, 6])
def test_at_most_one_recording_is_loaded_at_a_time(tmp_path, recording_factory, tracker, n_recordings):
    study = TinyStudy(tmp_path / "data", [recording_factory(str(i + 1)) for i in range(n_recordings)])
    store = build_store(study, CONFIG, tmp_path / "cache", progress=False)
    assert len(store) == 12 * n_recordings
    assert sum(tracker.calls.values()) == n_recordings
    assert tracker.max_alive == 1 and tracker.alive == 0


def test_manifest_records_the_config_and_shards(study, tmp_path):
    store = build_store(study, CONFIG, tmp_path / "cache", progress=False)
    manifest = json.loads((store.root / "manifest.json").read_text())
    assert PrepareConfig(**manifest["config"]) == CONFIG
    assert manifest["study"] == {"name": "Tiny", "variant": "a"}
    assert [shard["n_windows"] for shard in manifest["shards"]] == [12, 20, 12]
    shard = manifest["shards"][1]
    assert {k: shard[k] for k in ("recording", "subject", "session", "run", "task", "file")} == {
        "recording": "sub-2_task-rsvp_run-1", "subject": "2", "session": "", "run": "1",
        "task": "rsvp", "file": "shards/sub-2_task-rsvp_run-1.npy"}
    assert shard["bytes"] == (store.root / shard["file"]).stat().st_size == 128 + 20 * 6 * 100 * 2


def test_a_store_the_disk_has_no_room_for_is_refused_before_any_shard(study, tmp_path, monkeypatch):
    import collections

    from neuroarena.prepare import build

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(build.shutil, "disk_usage", lambda path: usage(2**30, 2**30 - 2**20, 2**20))
    with pytest.raises(NeuroarenaError, match=r"0.00 GiB free, about 0.25 GiB needed for the window store of "
                                              r"Tiny -> free space, or point --home at a disk with room"):
        build_store(study, CONFIG, tmp_path / "cache", progress=False)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.npy"))
