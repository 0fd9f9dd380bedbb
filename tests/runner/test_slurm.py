"""The Slurm path, run through submitit's local executor: same pickles, same result handling."""
from __future__ import annotations

import shutil

import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.results.records import ResultStore
from neuroarena.runner.executor import job_key
from neuroarena.runner.progress import GridProgress
from neuroarena.runner.slurm import SlurmExecutor, SlurmOptions, parse_minutes


def test_job_array_runs_and_records_two_jobs(debug_job, tmp_path):
    jobs = [debug_job("dummy"), debug_job("eegnet")]
    store = ResultStore(tmp_path / "records")
    options = SlurmOptions(cluster="local", cpus=1, time=10, poll_s=0.2)
    lines: list[str] = []
    with GridProgress(lines.append) as progress:
        records = SlurmExecutor(options, folder=tmp_path / "slurm").run(jobs, store, progress=progress)
    assert [r.status for r in records] == ["ok", "ok"], [r.error for r in records]
    assert [r.key for r in records] == [job_key(spec) for spec in jobs]
    assert all(store.get(r.key) == r for r in records)  # written by the array tasks themselves
    assert records[0].metrics["balanced_accuracy"] == pytest.approx(0.25)
    assert records[1].training["epochs"] == 2 and records[1].n_params > 0  # debug recipe: 2 epochs
    assert len(records[1].test_items["y_pred"]) == records[1].data["n_evaluated"]["test"]
    # one pickled job and one pickled result per array task
    assert len(list((tmp_path / "slurm").glob("*_submitted.pkl"))) == 2
    assert len(list((tmp_path / "slurm").glob("*_result.pkl"))) == 2
    assert (progress.counts.done, progress.counts.failed, progress.counts.running) == (2, 0, 0)
    assert lines[-1] == "2/2 jobs: 2 done, 0 running, 0 failed, 0 skipped, 0 waiting"


def test_without_sbatch_the_error_says_what_to_do(debug_job, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("sbatch") is None
    with pytest.raises(NeuroarenaError, match="needs Slurm's `sbatch`.*use --executor local"):
        SlurmExecutor(SlurmOptions()).run([debug_job("dummy", seed=50)], ResultStore(tmp_path / "records"))
    assert not (tmp_path / "records").exists()


def test_options_become_submitit_parameters():
    options = SlurmOptions(partition="gpu", gpus=1, cpus=8, mem_gb=32, time="1-02:30:00", array_parallelism=4)
    assert options.parameters() == {
        "name": "neuroarena", "timeout_min": 1590, "cpus_per_task": 8, "gpus_per_node": 1, "mem_gb": 32.0,
        "slurm_partition": "gpu", "slurm_array_parallelism": 4}
    assert "mem_gb" not in SlurmOptions().parameters() and "slurm_partition" not in SlurmOptions().parameters()
    assert SlurmOptions().parameters()["timeout_min"] == 240


@pytest.mark.parametrize("text, minutes", [("90", 90), ("90:30", 91), ("1:30:00", 90), ("2-12", 3600),
                                           ("2-12:30", 3630), ("0:00:01", 1), (45, 45)])
def test_time_limits_read_like_slurm(text, minutes):
    assert parse_minutes(text) == minutes


def test_unreadable_time_is_an_error():
    with pytest.raises(NeuroarenaError, match=r"cannot read --time '1h30'"):
        parse_minutes("1h30")
