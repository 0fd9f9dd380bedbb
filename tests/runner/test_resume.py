"""A grid killed mid-way through the CLI: finished records stay as they are, a re-run completes the rest."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

GRID = ["eeg", "category", "--dataset", "simulated-tiny", "-m", "cov_ts_lr", "--seeds", "33", "34", "35",
        "--debug"]


def _records(home: Path) -> dict[Path, tuple[int, bytes]]:
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (home / "results" / "records").rglob("seed-*.json")}


def _wait(predicate, timeout: float, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_killed_grid_resumes_without_touching_finished_records(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "COLUMNS": "200"}
    command = [sys.executable, "-m", "neuroarena", "--home", str(home), *GRID]
    controller = subprocess.Popen(command + ["--executor", "local", "--workers", "2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        assert _wait(lambda: _records(home) or controller.poll() is not None, timeout=400)
        assert controller.poll() is None, controller.stderr.read().decode()[-2000:]
        controller.kill()  # the controller only: its workers notice and exit
        controller.wait()
        workers_gone = _wait(lambda: not _group_alive(controller.pid), timeout=30, step=0.1)
    finally:
        if _group_alive(controller.pid):
            os.killpg(controller.pid, signal.SIGKILL)
        controller.stderr.close()
    assert workers_gone
    before = _records(home)
    assert 1 <= len(before) < 6  # 3 seeds of cov_ts_lr and of the dummy reference
    assert all(json.loads(data)["status"] == "ok" for _, data in before.values())
    assert not list((home / "results").rglob("*.tmp"))  # nothing half-written was left

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=400)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    after = _records(home)
    assert len(after) == 6
    assert {path: after[path] for path in before} == before  # same bytes, same modification time
    assert rerun.stderr.count("skipped (recorded)") == len(before)
    assert f"6/6 jobs: {6 - len(before)} done, 0 running, 0 failed, {len(before)} skipped, 0 waiting" in rerun.stderr
    statuses = [json.loads(data)["status"] for _, data in after.values()]
    assert statuses == ["ok"] * 6
