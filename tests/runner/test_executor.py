"""Executors: local worker processes, skip and retry, lost workers, progress counts, CLI options."""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

import pytest

from neuroarena.cli import main
from neuroarena.errors import NeuroarenaError
from neuroarena.results.records import ResultStore
from neuroarena.runner import api, claims
from neuroarena.runner.executor import (
    InProcessExecutor, LocalProcessExecutor, job_key, make_executor, pin_gpu, visible_gpus,
)
from neuroarena.runner.progress import GridProgress


def test_local_workers_record_what_in_process_records(debug_job, tmp_path):
    jobs = [debug_job("cov_ts_lr"), debug_job("dummy"), debug_job("dummy")]  # the same job twice runs once
    here, there = ResultStore(tmp_path / "inprocess"), ResultStore(tmp_path / "local")
    expected = InProcessExecutor().run(jobs, here)
    lines: list[str] = []
    with GridProgress(lines.append) as progress:
        records = LocalProcessExecutor(workers=2).run(jobs, there, progress=progress)
    assert [r.status for r in records] == ["ok", "ok", "ok"]
    assert records[1] == records[2]
    assert records[1].metrics["balanced_accuracy"] == pytest.approx(0.25)  # 4 balanced classes
    for mine, theirs in zip(records, expected):
        assert mine.key == theirs.key
        assert mine.metrics == pytest.approx(theirs.metrics)
        assert mine.test_items == theirs.test_items
    assert sorted(p.relative_to(there.root) for p in there.root.rglob("seed-*.json")) == sorted(
        p.relative_to(here.root) for p in here.root.rglob("seed-*.json"))
    assert len(list(there.root.rglob("seed-*.json"))) == 2
    assert progress.counts.done == 2 and progress.counts.total == 2 and progress.counts.running == 0
    assert [line[:5] for line in lines[:2]] == ["[1/2]", "[2/2]"]
    assert lines[2] == "2/2 jobs: 2 done, 0 running, 0 failed, 0 skipped, 0 waiting"


@pytest.fixture
def corrupt_store(tiny_home):
    """Flip one byte of a shard of the category store; restore it afterwards."""
    store = api.prepare("category", "simulated-tiny", home=tiny_home, progress=False)
    shard = sorted((store.root / "shards").glob("*.npy"))[0]
    original = shard.read_bytes()
    shard.write_bytes(original[:-1] + bytes([original[-1] ^ 0xFF]))
    yield shard, original
    shard.write_bytes(original)


def test_failed_job_is_skipped_until_retry(debug_job, corrupt_store, tmp_path):
    spec = debug_job("dummy", seed=34)
    store = ResultStore(tmp_path / "records")
    [failed] = InProcessExecutor().run([spec], store)
    assert failed.status == "failed" and "checksum does not match" in failed.error
    assert failed.key == job_key(spec)  # filed under its real key although it failed before resolving it
    path = store.path(failed.key)
    shard, original = corrupt_store
    shard.write_bytes(original)  # the input is repaired, but the failure stays on record until --retry
    stamp = path.stat().st_mtime_ns

    lines: list[str] = []
    with GridProgress(lines.append) as progress:
        [again] = InProcessExecutor().run([spec], store, progress=progress)
    assert again == failed and path.stat().st_mtime_ns == stamp
    assert (progress.counts.skipped, progress.counts.done, progress.counts.failed) == (1, 0, 0)
    assert lines[0].startswith("[1/1] skipped (recorded) category | simulated-tiny | dummy | seed 34: FAILED")

    with GridProgress() as progress:
        [retried] = InProcessExecutor().run([spec], store, retry=True, progress=progress)
    assert retried.status == "ok" and retried.metrics["balanced_accuracy"] == pytest.approx(0.25)
    assert store.get(job_key(spec)) == retried
    assert (progress.counts.skipped, progress.counts.done) == (0, 1)
    with GridProgress() as progress:  # a finished job is skipped even with retry
        InProcessExecutor().run([spec], store, retry=True, progress=progress)
    assert progress.counts.skipped == 1


def _claim_of(path, timeout: float = 300) -> int:
    """The pid in the claim file ``path`` once it appears."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        claim = claims.read_claim(path)
        if claim is not None and claim.pid:
            return claim.pid
        time.sleep(0.005)
    raise AssertionError(f"no claim at {path}")


def test_a_dead_worker_costs_only_its_own_job(debug_job, tiny_home, tmp_path):
    jobs = [debug_job("eegnet", 40)] + [debug_job("dummy", seed) for seed in (41, 42, 43)]
    store = ResultStore(tmp_path / "records")
    victim: list[int] = []

    def kill_the_eegnet_worker() -> None:  # as the OOM killer would, while it trains
        victim.append(_claim_of(claims.claim_path(store, job_key(jobs[0]))))
        os.kill(victim[0], signal.SIGKILL)

    killer = threading.Thread(target=kill_the_eegnet_worker)
    killer.start()
    with GridProgress() as progress:
        records = LocalProcessExecutor(workers=2).run(jobs, store, progress=progress)
    killer.join()
    assert [r.status for r in records] == ["failed", "ok", "ok", "ok"], [r.error for r in records]
    assert records[0].error == (f"the worker process (pid {victim[0]}) was killed by SIGKILL (e.g. out of memory) "
                                f"before the job ended")
    assert records[0].recipe["max_epochs"] == 2  # the debug recipe is on the record
    assert all(r.metrics["balanced_accuracy"] == pytest.approx(0.25) for r in records[1:])
    assert (progress.counts.done, progress.counts.failed) == (3, 1)
    assert all(store.get(job_key(spec)) == r for spec, r in zip(jobs, records))
    assert not list(store.root.rglob("*.lock"))  # the dead worker's claim is released
    assert multiprocessing.active_children() == []

    with GridProgress() as progress:  # a plain re-run keeps the failure
        assert InProcessExecutor().run(jobs, store, progress=progress)[0] == records[0]
    assert (progress.counts.skipped, progress.counts.done) == (4, 0)
    with GridProgress() as progress:  # --retry runs that job only
        again = InProcessExecutor().run(jobs, store, retry=True, progress=progress)
    assert [r.status for r in again] == ["ok"] * 4 and again[1:] == records[1:]
    assert (progress.counts.skipped, progress.counts.done) == (3, 1)
    assert not list((tiny_home / "cache").glob(f"neuroarena-job-{victim[0]}@*"))  # its workdir went at the retry


class _CtrlC(GridProgress):
    """Progress that is interrupted as soon as jobs are running."""

    def running(self, n: int) -> None:
        raise KeyboardInterrupt


def test_ctrl_c_stops_the_workers_at_once(debug_job, tmp_path):
    store = ResultStore(tmp_path / "records")
    with pytest.raises(KeyboardInterrupt):
        LocalProcessExecutor(workers=2).run([debug_job("eegnet", seed) for seed in (60, 61)], store,
                                            progress=_CtrlC())
    assert multiprocessing.active_children() == []  # terminated and reaped, not left training
    assert not list(store.root.rglob("*.json")) and not list(store.root.rglob("*.lock"))  # no record, no claim


def test_workers_take_the_visible_gpus_in_turn(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3, 5")
    gpus = visible_gpus()
    assert gpus == ["3", "5"]
    assert [pin_gpu(gpus, slot) for slot in range(3)] == ["3", "5", "3"]  # a replacement keeps its slot's GPU
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert visible_gpus() == [] and pin_gpu([], 0) is None


def test_executor_names_and_options_are_checked(capsys):
    with pytest.raises(NeuroarenaError, match="unknown executor 'dask'"):
        make_executor("dask")
    with pytest.raises(NeuroarenaError, match="--workers must be at least 1"):
        make_executor("local", workers=0)
    assert make_executor("local", workers=3).workers == 3
    for argv, expected in [(["--partition", "gpu"], "Slurm options (partition) need --executor slurm"),
                           (["--executor", "local", "--gpus", "1", "--time", "10"],
                            "Slurm options (gpus, time) need --executor slurm"),
                           (["--workers", "4"], "--workers needs --executor local")]:
        with pytest.raises(SystemExit) as exit_info:
            main(["eeg", "category", "--dataset", "simulated-tiny", *argv])
        assert exit_info.value.code == 1
        assert capsys.readouterr().err.strip() == f"error: {expected} -> " + (
            "add --executor local or drop --workers" if "workers" in expected else
            "add --executor slurm or drop them")
