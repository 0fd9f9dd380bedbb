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


@pytest.mark.parametrize("argv, expected", [
    (["--lr", "nan"], "lr nan (--lr): input should be a finite number"),
    (["--lr", "-0.1"], "lr -0.1 (--lr): input should be greater than 0"),
    (["--lr", "0"], "lr 0.0 (--lr): input should be greater than 0"),
    (["--max-epochs", "0"], "max_epochs 0 (--max-epochs): input should be greater than or equal to 1"),
    (["--max-epochs", "-3"], "max_epochs -3 (--max-epochs): input should be greater than or equal to 1"),
    (["--batch-size", "0"], "batch_size 0 (--batch-size): input should be greater than or equal to 1"),
    (["--split", "cross_subjct"], "unknown splitter 'cross_subjct'; use one of predefined"),
    (["--split", "cross_subject", "--split-param", "test_fraction=2"], "parameter 'test_fraction'"),
    (["--split-param", "seed=1"], "--split-param needs --split"),
    (["--dataset-param", "layout"], "--dataset-param 'layout' is not KEY=VALUE"),
])
def test_bad_values_are_refused_before_any_work(argv, expected, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEUROARENA_HOME", str(tmp_path))
    with pytest.raises(SystemExit) as info:
        main(["--home", str(tmp_path), "eeg", "category", "--dataset", "simulated-tiny", "-m", "dummy", *argv])
    assert info.value.code == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], lines
    assert not (tmp_path / "data").exists() and not (tmp_path / "results").exists()  # nothing was started


def test_zero_values_reach_the_recipe(tmp_path):
    from neuroarena.runner.api import expand_jobs

    [job, *_] = expand_jobs(["category"], ["dummy"], "simulated-tiny", seeds=[1],
                            recipe_overrides={"max_epochs": 1, "lr": 1e-3, "batch_size": 1})
    recipe = job.recipe(job.task_config())
    assert (recipe.max_epochs, recipe.lr, recipe.batch_size) == (1, 1e-3, 1)


@pytest.mark.parametrize("edit, expected", [
    (("loss: clip\n", "loss: clpi\n"), "invalid task field 'objective': unknown objective term 'clpi' (did you mean "
                                       "'clip'?)"),
    (("name: predefined", "name: predefind"), "invalid task field 'split': unknown splitter 'predefind'"),
    (("metrics: [top1, top5", "metrics: [top1, top6"), "invalid task field 'metrics': unknown metric 'top6'"),
])
def test_a_task_with_an_unknown_name_fails_when_loaded(edit, expected, tmp_path):
    from neuroarena.errors import NeuroarenaError
    from neuroarena.tasks.config import load_task, task_files

    text = task_files()["image"].read_text()
    assert edit[0] in text
    path = tmp_path / "mine.yaml"
    path.write_text(text.replace(edit[0], edit[1]))
    with pytest.raises(NeuroarenaError) as info:
        load_task(path)
    assert str(info.value).startswith(f"{path}: {expected}")


def test_report_names_a_damaged_record(tmp_path, capsys, monkeypatch):
    import json

    from neuroarena.results.records import JobKey, ResultRecord, ResultStore

    monkeypatch.setenv("NEUROARENA_HOME", str(tmp_path))
    store = ResultStore(tmp_path / "results" / "records")
    path = store.write(ResultRecord(key=JobKey("category", "simulated", "dummy", 1, "abc"), status="ok",
                                    metrics={"balanced_accuracy": 0.25}, primary_metric="balanced_accuracy"))
    record = json.loads(path.read_text())
    record["metrics"]["balanced_accuracy"] = "high"
    path.write_text(json.dumps(record))
    with pytest.raises(SystemExit) as info:
        main(["--home", str(tmp_path), "report"])
    assert info.value.code == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert lines == [f"error: {path}: corrupt result record (score 'high' is not a number) -> delete it and re-run "
                     "that job"]
