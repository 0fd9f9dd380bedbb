"""Executors: where jobs run. A finished job is skipped; a failed one is re-run only with ``retry``."""
from __future__ import annotations

from typing import Callable, Sequence

from neuroarena.results.records import JobKey, ResultRecord, ResultStore
from neuroarena.runner.job import JobSpec, run_job


def job_key(spec: JobSpec) -> JobKey:
    """The record key of ``spec`` (loads the task and the dataset's parameters, not the data)."""
    from neuroarena.studies.registry import get_study
    from neuroarena.tasks.config import load_task

    return spec.key(load_task(spec.task), get_study(spec.dataset).params())


def describe(record: ResultRecord) -> str:
    """One line: what ran and how it went."""
    k = record.key
    head = f"{k.task} | {k.dataset} | {k.model} | seed {k.seed}"
    if record.status != "ok":
        return f"{head}: FAILED: {record.error}"
    score = record.metrics.get(record.primary_metric, float("nan"))
    return f"{head}: {record.primary_metric}={score:.3f} ({record.wall_time_s:.1f} s)"


class InProcessExecutor:
    """Runs jobs one after the other in this process; each record is written as soon as its job ends."""

    def run(self, jobs: Sequence[JobSpec], store: ResultStore, retry: bool = False,
            progress: Callable[[str], None] = lambda message: None) -> list[ResultRecord]:
        records = []
        for i, spec in enumerate(jobs, 1):
            prefix = f"[{i}/{len(jobs)}]"
            existing = store.get(job_key(spec))
            if existing is not None and (existing.status == "ok" or not retry):
                progress(f"{prefix} skipped (recorded) {describe(existing)}")
                records.append(existing)
                continue
            record = run_job(spec)
            store.write(record)
            progress(f"{prefix} {describe(record)}")
            records.append(record)
        return records
