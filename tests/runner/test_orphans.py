"""What killed processes leave is removed by a later run (never a live one's); written files follow the umask."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from neuroarena.fileio import (
    atomic_path, clean_home_orphans, make_temp_dir, owner_alive, owner_of, owner_tag, remove_orphans, scratch_dir,
    this_host, write_text_atomic,
)
from neuroarena.results.records import JobKey, ResultRecord, ResultStore
from neuroarena.studies.simulated.config import SimulationConfig
from neuroarena.studies.simulated.writer import write_dataset


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_temporary_names_carry_their_owner(tmp_path):
    with atomic_path(tmp_path / "shard.npy") as tmp:
        assert tmp.name.startswith(f".shard.npy.{owner_tag()}.") and tmp.name.endswith(".tmp")
        assert owner_of(tmp.name) == (os.getpid(), this_host())
    assert owner_of(make_temp_dir(tmp_path, "neuroarena-job-").name) == (os.getpid(), this_host())
    assert owner_of(".shard.npy.x1y2.tmp") is None  # written before names carried owners
    assert owner_alive(os.getpid(), this_host()) and owner_alive(_dead_pid(), this_host()) is False
    assert owner_alive(1, "node-7") is None  # another host: cannot tell
    dead = tmp_path / f".shard.npy.{_dead_pid()}@{this_host()}.k2j4.tmp"
    dead.write_bytes(b"half")
    assert remove_orphans(tmp_path, [".*.tmp"]) == [dead] and not dead.exists()


def test_orphans_of_dead_processes_are_removed_and_live_ones_kept(tmp_path):
    dead, host = _dead_pid(), this_host()
    home = tmp_path / "home"
    shard = home / "cache" / "category-abc" / "shards" / f".sub-01.npy.{dead}@{host}.k2j4.tmp"
    record = home / "results" / "records" / "category" / f".seed-33_abc.json.{dead}@{host}.a1b2.tmp"
    dataset = home / "data" / f".simulated-5f2e.{dead}@{host}.q9w8.tmp"
    workdir = home / "cache" / f"neuroarena-job-{dead}@{host}.zz11"
    keep = [home / "cache" / "category-abc" / "shards" / f".sub-02.npy.{owner_tag()}.live.tmp",  # a live writer's
            home / "data" / f".simulated-5f2e.{os.getpid()}@{host}.live.tmp",
            home / "cache" / f"neuroarena-job-{dead}@node-7.other",  # another host's: cannot tell
            home / "cache" / "category-abc" / "shards" / ".sub-03.npy.x1y2.tmp",  # no owner in its name
            home / "cache" / "category-abc" / "shards" / "sub-01.npy"]
    for folder in (dataset, workdir, keep[1], keep[2]):
        (folder / "sub-01").mkdir(parents=True)
    (workdir / "checkpoints").mkdir()
    (workdir / "checkpoints" / "best.ckpt").write_bytes(b"weights")
    for path in (shard, record, keep[0], keep[3], keep[4]):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    assert sorted(clean_home_orphans(home)) == sorted([shard, record, dataset, workdir])
    assert not any(p.exists() for p in (shard, record, dataset, workdir))
    assert all(p.exists() for p in keep)
    assert clean_home_orphans(home) == []


def test_a_job_workdir_and_a_simulated_dataset_clear_what_dead_writers_left(tmp_path):
    dead, host = _dead_pid(), this_host()
    (tmp_path / f"neuroarena-job-{dead}@{host}.ab12" / "checkpoints").mkdir(parents=True)
    live = tmp_path / f"neuroarena-job-{os.getpid()}@{host}.cd34"
    live.mkdir()
    with scratch_dir(tmp_path, "neuroarena-job-") as workdir:
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, Path(workdir).name])
    assert [p.name for p in tmp_path.iterdir()] == [live.name]

    config = SimulationConfig.preset("tiny", n_subjects=1, n_sessions=1)
    orphan = tmp_path / f".sim.{dead}@{host}.ef56.tmp"
    (orphan / "sub-01").mkdir(parents=True)
    write_dataset(config, tmp_path / "sim")
    assert not orphan.exists() and live.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "sim"])


@pytest.fixture
def umask():
    """``umask(mask)`` for the test; the previous mask afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield os.umask
    os.umask(previous)


def test_written_files_and_folders_follow_the_umask(tmp_path, umask):
    umask(0o002)  # a lab group sharing a home
    write_text_atomic(tmp_path / "a" / "manifest.json", "{}")
    path = ResultStore(tmp_path / "records").write(
        ResultRecord(key=JobKey("category", "simulated", "dummy", 33, "abc"), status="ok"))
    assert _mode(tmp_path / "a" / "manifest.json") == 0o664 and _mode(path) == 0o664
    assert _mode(make_temp_dir(tmp_path, "neuroarena-job-")) == 0o775
    root = write_dataset(SimulationConfig.preset("tiny", n_subjects=1, n_sessions=1), tmp_path / "sim")
    assert _mode(root) == 0o775 and _mode(root / "sub-01") == 0o775
    assert {_mode(p) for p in root.rglob("*") if p.is_file()} == {0o664}

    umask(0o077)  # a private home stays private
    write_text_atomic(tmp_path / "b.json", "{}")
    assert _mode(tmp_path / "b.json") == 0o600 and _mode(make_temp_dir(tmp_path, "x-")) == 0o700
