"""Run a grid as a Slurm job array through submitit.

Each array task unpickles one :class:`~neuroarena.runner.job.JobSpec`, claims it, runs it and
writes its record on the shared file system (``home`` must be visible from the compute nodes).
The controller watches the array; a task that ends without a record (time limit, memory, node
failure) gets a failed record naming its log, and its claim is released. A task finding its job
held by another run returns at once; the controller waits for that run's record.
``cluster="local"`` runs the very same pickles as local processes (submitit's LocalExecutor),
which is how the path is tested without Slurm.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neuroarena.errors import NeuroarenaError
from neuroarena.home import neuroarena_home
from neuroarena.results.records import JobKey, ResultStore
from neuroarena.runner import claims
from neuroarena.runner.executor import Attempt, GridExecutor, Settle, Todo, attempt, keep, lost_record
from neuroarena.runner.job import JobSpec
from neuroarena.runner.progress import GridProgress

#: Slurm states of a task that ended before it could return a result
_KILLED = ("TIMEOUT", "OUT_OF_MEMORY", "CANCELLED", "NODE_FAIL", "BOOT_FAIL", "DEADLINE", "PREEMPTED")
_TIME = re.compile(r"^(?:(\d+)-)?(\d+(?::\d+){0,2})$")


def parse_minutes(text: str | int) -> int:
    """A time limit in whole minutes, read as Slurm reads ``--time``.

    ``"90"`` (minutes), ``"90:30"`` (minutes:seconds), ``"1:30:00"`` (hours:minutes:seconds),
    ``"2-12"``, ``"2-12:30"``, ``"2-12:30:00"`` (days-hours[:minutes[:seconds]]); seconds round up.
    """
    if isinstance(text, int):
        return text
    match = _TIME.match(str(text).strip())
    if not match:
        raise NeuroarenaError(f"cannot read --time '{text}'",
                              fix="give minutes (90), H:MM:SS (1:30:00) or D-HH[:MM[:SS]] (2-12)")
    days, clock = int(match.group(1) or 0), [int(part) for part in match.group(2).split(":")]
    if match.group(1):
        hours, minutes, seconds = (clock + [0, 0])[:3]
    elif len(clock) == 3:
        hours, minutes, seconds = clock
    else:
        hours, minutes, seconds = 0, clock[0], (clock + [0])[1]
    return max(1, days * 1440 + hours * 60 + minutes + (seconds + 59) // 60)


@dataclass(frozen=True)
class SlurmOptions:
    """Resources of each array task, and how the controller talks to the cluster.

    Parameters
    ----------
    partition : str, optional
        Slurm partition (default: the cluster's).
    gpus : int
        GPUs per job.
    cpus : int
        CPU cores per job.
    mem_gb : float, optional
        Memory per job in GB (default: the cluster's).
    time : int or str
        Time limit per job: minutes or ``[D-]HH:MM[:SS]``.
    array_parallelism : int
        At most this many array tasks run at once.
    cluster : {"slurm", "local"}
        ``"local"`` runs the submitit pickles as local processes (no Slurm needed).
    poll_s : float
        Seconds between two looks at the array's state.
    """

    partition: str | None = None
    gpus: int = 0
    cpus: int = 4
    mem_gb: float | None = None
    time: int | str = 240
    array_parallelism: int = 64
    cluster: str = "slurm"
    poll_s: float = 15.0

    def parameters(self) -> dict[str, Any]:
        """Keyword arguments of ``submitit.AutoExecutor.update_parameters``."""
        params: dict[str, Any] = dict(name="neuroarena", timeout_min=parse_minutes(self.time),
                                      cpus_per_task=int(self.cpus), gpus_per_node=int(self.gpus),
                                      slurm_array_parallelism=int(self.array_parallelism))
        if self.mem_gb is not None:
            params["mem_gb"] = float(self.mem_gb)
        if self.partition:
            params["slurm_partition"] = self.partition
        return params


class SlurmExecutor(GridExecutor):
    """Submits the grid as one job array (``executor.map_array``) and collects the records.

    On Ctrl-C the array's unfinished tasks are cancelled; if the controller is killed instead,
    they run on and write their records, which a re-run then skips.
    """

    def __init__(self, options: SlurmOptions | None = None, folder: str | Path | None = None):
        """``folder`` keeps submitit's pickles and logs (default ``<home>/slurm``)."""
        self.options = options or SlurmOptions()
        self.folder = None if folder is None else Path(folder)

    def dispatch(self, todo: list[Todo], store: ResultStore, settle: Settle, progress: GridProgress,
                 retry_before: float | None) -> None:
        import submitit

        if self.options.cluster == "slurm" and not all(shutil.which(tool) for tool in ("sbatch", "srun")):
            raise NeuroarenaError("--executor slurm needs Slurm's `sbatch` and `srun`, which are not on PATH",
                                  fix="run from a Slurm login node, or use --executor local")
        folder = self.folder or neuroarena_home() / "slurm"
        executor = submitit.AutoExecutor(folder=folder, cluster=self.options.cluster)
        executor.update_parameters(**self.options.parameters())
        specs = [spec for _, spec, _ in todo]
        try:
            jobs = executor.map_array(attempt, specs, [str(store.root)] * len(specs), [retry_before] * len(specs))
        except (submitit.core.utils.FailedJobError, submitit.core.utils.FailedSubmissionError) as err:
            reason = " ".join(str(err).split()) or type(err).__name__
            raise NeuroarenaError(f"the job array was not submitted: {reason}",
                                  fix="check --partition, --gpus, --cpus, --mem and --time against `sinfo`") from None
        pending = dict(zip(range(len(jobs)), zip(jobs, todo)))
        try:
            while pending:
                for n, (job, (i, spec, key)) in list(pending.items()):
                    if not job.done():
                        continue
                    del pending[n]
                    settle((i, spec, key), self._collect(job, spec, key, store))
                progress.running(sum(job.state == "RUNNING" for job, _ in pending.values()))
                if pending:
                    time.sleep(self.options.poll_s)
        except BaseException:
            self._cancel([job for job, _ in pending.values()])
            raise

    def _cancel(self, jobs: list) -> None:
        """Cancel unfinished tasks: one ``scancel`` per array on Slurm."""
        if self.options.cluster == "slurm":
            arrays = sorted({str(job.job_id).split("_")[0] for job in jobs})
            if arrays:
                subprocess.run(["scancel", *arrays], check=False, capture_output=True)
            return
        for job in jobs:
            job.cancel(check=False)

    def _collect(self, job, spec: JobSpec, key: JobKey, store: ResultStore) -> Attempt:
        """The attempt an ended task returned, or a failed record when it ended without (limits, node failure)."""
        state = job.state
        if job.paths.result_pickle.exists() or not state.upper().startswith(_KILLED):
            try:
                return job.result()  # waits a little for a result file a shared file system shows late
            except Exception:
                state = job.state
        path = claims.claim_path(store, key)
        holder = claims.read_claim(path)
        if holder is not None and not claims.release_task(path, str(job.job_id)) and not claims.is_stale(holder):
            return Attempt(claim=holder)  # another run holds the job: its record will come
        error = f"{self.options.cluster} job {job.job_id} ended ({state}) without a record; log: {job.paths.stderr}"
        record = keep(store, lost_record(spec, key, error))
        if holder is not None:
            claims.break_stale(holder)
        return Attempt(record=record, ran=True)
