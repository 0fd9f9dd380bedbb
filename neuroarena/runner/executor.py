"""Executors: where jobs run (this process, local worker processes, Slurm).

Every executor plans the same way: a job whose record is finished is skipped, a failed one is
skipped too unless ``retry``. Workers run :func:`execute`, which writes the job's record
atomically as soon as the job ends, so a killed controller loses nothing that finished. A job
whose worker dies without a record (killed, out of memory, out of time) gets a failed record
from the controller.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from typing import Any, Callable, Sequence

from neuroarena.errors import NeuroarenaError
from neuroarena.results.records import JobKey, ResultRecord, ResultStore
from neuroarena.runner.home import use_home
from neuroarena.runner.job import JobSpec, run_job
from neuroarena.runner.progress import GridProgress, describe

__all__ = ["EXECUTORS", "GridExecutor", "InProcessExecutor", "LocalProcessExecutor", "describe", "execute",
           "job_key", "keep", "lost_record", "make_executor", "pin_gpu", "visible_gpus"]

EXECUTORS = ("inprocess", "local", "slurm")
#: (position in the grid, job, its record key)
Todo = tuple[int, JobSpec, JobKey]
Report = Callable[[int, ResultRecord], None]


def job_key(spec: JobSpec) -> JobKey:
    """The record key of ``spec`` (loads the task and the dataset's parameters, not the data)."""
    from neuroarena.runner.stimulus_spaces import job_spaces

    task, study = spec.task_config(), spec.dataset.open()
    return spec.key(task, study.params(), job_spaces(task, study, spec.embedder))


def keep(store: ResultStore, record: ResultRecord) -> ResultRecord:
    """Write ``record`` unless a finished record of its job exists already; return the one kept."""
    existing = store.get(record.key)
    if existing is not None and existing.status == "ok":
        return existing
    store.write(record)
    return record


def execute(spec: JobSpec, records: str) -> ResultRecord:
    """Run ``spec`` and write its record into the records folder ``records``; what every worker calls.

    A job that failed before its key was resolved (e.g. a corrupt store) is filed under its
    key all the same, so a re-run finds it and skips it unless asked to retry.
    """
    use_home(spec.home)
    key = job_key(spec)
    record = run_job(spec)
    if record.status != "ok" and record.key != key:
        record = replace(record, key=key)
    return keep(ResultStore(records), record)


def lost_record(spec: JobSpec, key: JobKey, error: str) -> ResultRecord:
    """The failed record of a job whose worker ended without writing one."""

    recipe = spec.recipe(spec.task_config())
    return ResultRecord(key=key, status="failed", error=error, recipe=recipe.model_dump(mode="json"),
                        recipe_overrides=recipe.overrides())


class GridExecutor:
    """Plans a grid (skip, retry), runs what is left with :meth:`dispatch`, reports progress."""

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
        keys = [job_key(spec) for spec in jobs]
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

        def report(i: int, record: ResultRecord) -> None:
            records[i] = record
            progress.finished(record)

        if todo:
            self.dispatch(todo, store, report, progress)
        return [records[first[key]] for key in keys]

    def dispatch(self, todo: list[Todo], store: ResultStore, report: Report, progress: GridProgress) -> None:
        """Run every job of ``todo``; call ``report(position, record)`` as each one ends."""
        raise NotImplementedError


class InProcessExecutor(GridExecutor):
    """Runs jobs one after the other in this process."""

    def dispatch(self, todo: list[Todo], store: ResultStore, report: Report, progress: GridProgress) -> None:
        for i, spec, _ in todo:
            progress.running(1)
            report(i, execute(spec, str(store.root)))


class LocalProcessExecutor(GridExecutor):
    """Runs jobs on ``workers`` worker processes of this machine.

    Workers are started with "spawn" (no copy of the controller's threads or CUDA state), live
    for the whole grid (the heavy imports happen once per worker), share the CPU cores
    (``torch.set_num_threads(cores // workers)``), take the visible GPUs in turn (one each) and
    exit when the controller dies.
    """

    def __init__(self, workers: int = 2):
        if workers < 1:
            raise NeuroarenaError(f"--workers must be at least 1, got {workers}", fix="pass --workers 2 or more")
        self.workers = workers

    def dispatch(self, todo: list[Todo], store: ResultStore, report: Report, progress: GridProgress) -> None:
        context = multiprocessing.get_context("spawn")
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker,
                                   initargs=(os.getpid(), threads, visible_gpus(), context.Value("i", 0)))
        intact = False  # workers are stopped at once unless every job came back from them
        try:
            futures = {_submit(pool, spec, str(store.root)): (i, spec, key) for i, spec, key in todo}
            left, lost = len(futures), False
            progress.running(min(self.workers, left))
            for future in as_completed(futures):
                i, spec, key = futures[future]
                try:
                    record = future.result()
                except BrokenProcessPool:
                    lost = True
                    record = keep(store, lost_record(spec, key, "the worker pool broke (a worker process was "
                                                                "killed or ran out of memory) before the job ended"))
                except Exception as err:  # the pool could not start it, or the record could not be sent back
                    lost = True
                    record = keep(store, lost_record(spec, key, f"the worker pool could not run it "
                                                                f"({type(err).__name__}: {err})"))
                left -= 1
                report(i, record)
                progress.running(min(self.workers, left))
            intact = not lost
        finally:
            if not intact:
                _stop_workers(pool)
            pool.shutdown(wait=True, cancel_futures=True)


def _submit(pool: ProcessPoolExecutor, spec: JobSpec, records: str) -> Future:
    """``pool.submit(execute, ...)``; if the pool broke meanwhile, a future holding the error."""
    try:
        return pool.submit(execute, spec, records)
    except Exception as err:  # BrokenProcessPool, or OSError when it broke while starting a worker
        future: Future = Future()
        future.set_exception(err)
        return future


def visible_gpus() -> list[str]:
    """The GPUs local workers are spread over: ``$CUDA_VISIBLE_DEVICES``, else every GPU torch sees."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [gpu.strip() for gpu in visible.split(",") if gpu.strip()]
    import torch

    return [str(i) for i in range(torch.cuda.device_count())]


def pin_gpu(gpus: list[str], counter: Any) -> str | None:
    """Give the next worker (``counter``: a shared ``multiprocessing.Value``) one GPU of ``gpus``, in turn.

    Sets ``$CUDA_VISIBLE_DEVICES`` before CUDA starts in this process; returns the GPU or None.
    """
    with counter.get_lock():
        index = counter.value
        counter.value += 1
    if not gpus:
        return None
    os.environ["CUDA_VISIBLE_DEVICES"] = gpus[index % len(gpus)]
    return os.environ["CUDA_VISIBLE_DEVICES"]


def _start_worker(controller: int, threads: int, gpus: list[str], counter: Any) -> None:
    """Pin a GPU, share the cores between workers, and exit once the controller process is gone."""
    pin_gpu(gpus, counter)
    import torch

    torch.set_num_threads(threads)
    threading.Thread(target=_exit_with, args=(controller,), daemon=True).start()


def _exit_with(controller: int) -> None:
    while os.getppid() == controller:
        time.sleep(0.5)
    os._exit(1)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the workers now: on Ctrl-C running jobs stop (finished records stay).

    Also needed after a worker died: a broken pool may otherwise wait forever on a worker
    that was still starting when it broke.
    """
    # ProcessPoolExecutor has no public way to stop running calls before Python 3.14
    for process in list(getattr(pool, "_processes", {}).values()):
        process.terminate()


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
