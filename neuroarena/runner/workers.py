"""A pool of local worker processes that survives the death of one of them.

Each worker is a "spawn" process (no copy of the controller's threads or CUDA state) that runs one
call at a time, sent over its own pipe, so the controller always knows which item each worker
holds. A worker that dies (killed, out of memory) costs only the item it held: the pool reports
that item as lost, starts a new worker in its place, and goes on with the rest.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Generic, Sequence, TypeVar

__all__ = ["Lost", "WorkerPool", "pin_gpu"]

T = TypeVar("T")


@dataclass(frozen=True)
class Lost:
    """What the pool reports for an item whose call did not return: why, and the worker's pid."""

    reason: str
    pid: int | None = None


def pin_gpu(gpus: list[str], slot: int) -> str | None:
    """Give the worker of ``slot`` (0, 1, ...) one GPU of ``gpus``, in turn.

    Sets ``$CUDA_VISIBLE_DEVICES`` before CUDA starts in this process; returns the GPU or None.
    A worker started in place of a dead one takes its slot, hence its GPU.
    """
    if not gpus:
        return None
    os.environ["CUDA_VISIBLE_DEVICES"] = gpus[slot % len(gpus)]
    return os.environ["CUDA_VISIBLE_DEVICES"]


def _serve(conn: Connection, controller: int, threads: int, gpus: list[str], slot: int,
           call: Callable[..., Any]) -> None:
    """A worker's life: pin a GPU, share the cores, then run each call received until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the controller's to handle
    pin_gpu(gpus, slot)
    threading.Thread(target=_exit_with, args=(controller,), daemon=True).start()
    import torch

    torch.set_num_threads(threads)
    while True:
        try:
            args = conn.recv()
        except (EOFError, OSError):
            args = None
        if args is None:  # done: skip the slow teardown of torch and friends
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        try:
            outcome: Any = call(*args)
        except Exception as err:  # e.g. the job's task cannot be loaded
            outcome = Lost(f"the worker could not run it ({type(err).__name__}: {err})", os.getpid())
        try:
            conn.send(outcome)
        except Exception as err:  # the outcome cannot be pickled
            conn.send(Lost(f"the worker could not send its result back ({type(err).__name__}: {err})",
                           os.getpid()))


def _exit_with(controller: int) -> None:
    """Exit this worker once the controller process is gone."""
    while os.getppid() == controller:
        time.sleep(0.5)
    os._exit(1)


@dataclass
class _Worker(Generic[T]):
    slot: int
    process: Any
    conn: Connection
    item: T | None = None


def _exit_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else str(-exitcode)
        return f"was killed by {name}" + (" (e.g. out of memory)" if exitcode == -signal.SIGKILL else "")
    return f"exited with code {exitcode}"


class WorkerPool(Generic[T]):
    """``size`` worker processes running ``call(*args(item))``, one item at a time each.

    Parameters
    ----------
    size : int
        Number of workers.
    call : callable
        A module-level function (it is pickled by reference).
    gpus : list of str
        GPUs the workers take in turn, one each.
    """

    def __init__(self, size: int, call: Callable[..., Any], gpus: Sequence[str] = ()):
        self.size = size
        self.call = call
        self.gpus = list(gpus)
        self.threads = max(1, (os.cpu_count() or 1) // size)
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker[T]] = []

    def _start(self, slot: int) -> _Worker[T]:
        mine, theirs = self._context.Pipe()
        # not daemonic, so that a job may start processes of its own (data loaders, joblib)
        process = self._context.Process(target=_serve, daemon=False, name=f"neuroarena-worker-{slot}",
                                        args=(theirs, os.getpid(), self.threads, self.gpus, slot, self.call))
        process.start()
        theirs.close()
        return _Worker(slot, process, mine)

    def run(self, items: Sequence[T], args: Callable[[T], tuple], done: Callable[[T, Any], None],
            busy: Callable[[int], None] = lambda n: None) -> None:
        """Run every item; ``done(item, outcome)`` as each ends (a :class:`Lost` if its worker died).

        ``busy(n)`` is told how many items are running whenever that changes.
        """
        queue = deque(items)
        while len(self._workers) < min(self.size, len(queue)):
            taken = {w.slot for w in self._workers}
            self._workers.append(self._start(min(set(range(self.size)) - taken)))
        while queue or any(w.item is not None for w in self._workers):
            for worker in self._workers:
                if worker.item is None and queue and worker.process.is_alive():
                    item = queue.popleft()
                    try:
                        worker.conn.send(args(item))
                        worker.item = item
                    except (BrokenPipeError, EOFError, OSError):  # it died idle: the item was never sent
                        queue.appendleft(item)
            busy(sum(w.item is not None for w in self._workers))
            ready = wait([w.conn for w in self._workers if w.item is not None]
                         + [w.process.sentinel for w in self._workers])
            for worker in list(self._workers):
                outcome = self._outcome(worker, ready)
                if outcome is None:
                    continue
                if worker.item is not None:
                    item, worker.item = worker.item, None
                    done(item, outcome)
                if isinstance(outcome, _Dead):  # a new worker takes its place while there is work for it
                    worker.conn.close()
                    index = self._workers.index(worker)
                    if queue:
                        self._workers[index] = self._start(worker.slot)
                    else:
                        del self._workers[index]

    @staticmethod
    def _outcome(worker: _Worker[T], ready: list) -> Any:
        """What ``worker`` has to say: its call's outcome, a :class:`_Dead` if it died, or None."""
        if worker.item is not None and worker.conn in ready:
            try:
                return worker.conn.recv()
            except (EOFError, OSError):
                pass
        elif worker.process.sentinel not in ready:
            return None
        worker.process.join(timeout=5)
        return _Dead(f"the worker process (pid {worker.process.pid}) {_exit_reason(worker.process.exitcode)} "
                     f"before the job ended", worker.process.pid)

    def close(self, now: bool = False) -> list[T]:
        """Stop the workers: when they are done (``now=False``), or at once (Ctrl-C); return the items they held."""
        held = [w.item for w in self._workers if w.item is not None]
        for worker in self._workers:
            if now:
                worker.process.terminate()
            else:
                try:
                    worker.conn.send(None)
                except (BrokenPipeError, OSError):
                    pass
        for worker in self._workers:
            worker.process.join(timeout=None if now else 30)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join()
            worker.conn.close()
        self._workers = []
        return held


class _Dead(Lost):
    """The outcome of a worker that died: its item is lost and the worker is replaced."""
