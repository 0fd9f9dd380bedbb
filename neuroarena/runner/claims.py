"""Job claims: a job in progress holds a lock file next to its record, so a second run does not run it again.

The claim ``<record>.lock`` holds its owner's pid, host, start time and a token; it is published
with a link, so it appears complete or not at all, and only one process can hold it. A claim is
stale when its owner is a dead process of this host, or, for another host, when its owner has not
refreshed it for :data:`STALE_AFTER_S`; a stale claim is broken by the next process that wants
the job. Claims only save work: records stay exclusive without them.
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

from neuroarena.fileio import current_umask, owner_alive, owner_tag, this_host
from neuroarena.results.records import JobKey, ResultStore

__all__ = ["Claim", "STALE_AFTER_S", "acquire", "break_stale", "claim_path", "held", "is_stale", "read_claim",
           "release", "release_task", "slurm_task", "wait_claim"]

#: seconds after which a claim of another host that its owner stopped refreshing is stale
STALE_AFTER_S = 1800.0
#: seconds between two refreshes of a held claim
HEARTBEAT_S = 60.0


@dataclass(frozen=True)
class Claim:
    """Who holds the job whose record is next to ``path``."""

    path: str
    pid: int
    host: str
    started: float
    token: str
    job: str = ""  # the Slurm array task holding it, where one does

    def describe(self) -> str:
        """``pid 123 on node7 since 14:03:12``."""
        return f"pid {self.pid} on {self.host} since {datetime.fromtimestamp(self.started):%H:%M:%S}"


def slurm_task() -> str:
    """The Slurm task this process runs in, as submitit names it (``4242_0``, ``4243``), or ``""``."""
    array, task = os.environ.get("SLURM_ARRAY_JOB_ID"), os.environ.get("SLURM_ARRAY_TASK_ID")
    if array and task:
        return f"{array}_{task}"
    return os.environ.get("SLURM_JOB_ID", "")


def claim_path(store: ResultStore, key: JobKey) -> Path:
    """The claim file of ``key``'s job: its record's path with ``.lock`` appended."""
    record = store.path(key)
    return record.with_name(f"{record.name}.lock")


def read_claim(path: str | Path) -> Claim | None:
    """The claim at ``path``; None if there is none, a claim of no owner if it is unreadable."""
    try:
        data = json.loads(Path(path).read_text())
        return Claim(str(path), int(data["pid"]), str(data["host"]), float(data["started"]), str(data["token"]),
                     str(data.get("job", "")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):  # not written by a claimer: nobody owns it
        return Claim(str(path), 0, "", 0.0, "")


def is_stale(claim: Claim) -> bool:
    """Whether ``claim``'s owner is gone: a dead process of this host, or silent for :data:`STALE_AFTER_S`."""
    if not claim.token:
        return True
    alive = owner_alive(claim.pid, claim.host, since=claim.started)
    if alive is not None:
        return not alive
    try:
        refreshed = Path(claim.path).stat().st_mtime
    except FileNotFoundError:
        return True
    return time.time() - max(refreshed, claim.started) > STALE_AFTER_S


def acquire(path: str | Path) -> tuple[bool, Claim]:
    """Claim the job of ``path``: (True, the new claim), or (False, the live claim of another process).

    A stale claim found there is broken first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = Claim(str(path), os.getpid(), this_host(), time.time(), uuid.uuid4().hex, slurm_task())
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{owner_tag()}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w") as file:
            os.fchmod(file.fileno(), 0o666 & ~current_umask())
            json.dump({k: v for k, v in asdict(mine).items() if k != "path"}, file)
        while True:
            try:
                os.link(tmp, path)
                return True, mine
            except FileExistsError:
                other = read_claim(path)
            if other is not None and not is_stale(other):
                return False, other
            if other is not None:
                break_stale(other)
    finally:
        tmp.unlink(missing_ok=True)


def break_stale(claim: Claim) -> bool:
    """Remove ``claim`` if it is stale and still the one at its path; whether it was removed.

    The claim is moved aside first (only one process can), and put back if what was moved is a
    newer claim than the one judged stale.
    """
    if not is_stale(claim):
        return False
    path = Path(claim.path)
    aside = path.with_name(f".{path.name}.{owner_tag()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return False
    try:
        moved = read_claim(aside)
        if moved is not None and moved.token != claim.token:  # a claim taken meanwhile: give it back
            try:
                os.link(aside, path)
            except FileExistsError:
                pass
            return False
        return True
    finally:
        aside.unlink(missing_ok=True)


def release_task(path: str | Path, job: str) -> bool:
    """Remove the claim at ``path`` if the Slurm task ``job`` (which ended) holds it; whether it did."""
    claim = read_claim(path)
    if claim is None or not job or claim.job != job:
        return False
    release(claim)
    return True


def release(claim: Claim) -> None:
    """Remove ``claim`` if it is still the one at its path."""
    current = read_claim(claim.path)
    if current is not None and current.token == claim.token:
        Path(claim.path).unlink(missing_ok=True)


@contextmanager
def held(claim: Claim) -> Iterator[Claim]:
    """Refresh ``claim`` every :data:`HEARTBEAT_S` while the block runs, and release it at the end."""
    done = threading.Event()

    def refresh() -> None:
        while not done.wait(HEARTBEAT_S):
            current = read_claim(claim.path)
            if current is None or current.token != claim.token:
                return
            try:
                os.utime(claim.path)
            except OSError:
                return

    beat = threading.Thread(target=refresh, daemon=True)
    beat.start()
    try:
        yield claim
    finally:
        done.set()
        release(claim)


def wait_claim(path: str | Path, poll_s: float = 1.0) -> Claim:
    """Block until the job of ``path`` can be claimed here, and claim it."""
    while True:
        mine, claim = acquire(path)
        if mine:
            return claim
        time.sleep(poll_s)
