"""Executors: where jobs run (this process, local worker processes, Slurm).

Every executor plans the same way: a job whose record is finished is skipped, a failed one is
skipped too unless ``retry``. Workers run :func:`attempt`, which claims the job (a lock file next
to its record, see :mod:`neuroarena.runner.claims`), runs it and publishes its record as soon as
it ends, so a killed controller loses nothing that finished and the first finished record of a
job stands. A job another live run holds is not run twice: the grid waits for its record. A job
whose worker dies without a record (killed, out of memory, out of time) gets a failed record
from the controller; only that job: a dead local worker is replaced and the others go on.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from neuroarena.errors import NeuroarenaError
from neuroarena.results.records import JobKey, ResultRecord, ResultStore
from neuroarena.runner import claims
from neuroarena.runner.home import use_home
from neuroarena.runner.job import JobSpec, run_job
from neuroarena.runner.progress import GridProgress, describe
from neuroarena.runner.workers import Lost, WorkerPool, pin_gpu

__all__ = ["EXECUTORS", "Attempt", "GridExecutor", "InProcessExecutor", "LocalProcessExecutor", "attempt",
           "describe", "execute", "job_key", "keep", "lost_record", "make_executor", "pin_gpu", "visible_gpus"]

EXECUTORS = ("inprocess", "local", "slurm")
#: (position in the grid, job, its record key)
Todo = tuple[int, JobSpec, JobKey]


@dataclass(frozen=True)
class Attempt:
    """What one try at a job came to.

    ``record`` with ``ran``: the job ran here; ``record`` without: another run recorded it since the
    grid was planned; ``claim``: another live process holds the job (no record yet).
    """

    record: ResultRecord | None = None
    ran: bool = False
    claim: claims.Claim | None = None


#: ``settle(todo item, attempt)``, called by an executor as each job's attempt ends
Settle = Callable[[Todo, Attempt], None]


def job_key(spec: JobSpec, studies: dict[str, Any] | None = None) -> JobKey:
    """The record key of ``spec`` (loads the task, the dataset's parameters and the stamps of its files, not the
    data): a job on edited or touched files is a new job. ``studies`` (dataset hash -> study) shares one study,
    and so one listing of its files, between the jobs of a grid."""
    from neuroarena.hashing import stable_hash
    from neuroarena.prepare.build import store_key
    from neuroarena.runner.stimulus_spaces import job_spaces

    if not isinstance(spec, JobSpec):  # another kind of job (an alignment benchmark) keys itself
        return spec.record_key()
    if spec.home is not None:  # the dataset's default root lies under the job's home, as in run_job
        use_home(spec.home)
    task, name = spec.task_config(), stable_hash(spec.dataset)
    study = studies.get(name) if studies is not None else None
    if study is None:
        study = spec.dataset.open()
        if studies is not None:
            studies[name] = study
    return spec.key(task, study.params(), job_spaces(task, study, spec.embedder),
                    store_key(study, spec.prepare_config(task)))


def keep(store: ResultStore, record: ResultRecord) -> ResultRecord:
    """Write ``record`` unless a finished record of its job exists already; return the one kept.

    Publishing is exclusive (:meth:`ResultStore.publish`): of writers racing on one job, the first
    finished record stands and the others get it back.
    """
    return store.publish(record)


def rerun(store: ResultStore, record: ResultRecord, retry_before: float | None) -> bool:
    """Whether ``record`` is a failure to run again: one recorded before ``retry_before`` (None: never)."""
    if record.status == "ok" or retry_before is None:
        return False
    try:
        return store.path(record.key).stat().st_mtime < retry_before
    except FileNotFoundError:
        return True


def attempt(spec: JobSpec, records: str, retry_before: float | None = None, wait: bool = False) -> Attempt:
    """Claim ``spec``'s job, run it unless it is recorded, publish its record; what every worker calls.

    A job that failed before its key was resolved (e.g. a corrupt store) is filed under its
    key all the same, so a re-run finds it and skips it unless asked to retry.

    Parameters
    ----------
    spec : JobSpec
        The job.
    records : str
        The records folder.
    retry_before : float, optional
        Run the job again if its record is a failure written before this time (seconds since the
        epoch: when a grid with ``retry`` was planned); a later failure is kept.
    wait : bool
        If another live process holds the job, wait until it lets go (else return its claim).
    """
    use_home(spec.home)
    key = job_key(spec)
    store = ResultStore(records)
    path = claims.claim_path(store, key)
    if wait:
        claim = claims.wait_claim(path)
    else:
        mine, claim = claims.acquire(path)
        if not mine:
            return Attempt(claim=claim)
    with claims.held(claim):
        existing = store.get(key)
        if existing is not None and not rerun(store, existing, retry_before):
            return Attempt(record=existing)
        record = run_job(spec) if isinstance(spec, JobSpec) else spec.run()
        if record.status != "ok" and record.key != key:
            record = replace(record, key=key)
        return Attempt(record=keep(store, record), ran=True)


def execute(spec: JobSpec, records: str, retry_before: float | None = None) -> ResultRecord:
    """:func:`attempt` that waits for a job another process holds; returns the job's record."""
    return attempt(spec, records, retry_before, wait=True).record


def lost_record(spec: JobSpec, key: JobKey, error: str) -> ResultRecord:
    """The failed record of a job whose worker ended without writing one."""
    if not isinstance(spec, JobSpec):
        return spec.lost_record(key, error)
    recipe = spec.recipe(spec.task_config())
    return ResultRecord(key=key, status="failed", error=error, recipe=recipe.model_dump(mode="json"),
                        recipe_overrides=recipe.overrides())


class GridExecutor:
    """Plans a grid (skip, retry), runs what is left with :meth:`dispatch`, reports progress.

    A job that another live run holds is waited for: its record is reported once written, or,
    if that run ended without one, the job is dispatched here.
    """

    #: seconds between two looks at jobs that run elsewhere
    poll_s: float = 0.5

    def run(self, jobs: Sequence[JobSpec], store: ResultStore, retry: bool = False,
            progress: GridProgress | Callable[[str], None] | None = None) -> list[ResultRecord]:
        """Run ``jobs`` and return one record per job, in the order of ``jobs``.

        Parameters
        ----------
        jobs : list of JobSpec
            The grid; their window stores must exist (``api.run`` prepares them first).
        store : ResultStore
            Where records are read and written.
        retry : bool
            Run jobs whose record says they failed again.
        progress : GridProgress or callable, optional
            Receives the counts and one line per finished or skipped job.
        """
        if not isinstance(progress, GridProgress):
            progress = GridProgress(progress or (lambda message: None))
        retry_before = time.time() if retry else None
        studies: dict[str, Any] = {}  # one listing of each dataset's files for the whole plan
        keys = [job_key(spec, studies) for spec in jobs]
        first = {key: i for i, key in reversed(list(enumerate(keys)))}  # a job asked for twice runs once
        progress.start(len(first))
        records: dict[int, ResultRecord] = {}
        todo: list[Todo] = []
        for key, i in sorted(first.items(), key=lambda item: item[1]):
            existing = store.get(key)
            if existing is not None and (existing.status == "ok" or not retry):
                records[i] = existing
                progress.skipped(existing)
            else:
                todo.append((i, jobs[i], key))
        held: list[Todo] = []  # jobs that other runs hold

        def settle(item: Todo, outcome: Attempt) -> None:
            if outcome.claim is not None:
                held.append(item)
                progress.elsewhere(item[2], outcome.claim.describe())
                return
            records[item[0]] = outcome.record
            if outcome.ran:
                progress.finished(outcome.record)
            else:
                progress.skipped(outcome.record, elsewhere=True)

        try:
            while todo:
                self.dispatch(todo, store, settle, progress, retry_before)
                todo = self._released(held, store, settle, retry_before)
        finally:
            self.close()
        return [records[first[key]] for key in keys]

    def _released(self, held: list[Todo], store: ResultStore, settle: Settle,
                  retry_before: float | None) -> list[Todo]:
        """Wait until some of the ``held`` jobs are let go: settle those recorded, return those to run here."""
        while held:
            free = []
            for item in list(held):
                claim = claims.read_claim(claims.claim_path(store, item[2]))
                if claim is not None and not claims.is_stale(claim):
                    continue
                held.remove(item)
                record = store.get(item[2])
                if record is not None and not rerun(store, record, retry_before):
                    settle(item, Attempt(record=record))
                else:  # it ended without a record: run it here
                    free.append(item)
            if free:
                return free
            if held:
                time.sleep(self.poll_s)
        return []

    def dispatch(self, todo: list[Todo], store: ResultStore, settle: Settle, progress: GridProgress,
                 retry_before: float | None) -> None:
        """Try every job of ``todo`` (see :func:`attempt`); call ``settle(item, attempt)`` as each ends."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the executor holds once the grid is over (workers)."""


class InProcessExecutor(GridExecutor):
    """Runs jobs one after the other in this process."""

    def dispatch(self, todo: list[Todo], store: ResultStore, settle: Settle, progress: GridProgress,
                 retry_before: float | None) -> None:
        for item in todo:
            progress.running(1)
            settle(item, attempt(item[1], str(store.root), retry_before))
        progress.running(0)


class LocalProcessExecutor(GridExecutor):
    """Runs jobs on ``workers`` worker processes of this machine.

    Workers are started with "spawn" (no copy of the controller's threads or CUDA state), live
    for the whole grid (the heavy imports happen once per worker), share the CPU cores
    (``torch.set_num_threads(cores // workers)``), take the visible GPUs in turn (one each) and
    exit when the controller dies. A worker that dies costs only the job it was running (it gets
    a failed record): another worker takes its place and the other jobs run.
    """

    def __init__(self, workers: int = 2):
        if workers < 1:
            raise NeuroarenaError(f"--workers must be at least 1, got {workers}", fix="pass --workers 2 or more")
        self.workers = workers
        self._pool: WorkerPool | None = None

    def dispatch(self, todo: list[Todo], store: ResultStore, settle: Settle, progress: GridProgress,
                 retry_before: float | None) -> None:
        if self._pool is None:
            self._pool = WorkerPool(self.workers, attempt, visible_gpus())
        root = str(store.root)

        def done(item: Todo, outcome: Attempt | Lost) -> None:
            settle(item, _lost(store, item, outcome) if isinstance(outcome, Lost) else outcome)

        try:
            self._pool.run(todo, lambda item: (item[1], root, retry_before), done, progress.running)
        except BaseException:  # Ctrl-C: running jobs stop now (finished records stay)
            pool, self._pool = self._pool, None
            for _, _, key in pool.close(now=True):
                claim = claims.read_claim(claims.claim_path(store, key))
                if claim is not None:
                    claims.break_stale(claim)
            raise
        progress.running(0)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _lost(store: ResultStore, item: Todo, lost: Lost) -> Attempt:
    """The attempt of a job whose worker gave no outcome: a failed record, unless another run holds the job."""
    _, spec, key = item
    claim = claims.read_claim(claims.claim_path(store, key))
    if claim is not None and not claims.is_stale(claim) and claim.pid != lost.pid:
        return Attempt(claim=claim)
    record = keep(store, lost_record(spec, key, lost.reason))
    if claim is not None:
        claims.break_stale(claim)
    return Attempt(record=record, ran=True)


def visible_gpus() -> list[str]:
    """The GPUs local workers are spread over: ``$CUDA_VISIBLE_DEVICES``, else every GPU torch sees."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [gpu.strip() for gpu in visible.split(",") if gpu.strip()]
    import torch

    return [str(i) for i in range(torch.cuda.device_count())]


def make_executor(name: str = "inprocess", workers: int = 2, slurm: Any = None) -> GridExecutor:
    """The executor called ``name``: ``inprocess``, ``local`` (``workers`` processes) or ``slurm``.

    ``slurm`` is a :class:`~neuroarena.runner.slurm.SlurmOptions` or a dict of its fields.
    """
    if name == "inprocess":
        return InProcessExecutor()
    if name == "local":
        return LocalProcessExecutor(workers)
    if name == "slurm":
        from neuroarena.runner.slurm import SlurmExecutor, SlurmOptions

        options = slurm if isinstance(slurm, SlurmOptions) else SlurmOptions(**(slurm or {}))
        return SlurmExecutor(options)
    raise NeuroarenaError(f"unknown executor '{name}'", fix=f"use one of {', '.join(EXECUTORS)}")
