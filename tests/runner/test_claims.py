"""Job claims: a job another live run holds is waited for, not run again; a stale claim is broken."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from neuroarena.fileio import this_host
from neuroarena.results.records import ResultRecord, ResultStore
from neuroarena.runner import claims
from neuroarena.runner.executor import InProcessExecutor, attempt, job_key
from neuroarena.runner.progress import GridProgress


def _dead_pid() -> int:
    """The pid of a process of this host that has ended."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def _write_claim(path: Path, pid: int, host: str, started: float, token: str = "theirs") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": pid, "host": host, "started": started, "token": token}))


def _until(predicate, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.01)


class _Grid(threading.Thread):
    """``InProcessExecutor().run([spec], store)`` in a thread, its lines collected."""

    def __init__(self, spec, store: ResultStore):
        super().__init__()
        self.spec, self.store, self.lines, self.records = spec, store, [], None
        self.progress = GridProgress(self.lines.append)

    def run(self) -> None:
        executor = InProcessExecutor()
        executor.poll_s = 0.02
        with self.progress:
            self.records = executor.run([self.spec], self.store, progress=self.progress)


def test_a_held_job_is_waited_for_and_not_run_again(debug_job, tmp_path):
    spec = debug_job("dummy", seed=70)
    store = ResultStore(tmp_path / "records")
    key = job_key(spec)
    mine, claim = claims.acquire(claims.claim_path(store, key))  # another run (alive: this process) holds it
    assert mine and claims.read_claim(claim.path) == claim
    assert attempt(spec, str(store.root)).claim == claim  # a worker does not wait: it says who holds the job

    grid = _Grid(spec, store)
    grid.start()
    _until(lambda: any("running elsewhere" in line for line in grid.lines))
    theirs = ResultRecord(key=key, status="ok", metrics={"balanced_accuracy": 0.99},
                          primary_metric="balanced_accuracy")
    store.publish(theirs)
    claims.release(claim)
    grid.join()
    assert grid.records[0].metrics == {"balanced_accuracy": 0.99}  # their record, not a second run
    assert (grid.progress.counts.skipped, grid.progress.counts.done) == (1, 0)
    assert grid.lines[0].startswith(f"[0/1] running elsewhere (pid {os.getpid()} on {this_host()} since ")
    assert grid.lines[1].startswith("[1/1] skipped (recorded elsewhere) category | simulated-tiny | dummy | seed 70")
    assert not Path(claim.path).exists()


def test_a_job_let_go_without_a_record_runs_here(debug_job, tmp_path):
    spec = debug_job("dummy", seed=71)
    store = ResultStore(tmp_path / "records")
    _, claim = claims.acquire(claims.claim_path(store, job_key(spec)))
    grid = _Grid(spec, store)
    grid.start()
    _until(lambda: any("running elsewhere" in line for line in grid.lines))
    claims.release(claim)  # the other run gave up (Ctrl-C) before writing a record
    grid.join()
    assert grid.records[0].status == "ok" and grid.records[0].metrics["balanced_accuracy"] == pytest.approx(0.25)
    assert (grid.progress.counts.skipped, grid.progress.counts.done) == (0, 1)
    assert not Path(claim.path).exists()  # released by this run once its record was written


def test_a_stale_claim_is_broken(debug_job, tmp_path):
    spec = debug_job("dummy", seed=72)
    store = ResultStore(tmp_path / "records")
    path = claims.claim_path(store, job_key(spec))
    _write_claim(path, _dead_pid(), this_host(), time.time() - 5)  # a worker killed with -9
    with GridProgress() as progress:
        [record] = InProcessExecutor().run([spec], store, progress=progress)
    assert record.status == "ok" and progress.counts.done == 1
    assert not path.exists()


def test_which_claims_are_stale(tmp_path):
    path = tmp_path / "seed-1_abc.json.lock"
    now = time.time()
    cases = {
        "live owner here": (os.getpid(), this_host(), now, False),
        "dead owner here": (_dead_pid(), this_host(), now, True),
        "pid reused since": (os.getppid(), this_host(), 1.0, True),  # its process started after the claim
        "other host, refreshed": (1, "node-7", now - 3 * claims.STALE_AFTER_S, False),
        "other host, silent": (1, "node-7", now - 3 * claims.STALE_AFTER_S, True),
    }
    for name, (pid, host, started, stale) in cases.items():
        _write_claim(path, pid, host, started)
        if name == "other host, silent":
            os.utime(path, (started, started))
        assert claims.is_stale(claims.read_claim(path)) is stale, name
    path.write_text("{ half")
    assert claims.is_stale(claims.read_claim(path))  # not a claim anyone wrote: nobody holds it
    assert claims.acquire(path)[0] and claims.read_claim(path).pid == os.getpid()


def test_a_stale_claim_is_broken_by_one_breaker_only(tmp_path):
    path = tmp_path / "seed-1_abc.json.lock"
    _write_claim(path, _dead_pid(), this_host(), time.time(), token="dead")
    stale = claims.read_claim(path)
    assert claims.acquire(path)[0]  # broke the stale claim and took the job
    fresh = claims.read_claim(path)
    assert not claims.break_stale(stale)  # a second breaker that read the old claim leaves the new one
    assert claims.read_claim(path) == fresh and claims.acquire(path) == (False, fresh)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
