"""The Slurm path, run through submitit's local executor: same pickles, same result handling."""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.results.records import ResultStore
from neuroarena.runner import claims
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
    with pytest.raises(NeuroarenaError, match="needs Slurm's `sbatch` and `srun`.*use --executor local"):
        SlurmExecutor(SlurmOptions()).run([debug_job("dummy", seed=50)], ResultStore(tmp_path / "records"))
    assert not (tmp_path / "records").exists()


def _fake_command(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)


@pytest.fixture
def fake_cluster(tmp_path, monkeypatch) -> Path:
    """A folder put first on PATH, for stand-ins of Slurm's commands."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    _fake_command(bin_dir, "srun", "exit 0\n")  # present on a cluster; only called inside jobs
    return bin_dir


def test_refused_submission_is_a_one_line_error(debug_job, fake_cluster, tmp_path):
    _fake_command(fake_cluster, "sbatch", "echo 'sbatch: error: invalid partition specified: nope' >&2\nexit 1\n")
    executor = SlurmExecutor(SlurmOptions(partition="nope"), folder=tmp_path / "slurm")
    with pytest.raises(NeuroarenaError) as info:
        executor.run([debug_job("dummy", seed=51)], ResultStore(tmp_path / "records"))
    assert str(info.value) == ("the job array was not submitted: sbatch: error: invalid partition specified: nope "
                               "-> check --partition, --gpus, --cpus, --mem and --time against `sinfo`")


def test_tasks_killed_by_slurm_get_failed_records(debug_job, fake_cluster, tmp_path):
    """sbatch accepts the array; sacct then reports both tasks dead without a result."""
    _fake_command(fake_cluster, "sbatch", f"cp \"$1\" {tmp_path}/submitted.sh\necho 'Submitted batch job 4242'\n")
    _fake_command(fake_cluster, "sacct", "printf 'JobID|State|NodeList\\n4242_0|TIMEOUT|n1\\n"
                                         "4242_1|OUT_OF_MEMORY|n1\\n'\n")
    jobs = [debug_job("dummy", seed=52), debug_job("eegnet", seed=52)]
    store = ResultStore(tmp_path / "records")
    options = SlurmOptions(partition="gpu", gpus=1, cpus=8, mem_gb=32, time="2:00:00", array_parallelism=1,
                           poll_s=0.1)
    claim = claims.claim_path(store, job_key(jobs[0]))  # the killed task had claimed its job on node n1
    claim.parent.mkdir(parents=True)
    claim.write_text(json.dumps({"pid": 777, "host": "n1", "started": time.time(), "token": "t", "job": "4242_0"}))
    records = SlurmExecutor(options, folder=tmp_path / "slurm").run(jobs, store)
    assert [r.status for r in records] == ["failed", "failed"]
    assert not claim.exists()  # released by the controller, not left for other runs to wait on
    assert records[0].error.startswith("slurm job 4242_0 ended (TIMEOUT) without a record; log: ")
    assert records[1].error.startswith("slurm job 4242_1 ended (OUT_OF_MEMORY) without a record; log: ")
    assert all(store.get(job_key(spec)) == r for spec, r in zip(jobs, records))
    script = (tmp_path / "submitted.sh").read_text()
    for line in ("#SBATCH --array=0-1%1", "#SBATCH --partition=gpu", "#SBATCH --gpus-per-node=1",
                 "#SBATCH --cpus-per-task=8", "#SBATCH --mem=32GB", "#SBATCH --time=120",
                 "#SBATCH --job-name=neuroarena"):
        assert line in script.splitlines(), line


class _CtrlC(GridProgress):
    """Progress that is interrupted as soon as jobs are running."""

    def running(self, n: int) -> None:
        raise KeyboardInterrupt


def test_ctrl_c_cancels_the_array(debug_job, fake_cluster, tmp_path):
    _fake_command(fake_cluster, "sbatch", "echo 'Submitted batch job 4343'\n")
    _fake_command(fake_cluster, "sacct", "printf 'JobID|State|NodeList\\n4343_0|RUNNING|n1\\n'\n")
    _fake_command(fake_cluster, "scancel", f"echo \"$@\" >> {tmp_path}/cancelled\n")
    executor = SlurmExecutor(SlurmOptions(poll_s=0.1), folder=tmp_path / "slurm")
    with pytest.raises(KeyboardInterrupt):
        executor.run([debug_job("dummy", seed=53)], ResultStore(tmp_path / "records"), progress=_CtrlC())
    assert (tmp_path / "cancelled").read_text() == "4343\n"
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
