"""The command line: fast start, listings, and one-line errors with a non-zero exit."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from neuroarena.cli import main

NEUROARENA = [sys.executable, "-m", "neuroarena"]


def test_help_imports_nothing_heavy():
    code = ("import sys; from neuroarena.cli import _parser; "
            "_parser().format_help(); "
            "heavy = [m for m in ('torch', 'mne', 'pandas', 'sklearn', 'lightning', 'braindecode', 'pydantic') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_list_shows_registered_names(capsys):
    main(["list", "tasks"])
    out = capsys.readouterr().out
    assert "image" in out and "category" in out and "top5" in out
    main(["list", "models"])
    out = capsys.readouterr().out
    for name in ("dummy", "chance", "cov_ts_lr", "cov_ts_ridge", "eegnet", "shallow_fbcsp_net", "ctnet"):
        assert name in out
    main(["list", "studies"])
    assert "simulated-tiny" in capsys.readouterr().out


@pytest.mark.parametrize("argv, expected", [
    (["eeg", "imgae", "--dataset", "simulated-tiny"], "unknown task 'imgae'"),
    (["eeg", "image", "--dataset", "simulatd", "--debug"], "unknown dataset 'simulatd'"),
    (["eeg", "category", "--dataset", "simulated-tiny", "-m", "eegnett"], "unknown model"),
    (["eeg", "category", "--dataset", "simulated-tiny", "-m", "cov_ts_ridge"], "cannot predict classification"),
])
def test_bad_names_give_one_line_errors(argv, expected, tmp_path):
    result = subprocess.run(NEUROARENA + ["--home", str(tmp_path)] + argv, capture_output=True, text=True,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert not any(Path(tmp_path).rglob("*.json"))


def test_malformed_task_file_is_named(tmp_path):
    bad = tmp_path / "mytask.yaml"
    bad.write_text("name: [unclosed\n")
    result = subprocess.run(NEUROARENA + ["--home", str(tmp_path), "eeg", str(bad)], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {bad}: malformed YAML at line")
