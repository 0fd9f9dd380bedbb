"""A home that cannot hold a run stops it with one line before any work; a full disk or a file-size limit
mid-run is one line too, and leaves nothing half-written."""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from neuroarena.runner.home import check_home, home_problem, write_error

RUN = [sys.executable, "-m", "neuroarena"]
TINY = ["eeg", "category", "--dataset", "simulated-tiny", "-m", "dummy", "--debug"]


def neuroarena(home: Path, *args: str, limit: int | None = None) -> subprocess.CompletedProcess:
    def cap_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(RUN + ["--home", str(home), *args], capture_output=True, text=True, timeout=600,
                          preexec_fn=cap_file_size if limit else None,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip() and "%|" not in line]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-2000:]
    return lines[0]


def leftovers(home: Path) -> list[Path]:
    """Anything a run wrote that is not complete: temporary files or folders, or data without its dataset."""
    return [p for p in home.rglob("*") if p.name.endswith(".tmp") or ".tmp" in p.name]


@pytest.fixture
def mount(tmp_path):
    """``mount(options)``: a tmpfs mounted with ``options`` (skipped where this process may not mount)."""
    mounted = []

    def make(options: str) -> Path:
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")
        mounted.append(point)
        return point

    yield make
    for point in mounted:
        subprocess.run(["umount", str(point)], check=False)


def test_a_home_that_is_a_file_stops_before_any_work(tmp_path):
    home = tmp_path / "home"
    home.write_text("not a folder")
    line = one_error_line(neuroarena(home, *TINY))
    assert line == f"error: {home}: the home is a file, not a folder -> pass --home DIR (or set NEUROARENA_HOME) " \
                   "to a folder"
    assert home_problem(home / "below") is not None and "is a file, not a folder" in str(home_problem(home / "below"))


def test_an_immutable_home_is_refused(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    if subprocess.run(["chattr", "+i", str(home)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not supported here")
    try:
        problem = home_problem(home)
        assert problem is not None and "not permitted (read-only or immutable)" in str(problem)
        assert str(problem).endswith("-> pass --home DIR (or set NEUROARENA_HOME) to a folder you can write")
    finally:
        subprocess.run(["chattr", "-i", str(home)], check=False)


def test_a_read_only_file_system_is_refused(mount):
    home = mount("ro,size=1m") / "home"
    problem = home_problem(home)
    assert problem is not None and "the file system is read-only" in str(problem)


def test_too_little_free_space_for_the_run_is_refused_before_it(tmp_path):
    with pytest.raises(Exception, match=r"GiB free, about .* GiB needed -> free space"):
        check_home(tmp_path, need_bytes=2**62)


def test_a_file_size_limit_mid_run_is_one_line_and_leaves_nothing_half_written(tmp_path):
    home = tmp_path / "home"
    line = one_error_line(neuroarena(home, *TINY, limit=300_000))  # a simulated recording is ~1 MB
    assert "a write stopped short" in line and "file-size limit" in line
    assert leftovers(home) == [] and not any((home / "data").glob("simulated-*"))


def test_a_nearly_full_disk_stops_before_any_work(mount):
    home = mount("size=3m") / "home"
    line = one_error_line(neuroarena(home, *TINY))
    assert "GiB free, about 0.25 GiB needed -> free space, or point --home at a disk with room" in line
    assert list(home.iterdir()) == []


def test_a_disk_that_fills_mid_run_is_one_line_and_leaves_nothing_half_written(mount, monkeypatch, capsys):
    from neuroarena.cli import main
    from neuroarena.runner import home as run_home

    home = mount("size=3m") / "home"  # room for the check, not for the simulated recordings
    monkeypatch.setattr(run_home, "RUN_RESERVE", 0)
    monkeypatch.setenv("NEUROARENA_HOME", os.environ["NEUROARENA_HOME"])  # main() points it at this home
    with pytest.raises(SystemExit) as exit_info:
        main(["--home", str(home), *TINY])
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert exit_info.value.code == 1
    assert line.startswith("error: ") and ("the disk is full" in line or "a write stopped short" in line)
    assert leftovers(home) == [] and not any((home / "data").glob("simulated-*"))


def test_write_errors_are_told_apart():
    import errno

    assert "the disk is full" in str(write_error(OSError(errno.ENOSPC, "No space left on device", "/x/y")))
    assert str(write_error(OSError(errno.EFBIG, "File too large", "/x/y"))).startswith("/x/y: a file would exceed")
    assert write_error(OSError(errno.ENOENT, "No such file", "/x/y")) is None
    assert shutil.disk_usage("/").free > 0
