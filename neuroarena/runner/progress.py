"""Progress of a grid: done / running / failed / skipped counts and one line per finished job."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from neuroarena.results.records import JobKey, ResultRecord


def describe_key(key: JobKey) -> str:
    """``task | dataset | model | seed N``."""
    return f"{key.task} | {key.dataset} | {key.model} | seed {key.seed}"


def describe(record: ResultRecord) -> str:
    """One line: what ran and how it went."""
    head = describe_key(record.key)
    if record.status != "ok":
        return f"{head}: FAILED: {record.error}"
    score = record.metrics.get(record.primary_metric, float("nan"))
    return f"{head}: {record.primary_metric}={score:.3f} ({record.wall_time_s:.1f} s)"


@dataclass
class JobCounts:
    """How many of a grid's ``total`` jobs are done, failed, skipped (recorded before) and running."""

    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    running: int = 0

    @property
    def finished(self) -> int:
        """Jobs with a record: done, failed or skipped."""
        return self.done + self.failed + self.skipped

    @property
    def waiting(self) -> int:
        """Jobs neither finished nor running (queued in a pool or pending on Slurm)."""
        return self.total - self.finished - self.running

    def line(self) -> str:
        return (f"{self.finished}/{self.total} jobs: {self.done} done, {self.running} running, "
                f"{self.failed} failed, {self.skipped} skipped, {self.waiting} waiting")


class GridProgress:
    """Reports a grid as it runs: one line per finished or skipped job, and the counts.

    Use it as a context manager around the run; with ``live=True`` the counts stay on a
    live line at the bottom of the terminal (stderr) while job lines scroll above it.

    Parameters
    ----------
    say : callable
        Receives each line (e.g. ``print`` or a rich console's ``print``).
    live : bool
        Show the counts on a live line (meaningful on a terminal).
    """

    def __init__(self, say: Callable[[str], None] = lambda message: None, live: bool = False):
        self.say = say
        self.live = live
        self.counts = JobCounts()
        self._display = None

    def __enter__(self) -> GridProgress:
        if self.live:
            from rich.console import Console
            from rich.live import Live

            self._display = Live(self, console=Console(stderr=True), transient=True, refresh_per_second=4)
            self._display.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self._display is not None:
            self._display.stop()
            self._display = None
        if self.counts.total:
            self.say(self.counts.line())

    def __rich__(self) -> str:
        return self.counts.line()

    def start(self, total: int) -> None:
        """A grid of ``total`` jobs begins."""
        self.counts = JobCounts(total=total)

    def skipped(self, record: ResultRecord, elsewhere: bool = False) -> None:
        """A job already has a record it keeps (finished, or failed and not retried).

        ``elsewhere``: another run wrote it while this grid ran.
        """
        self.counts.skipped += 1
        self.say(f"{self._prefix()} skipped (recorded{' elsewhere' if elsewhere else ''}) {describe(record)}")
        self._refresh()

    def elsewhere(self, key: JobKey, holder: str) -> None:
        """Another live run holds the job of ``key`` (``holder`` says who): this grid waits for its record."""
        self.say(f"{self._prefix()} running elsewhere ({holder}), waiting for its record: {describe_key(key)}")

    def running(self, n: int) -> None:
        """``n`` jobs are running now."""
        self.counts.running = n
        self._refresh()

    def finished(self, record: ResultRecord) -> None:
        """A job ended and its record is written."""
        if record.status == "ok":
            self.counts.done += 1
        else:
            self.counts.failed += 1
        self.counts.running = min(self.counts.running, self.counts.total - self.counts.finished)
        self.say(f"{self._prefix()} {describe(record)}")
        self._refresh()

    def _prefix(self) -> str:
        return f"[{self.counts.finished}/{self.counts.total}]"

    def _refresh(self) -> None:
        if self._display is not None:
            self._display.refresh()
