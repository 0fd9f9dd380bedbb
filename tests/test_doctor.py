"""neuroarena doctor: one line per problem with its fix; a broken install named in a failed job's one line."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from neuroarena.doctor import Check, check_home, environment_error

#: What torchaudio 2.11.1 raised beside torch 2.11.0 (its C extension, loaded when the package is imported).
BROKEN = ("Could not load this library: /venv/lib/python3.11/site-packages/torchaudio/lib/libtorchaudio.so: "
          "undefined symbol: torch_exception_get_what_without_backtrace")


@pytest.fixture
def broken_torchaudio(tmp_path) -> Path:
    """A torchaudio that imports as the broken pair did: the package loads its extension and raises OSError."""
    package = tmp_path / "site" / "torchaudio"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('__version__ = "2.11.1"\nfrom torchaudio import _extension\n')
    (package / "_extension.py").write_text(f"raise OSError({BROKEN!r})\n")
    return tmp_path / "site"


def doctor(home: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if pythonpath is not None:
        env["PYTHONPATH"] = f"{pythonpath}{os.pathsep}{env.get('PYTHONPATH', '')}"
    return subprocess.run([sys.executable, "-m", "neuroarena", "--home", str(home), "doctor"], capture_output=True,
                          text=True, env=env, timeout=600)


def test_a_broken_torch_pair_is_one_line_with_its_fix(broken_torchaudio, tmp_path):
    result = doctor(tmp_path / "home", broken_torchaudio)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    problems = [line for line in lines if line.startswith("PROBLEM") and not line.startswith("PROBLEM chromium")]
    assert len(problems) == 1, result.stdout
    assert problems[0].startswith("PROBLEM torchaudio: does not load beside torch 2.")
    assert "undefined symbol: torch_exception_get_what_without_backtrace" in problems[0]
    assert problems[0].endswith("-> reinstall from the lock: pip install --require-hashes -r requirements.lock "
                                "(it pins torchaudio to the torch it was built for)")
    assert lines[0].startswith("ok      torch: 2.")
    assert not any(line.startswith(("ok      braindecode", "PROBLEM braindecode")) for line in lines)
    assert "problem(s)" in result.stderr


def test_a_sound_install_passes_every_import_check(tmp_path):
    result = doctor(tmp_path / "home")
    lines = result.stdout.splitlines()
    for name in ("torch", "torchaudio", "braindecode.models", "lightning", "mne", "mne_bids", "gpu", "home", "disk"):
        assert any(line.startswith(f"ok      {name}:") for line in lines), result.stdout
    assert any(line.startswith("ok      torchaudio:") and "loads beside torch" in line for line in lines)


def test_home_and_disk_checks(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    [home] = check_home(blocked / "home")
    assert not home.ok and home.line().endswith("home: a part of the path is a file, not a folder -> pass --home DIR "
                                                "naming a folder")
    ok, disk = check_home(tmp_path / "home", min_free=2**62)
    assert ok.ok and not disk.ok and "GiB free under" in disk.line()
    assert Check("x", True, "fine", "unused").line() == "ok      x: fine"


def test_environment_errors_are_told_apart_from_data_errors(tmp_path, monkeypatch):
    package = tmp_path / "site" / "audio_backend"  # a name of its own: the real torchaudio may be imported already
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from audio_backend import _extension\n")
    (package / "_extension.py").write_text(f"raise OSError({BROKEN!r})\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    try:
        import audio_backend  # noqa: F401
    except OSError as err:
        line = environment_error(err)
    assert line.startswith("environment: audio_backend does not load (OSError: Could not load this library:")
    assert line.endswith("-> run `neuroarena doctor`")
    try:
        open(tmp_path / "no-such-recording.vhdr")
    except OSError as err:
        assert environment_error(err) is None
    try:
        import neuroarena_plugin_that_is_not_installed  # noqa: F401
    except ImportError as err:
        assert environment_error(err).startswith("environment: neuroarena_plugin_that_is_not_installed does not load")
