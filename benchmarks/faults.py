"""Faults a grid must survive: kill -9 of the controller or of one worker, identical grids and record writers at once.

    python benchmarks/faults.py [--rounds 1] [--writers 6] [--writer-rounds 20]

Every scenario runs the real CLI on the tiny simulated study (``eeg category --dataset simulated-tiny
-m dummy cov_ts_lr eegnet --seeds 33 34 --debug``: 6 cheap jobs) in its own home, copied from one
prepared home, and watches the records folder while it runs (every 20 ms: inode, modification time
and bytes of each record):

- ``kill controller (local)`` / ``(inprocess)``: kill -9 of the controller once its first record is
  written, then a plain re-run;
- ``kill one worker``: kill -9 of the local worker holding the first eegnet job (its pid is in the
  job's claim), then a re-run with ``--retry``;
- ``3 identical grids``: three identical grids started at once on one home;
- ``racing writers``: ``--writers`` processes publish a finished record of the same job at the same
  moment, ``--writer-rounds`` times (no CLI).

Columns: ``faults`` injected; ``survived``: every job ends with a finished record and nothing that
was finished is lost or changed; ``lost``: finished records that disappeared; ``replaced``: finished
records whose bytes or inode changed after they appeared; ``runs/jobs``: jobs run to an end (a
record written by that run: ``done`` + ``failed`` counts of every process, failed attempts included)
over distinct jobs; ``orphans``: temporary files and folders of dead processes left under the home
at the end; ``wall s``: the scenario's wall time, re-runs included. Speed figures vary with the
machine; the other columns should not.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

GRID = ["eeg", "category", "--dataset", "simulated-tiny", "-m", "dummy", "cov_ts_lr", "eegnet", "--seeds", "33", "34",
        "--debug"]
N_JOBS = 6
COUNTS = re.compile(r"(\d+)/(\d+) jobs: (\d+) done, \d+ running, (\d+) failed, (\d+) skipped")
ORPHANS = re.compile(r"\d+@[A-Za-z0-9-]+\.")


@dataclass
class Outcome:
    """What one scenario came to."""

    name: str
    faults: int = 0
    jobs: int = N_JOBS
    runs: int = 0
    lost: int = 0
    replaced: int = 0
    orphans: int = 0
    complete: bool = False
    wall_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def survived(self) -> bool:
        return self.complete and self.lost == 0 and self.replaced == 0


class RecordWatch(threading.Thread):
    """Polls a records folder: the first (inode, mtime, bytes) of each finished record, and any change."""

    def __init__(self, root: Path):
        super().__init__(daemon=True)
        self.root, self.first, self.changed, self.stop = root, {}, set(), threading.Event()

    def look(self) -> None:
        for path in self.root.rglob("seed-*.json"):
            try:
                status, data = path.stat(), path.read_bytes()
            except FileNotFoundError:
                continue
            if b'"status": "ok"' not in data:
                continue
            seen = (status.st_ino, status.st_mtime_ns, data)
            if path not in self.first:
                self.first[path] = seen
            elif self.first[path] != seen:
                self.changed.add(path)

    def run(self) -> None:
        while not self.stop.wait(0.02):
            self.look()

    def finish(self) -> tuple[int, int]:
        """(finished records lost, finished records replaced) so far."""
        self.stop.set()
        self.join()
        self.look()
        return sum(not p.exists() for p in self.first), len(self.changed)


def cli(home: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "COLUMNS": "200"}
    return subprocess.Popen([sys.executable, "-m", "neuroarena", "--home", str(home), *GRID, *extra], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)


def runs_of(stderr: str) -> int:
    """Jobs a run ran to an end: from its final counts line, else from its job lines."""
    counts = COUNTS.findall(stderr)
    if counts:
        return int(counts[-1][2]) + int(counts[-1][3])
    return len([line for line in stderr.splitlines() if re.match(r"\[\d+/\d+\] (?!skipped|running elsewhere)", line)])


def finish(process: subprocess.Popen, timeout: float = 600) -> str:
    _, err = process.communicate(timeout=timeout)
    return err


def wait_for(predicate, timeout: float = 300, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def records(home: Path) -> list[Path]:
    return sorted((home / "results" / "records").rglob("seed-*.json"))


def all_ok(home: Path) -> bool:
    paths = records(home)
    return len(paths) == N_JOBS and all('"status": "ok"' in p.read_text() for p in paths)


def orphans(home: Path) -> int:
    """Temporary files and folders under ``home`` whose owner (pid in the name) is dead."""
    from neuroarena.fileio import owner_alive, owner_of

    count = 0
    for folder, dirs, files in os.walk(home):
        for name in dirs + files:
            owner = owner_of(name) if ORPHANS.search(name) else None
            if owner is not None and owner_alive(*owner) is False:
                count += 1
    return count


def settle_orphans(outcome: Outcome, home: Path) -> None:
    """Count what dead processes left after the scenario's last run, then what a run's start clears of it."""
    from neuroarena.fileio import clean_home_orphans

    outcome.orphans = orphans(home)
    left = len(list(home.rglob("*.lock")))
    if left:
        outcome.notes.append(f"{left} claims left at the end")
    if outcome.orphans:
        outcome.notes.append(f"clean_home_orphans removes {len(clean_home_orphans(home))}")


def scenario_kill_controller(base: Path, executor: str, after: int = 1) -> Outcome:
    """Kill -9 of the controller once ``after`` records are written, then a plain re-run."""
    outcome = Outcome(f"kill controller ({executor})", faults=1)
    home = fresh_home(base, f"{outcome.name} {after}")
    watch = RecordWatch(home / "results" / "records")
    watch.start()
    start = time.perf_counter()
    extra = ["--executor", "local", "--workers", "2"] if executor == "local" else []
    controller = cli(home, *extra)
    wait_for(lambda: len(records(home)) >= after or controller.poll() is not None)
    controller.kill()
    finish(controller)
    wait_for(lambda: not group_alive(controller.pid), timeout=30, step=0.1)
    if group_alive(controller.pid):
        outcome.notes.append("workers outlived the controller")
        os.killpg(controller.pid, signal.SIGKILL)
    outcome.runs += len(records(home))  # all written by the killed run (it may not have said so)
    outcome.notes.append(f"killed after {len(records(home))} records, {orphans(home)} orphans, "
                         f"{len(list(home.rglob('*.lock')))} claims left")
    err = finish(cli(home, *extra))
    outcome.runs += runs_of(err)
    outcome.wall_s = time.perf_counter() - start
    outcome.lost, outcome.replaced = watch.finish()
    outcome.complete = all_ok(home)
    settle_orphans(outcome, home)
    return outcome


def scenario_kill_worker(base: Path, round_: int = 0) -> Outcome:
    """Kill -9 of the local worker running an eegnet job, then a re-run with ``--retry``."""
    from neuroarena.runner import claims

    outcome = Outcome("kill one worker", faults=1)
    home = fresh_home(base, f"{outcome.name} {round_}")
    watch = RecordWatch(home / "results" / "records")
    watch.start()
    start = time.perf_counter()
    controller = cli(home, "--executor", "local", "--workers", "2")
    locks = home / "results" / "records" / "category" / "simulated-tiny" / "eegnet"

    def eegnet_claim():
        for path in sorted(locks.glob("*.lock")) if locks.is_dir() else []:
            claim = claims.read_claim(path)
            if claim is not None and claim.pid:
                return claim
        return None

    wait_for(lambda: eegnet_claim() is not None or controller.poll() is not None)
    claim = eegnet_claim()
    workdir: list[Path] = []
    if claim is not None:  # once it trains: its workdir (checkpoints) is there
        wait_for(lambda: workdir.extend((home / "cache").glob(f"neuroarena-job-{claim.pid}@*")) or workdir,
                 timeout=60)
        os.kill(claim.pid, signal.SIGKILL)
    else:
        outcome.faults = 0
    err = finish(controller)
    outcome.runs += runs_of(err)
    failed = [p for p in records(home) if '"status": "failed"' in p.read_text()]
    outcome.notes.append(f"exit {controller.returncode}, {len(failed)} failed record(s)")
    err = finish(cli(home, "--retry"))
    outcome.runs += runs_of(err)
    outcome.wall_s = time.perf_counter() - start
    if workdir:
        outcome.notes.append(f"its workdir {'left' if workdir[0].exists() else 'removed by a later job'}")
    outcome.notes.append("then --retry")
    outcome.lost, outcome.replaced = watch.finish()
    outcome.complete = all_ok(home)
    settle_orphans(outcome, home)
    return outcome


def scenario_concurrent_grids(base: Path, n: int = 3) -> tuple[Outcome, float]:
    single_home = fresh_home(base, "single grid")
    start = time.perf_counter()
    finish(cli(single_home))
    single_s = time.perf_counter() - start

    outcome = Outcome(f"{n} identical grids", faults=n - 1)
    home = fresh_home(base, outcome.name)
    watch = RecordWatch(home / "results" / "records")
    watch.start()
    start = time.perf_counter()
    processes = [cli(home) for _ in range(n)]
    errs = [finish(p) for p in processes]
    outcome.wall_s = time.perf_counter() - start
    outcome.runs = sum(runs_of(err) for err in errs)
    outcome.lost, outcome.replaced = watch.finish()
    outcome.complete = all_ok(home)
    settle_orphans(outcome, home)
    outcome.notes.append(f"exits {[p.returncode for p in processes]}; one grid alone {single_s:.0f} s")
    return outcome, single_s


def _writer(root: str, rounds: int, barrier, writer: int) -> list[float]:
    from neuroarena.results.records import JobKey, ResultRecord, ResultStore

    store, kept = ResultStore(root), []
    for n in range(rounds):
        record = ResultRecord(key=JobKey("category", "simulated", "dummy", n, "abc"), status="ok",
                              metrics={"balanced_accuracy": writer / 100})
        barrier.wait()
        kept.append(store.publish(record).metrics["balanced_accuracy"])
    return kept


def scenario_racing_writers(writers: int, rounds: int) -> Outcome:
    from neuroarena.results.records import JobKey, ResultStore

    outcome = Outcome(f"{writers} racing writers", faults=rounds * (writers - 1), jobs=rounds)
    root = Path(tempfile.mkdtemp(prefix="neuroarena-faults-writers-"))
    start = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(writers)
    with context.Pool(writers) as pool:
        kept = pool.starmap(_writer, [(str(root), rounds, barrier, w) for w in range(writers)])
    outcome.wall_s = time.perf_counter() - start
    store = ResultStore(root)
    for n in range(rounds):
        on_disk = store.get(JobKey("category", "simulated", "dummy", n, "abc")).metrics["balanced_accuracy"]
        outcome.replaced += sum(k[n] != on_disk for k in kept) > 0  # a writer saw a record that did not stand
    outcome.runs = rounds * writers
    outcome.complete = len(list(root.rglob("seed-*.json"))) == rounds and not list(root.rglob("*.tmp"))
    outcome.notes.append(f"{rounds} rounds; runs = records published")
    shutil.rmtree(root, ignore_errors=True)
    return outcome


def fresh_home(base: Path, name: str) -> Path:
    """A home next to ``base`` with its prepared data and caches, and no records."""
    home = base.parent / re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
    shutil.copytree(base, home, symlinks=True, ignore=shutil.ignore_patterns("results"))
    return home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="repeats of each kill scenario")
    parser.add_argument("--writers", type=int, default=6)
    parser.add_argument("--writer-rounds", type=int, default=20)
    args = parser.parse_args()

    from neuroarena.runner import api

    work = Path(tempfile.mkdtemp(prefix="neuroarena-faults-"))
    base = work / "base"
    start = time.perf_counter()
    api.prepare("category", "simulated-tiny", home=base, progress=False)
    for model in ("cov_ts_lr", "eegnet"):
        api.prepare("category", "simulated-tiny", home=base, progress=False, model=model)
    print(f"prepared simulated-tiny in {time.perf_counter() - start:.1f} s; grid: neuroarena {' '.join(GRID)} "
          f"({N_JOBS} jobs); {os.cpu_count()} cores")
    outcomes = []
    try:
        for n in range(args.rounds):
            outcomes.append(scenario_kill_controller(base, "local", after=1 + n % 3))
            outcomes.append(scenario_kill_controller(base, "inprocess", after=1 + n % 3))
            outcomes.append(scenario_kill_worker(base, n))
        outcomes.append(scenario_concurrent_grids(base)[0])
        outcomes.append(scenario_racing_writers(args.writers, args.writer_rounds))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    header = f"{'scenario':<26} {'faults':>6} {'survived':>8} {'lost':>4} {'replaced':>8} {'runs/jobs':>9} " \
             f"{'orphans':>7} {'wall s':>7}  notes"
    print(header)
    print("-" * len(header))
    for o in outcomes:
        print(f"{o.name:<26} {o.faults:>6} {'yes' if o.survived else 'NO':>8} {o.lost:>4} {o.replaced:>8} "
              f"{o.runs:>4}/{o.jobs:<4} {o.orphans:>7} {o.wall_s:>7.1f}  {'; '.join(o.notes)}")
    print(f"total: {sum(o.faults for o in outcomes)} faults injected, {sum(o.survived for o in outcomes)}/"
          f"{len(outcomes)} scenarios survived, {sum(o.lost for o in outcomes)} records lost, "
          f"{sum(o.replaced for o in outcomes)} replaced")


if __name__ == "__main__":
    main()
