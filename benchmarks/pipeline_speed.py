"""Speed and memory of the pipeline against its targets; prints one table.

    python benchmarks/pipeline_speed.py [--neuralbench PATH/TO/neuralbench] [--repeats 5]

Measures, on the simulated dataset sized like NeuralBench's debug benchmark (8 subjects x 4 min of
22-channel EEG at 250 Hz, 4 classes, 1 s windows):

- ``neuroarena --help``: wall time and peak memory (median of repeats), and the same for
  ``neuralbench --help`` when its executable is given (both measured in this run);
- a cold ``--debug -m eegnet`` run (preprocessing, 2 epochs x 5 batches, test) and the same run warm
  (window store reused), wall time and peak memory of the whole command;
- the data loader's share of an EEGNet training step (batch gather from the store vs. forward,
  backward and optimiser step on that batch);
- prepare's peak memory with 4 and with 8 subjects (each in a fresh process);
- the window store's size against the same windows in float32.

The raw simulated recordings are written before anything is timed: they stand in for a downloaded
dataset. This dataset has one session per subject, so the debug runs use the ``category`` task with the
study's own train/test split (a copy of the task file with ``split: predefined``), as NeuralBench's does. NeuralBench 0.4's figures for the debug run are quoted from its published measurement on a
shared 2-core machine (32 s cold, 12.7 s warm, 0.8 GB peak); it cannot run offline here.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NEURALBENCH_QUOTED = {"cold_s": 32.0, "warm_s": 12.7, "peak_mb": 800.0, "help_s": 8.3, "help_mb": 685.0}
NEUROARENA = [sys.executable, "-m", "neuroarena"]
CATEGORY_PREDEFINED = Path(__file__).resolve().parents[1] / "neuroarena" / "tasks" / "category.yaml"


def measure(cmd: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """Run ``cmd``; return (wall seconds, peak RSS in MiB of the process, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def median_of(cmd: list[str], repeats: int) -> tuple[float, float]:
    runs = [measure(cmd) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


PREPARE_ONLY = """
import sys
from neuroarena.home import cache_dir
from neuroarena.prepare.build import build_store
from neuroarena.studies.simulated import Simulated, SimulationConfig
from neuroarena.tasks.config import load_task
config = SimulationConfig.preset("neuralbench", n_subjects=int(sys.argv[1]))
study = Simulated(config=config)
if sys.argv[2] == "write":
    study.download()
else:
    build_store(study, load_task("category").prepare, cache_dir(), progress=False)
"""


def prepare_peak(home: Path, n_subjects: int) -> float:
    env = {"NEUROARENA_HOME": str(home)}
    measure([sys.executable, "-c", PREPARE_ONLY, str(n_subjects), "write"], env)
    _, peak, code = measure([sys.executable, "-c", PREPARE_ONLY, str(n_subjects), "build"], env)
    assert code == 0, "prepare failed"
    return peak


def loader_share(home: Path, n_batches: int = 30) -> tuple[float, float]:
    """Mean seconds per batch: (gather from the store, EEGNet train step on that batch)."""
    os.environ["NEUROARENA_HOME"] = str(home)
    import numpy as np
    import torch

    from neuroarena.models.registry import build_model, get_model
    from neuroarena.runner.api import prepare
    from neuroarena.training.data import WindowBatches, make_loader

    store = prepare("category", "simulated-neuralbench", progress=False)
    labels = np.zeros(len(store), dtype=np.int64)
    loader = make_loader(WindowBatches(store, np.arange(len(store)), labels), 64, shuffle=True, seed=0)
    net = build_model(get_model("eegnet"), n_chans=store.n_chans, n_outputs=4, n_times=store.n_times,
                      sfreq=store.sfreq, chs_info=store.chs_info, target_kind="classification")
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-4)
    gather, step = [], []
    while len(step) < n_batches:
        iterator = iter(loader)
        while len(step) < n_batches:
            t0 = time.perf_counter()
            try:
                batch = next(iterator)
            except StopIteration:
                break
            t1 = time.perf_counter()
            loss = torch.nn.functional.cross_entropy(net(batch["X"]), batch["y"])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            t2 = time.perf_counter()
            gather.append(t1 - t0)
            step.append(t2 - t1)
    return float(np.mean(gather[3:])), float(np.mean(step[3:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neuralbench", help="path to a `neuralbench` executable to time its --help")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = []
    help_s, help_mb = median_of(NEUROARENA + ["--help"], args.repeats)
    if args.neuralbench:
        nb_s, nb_mb = median_of([args.neuralbench, "--help"], args.repeats)
        ref = f"neuralbench --help measured here: {nb_s:.2f} s, {nb_mb:.0f} MiB"
    else:
        nb_s, nb_mb = NEURALBENCH_QUOTED["help_s"], NEURALBENCH_QUOTED["help_mb"]
        ref = f"neuralbench --help quoted: {nb_s} s, {nb_mb:.0f} MB"
    rows.append(("--help wall", f"{help_s:.3f} s", "< 1 s", help_s < 1.0, f"{nb_s / help_s:.0f}x faster; {ref}"))
    rows.append(("--help peak memory", f"{help_mb:.0f} MiB", "-", True, f"{nb_mb / help_mb:.0f}x smaller"))

    with tempfile.TemporaryDirectory(prefix="neuroarena-bench-") as tmp:
        home = Path(tmp) / "home"
        env = {"NEUROARENA_HOME": str(home)}
        measure([sys.executable, "-c", PREPARE_ONLY, "8", "write"], env)  # the "download"
        task = Path(tmp) / "category-predefined.yaml"
        task.write_text(CATEGORY_PREDEFINED.read_text().replace(
            "name: by_session\n  params: {val: 1, test: 1}", "name: predefined\n  params: {val_fraction: 0.2, seed: 0}"))
        debug = NEUROARENA + ["eeg", str(task), "--dataset", "simulated-neuralbench", "--debug", "-m", "eegnet"]
        cold_s, cold_mb, code = measure(debug, env)
        assert code == 0, "cold debug run failed"
        shutil.rmtree(home / "results")
        warm_s, warm_mb, code = measure(debug, env)
        assert code == 0, "warm debug run failed"
        q = NEURALBENCH_QUOTED
        rows.append(("cold --debug -m eegnet wall", f"{cold_s:.1f} s", f"<= {q['cold_s'] / 3:.1f} s (3x)",
                     cold_s <= q["cold_s"] / 3, f"{q['cold_s'] / cold_s:.1f}x faster than 32 s"))
        rows.append(("cold --debug peak memory", f"{cold_mb:.0f} MiB", f"<= {q['peak_mb'] / 2:.0f} MB (1/2)",
                     cold_mb <= q["peak_mb"] / 2 * 1.048576, f"{cold_mb / (q['peak_mb'] / 1.048576):.2f}x of 0.8 GB"))
        _, torch_mb, _ = measure([sys.executable, "-c", "import torch, lightning, braindecode.models"])
        rows.append(("  of which import torch+lightning+braindecode", f"{torch_mb:.0f} MiB", "-", True,
                     "the torch 2.11 wheel that torchaudio 2.11 needs is the CUDA build"))
        rows.append(("warm --debug -m eegnet wall", f"{warm_s:.1f} s", "-", True,
                     f"{q['warm_s'] / warm_s:.1f}x faster than 12.7 s; peak {warm_mb:.0f} MiB"))

        # child processes are measured before this process imports torch: a forked child's peak
        # RSS counts the parent's pages it started from
        p4 = prepare_peak(Path(tmp) / "p4", 4)
        p8 = prepare_peak(Path(tmp) / "p8", 8)
        rows.append(("prepare peak, 8 vs 4 subjects", f"{p8 / p4:.2f}x", "<= 1.10x", p8 / p4 <= 1.10,
                     f"{p4:.0f} MiB -> {p8:.0f} MiB"))

        gather_s, step_s = loader_share(home)
        share = gather_s / (gather_s + step_s)
        rows.append(("loader share of an EEGNet step", f"{100 * share:.1f} %", "< 5 %", share < 0.05,
                     f"gather {1e3 * gather_s:.2f} ms vs step {1e3 * step_s:.1f} ms (batch 64)"))

        import numpy as np

        from neuroarena.prepare.store import WindowStore

        store = WindowStore.open(next((home / "cache" / "prepare").glob("*/manifest.json")).parent)
        float32 = len(store) * store.n_chans * store.n_times * 4
        headers = store.nbytes - len(store) * store.n_chans * store.n_times * np.dtype(store.manifest["dtype"]).itemsize
        ratio = store.nbytes / float32
        rows.append(("store size vs float32", f"{ratio:.4f}", "<= 0.50 + headers", (store.nbytes - headers) / float32 <= 0.5,
                     f"{store.nbytes / 2**20:.2f} MiB for {len(store)} windows; {headers} B of .npy headers"))


    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>12}  {'target':<22} ok    note")
    for name, value, target, ok, note in rows:
        print(f"{name:<{width}}  {value:>12}  {target:<22} {'yes' if ok else 'NO ':<5} {note}")


if __name__ == "__main__":
    main()
