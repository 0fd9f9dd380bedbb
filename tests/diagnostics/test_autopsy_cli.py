"""``neuroarena autopsy RUN`` on a finished run, and its one-line errors."""
from __future__ import annotations

import dataclasses
import json

import pytest

from neuroarena.cli import main
from neuroarena.results.records import ResultStore


def test_autopsy_of_a_finished_run_rewrites_its_folder(broken_run, capsys):
    key = broken_run["record"].key
    main(["--home", str(broken_run["home"]), "autopsy", f"category/{key.dataset}/eegnet/seed-33_{key.config_hash}",
          "--windows", "40", "--steps", "4", "--segments", "4", "--worst", "3"])
    out = capsys.readouterr()
    assert "# Autopsy: eegnet on category" in out.out and "## Recommendations" in out.out
    report = json.loads((broken_run["folder"] / "autopsy.json").read_text())
    assert report["options"] == {"n_windows": 40, "n_steps": 4, "n_segments": 4, "n_worst": 3, "seed": 0}
    assert report["run"]["n_windows"] == 40 and len(report["ablations"]["segments"]) == 4
    assert len(report["failures"]["worst"]) == 3
    # the same run's record path names it too
    main(["--home", str(broken_run["home"]), "autopsy", str(broken_run["path"]), "--windows", "20", "--steps", "2"])
    assert json.loads((broken_run["folder"] / "autopsy.json").read_text())["run"]["n_windows"] == 20


def _error(capsys, argv) -> str:
    with pytest.raises(SystemExit):
        main(argv)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_runs_without_a_net_or_a_job_are_one_line_errors(healthy_run, capsys, tmp_path):
    home, dataset = str(healthy_run["home"]), healthy_run["record"].key.dataset
    dummy = next(healthy_run["path"].parent.parent.glob("dummy/seed-33_*.json"))
    assert "kept no net" in _error(capsys, ["--home", home, "autopsy", str(dummy)])
    assert "no record of run" in _error(capsys, ["--home", home, "autopsy", f"category/{dataset}/eegnet/7"])
    old = dataclasses.replace(healthy_run["record"], data={k: v for k, v in healthy_run["record"].data.items()
                                                           if k != "job"})
    store = ResultStore(tmp_path / "results" / "records")
    store.write(old)
    message = _error(capsys, ["--home", str(tmp_path), "autopsy", str(store.path(old.key))])
    assert "does not say how its job was built" in message and "re-run the job" in message
