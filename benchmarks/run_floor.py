"""A whole ``neuroarena eeg`` training run against its physical floor, a bare PyTorch script; prints one table.

    python benchmarks/run_floor.py [--task category] [--dataset simulated-tiny] [--repeats 3]
                                   [--full-epochs N] [--threads N] [--home DIR] [--skip-full] [--importtime]

The task's windows are prepared once, untimed, with neuroarena's own ``prepare`` (in a temporary home,
or ``--home``); the same process writes neuroarena's audited train/val/test split (window numbers) and the
recipe of each mode. Then, each side in a fresh process of its own (start-up and imports counted),
interleaved bare, neuroarena, bare, neuroarena, ... ``--repeats`` times per mode:

- **bare**: this file with ``--bare-worker``: imports only torch, numpy and braindecode, memory-maps the
  store's shards (``shards/<recording>.npy``) and reads the labels from their ``.tsv`` metadata, builds
  braindecode's EEGNet as neuroarena builds it, trains with a plain loop (AdamW at the recipe's lr and
  weight decay with its warm-up + cosine schedule, its batch size, the same epochs and batches per epoch,
  validation each epoch, best weights kept, early stopping at the recipe's patience), predicts the test
  windows (argmax, balanced accuracy);
- **neuroarena**: ``python -m neuroarena eeg TASK --dataset D -m eegnet --debug`` (debug: 2 epochs x 5
  train batches, 5 evaluation batches) or ``--seeds 33 --max-epochs N`` (full: the recipe's epochs, or
  ``--full-epochs``); each run gets a home of its own: the raw data hard-linked without the oracle scores
  a simulated study caches in ``data/<study>/oracle/`` (each run computes its ceiling again), the prepared
  ``cache`` linked, an empty ``results``; its eegnet record must be new and ``ok``; its epochs and test
  score are shown beside the bare loop's.

Per run: wall time around the child, its own peak RSS and CPU time (user + sys) from ``os.wait4`` (this
process imports nothing heavy, so a child's peak does not start from this one's pages). The table gives the
medians, the ratios neuroarena / bare and whether they meet the targets (wall <= 1.3x in debug, <= 1.1x in
full; peak <= 1.1x). ``--importtime`` adds, for each side's debug command under ``python -X importtime``,
the 15 top-level packages costing most: cumulative time (outermost imports of the package, what they pulled
in included), own time, and the neuroarena module (else the nearest module) that imported it; ``-``: the
main program's top level or a function at run time. A module imported by ``importlib.import_module`` (the
model registry's builders, lightning's version checks) has no line: its imports appear one level up.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

SEED = 33
NEUROARENA = [sys.executable, "-m", "neuroarena"]
TARGETS = {"debug": 1.3, "full": 1.1, "peak": 1.1}


def prepare_worker(args: argparse.Namespace) -> None:
    """Build the store (or reuse it) and write the plan the workers read: store, split, labels, recipes."""
    import numpy as np

    from neuroarena.runner.api import prepare
    from neuroarena.runner.job import JobSpec, job_context

    prepare(args.task, args.dataset, home=args.home, progress=False, model="eegnet")
    spec = JobSpec(task=args.task, dataset=args.dataset, model="eegnet", seed=SEED, home=args.home)
    task = spec.task_config()
    context = job_context(spec, task)
    targets = context.targets
    if targets.kind != "classification" or task.target.labels:
        raise SystemExit(f"the bare loop trains on a classification task's raw column; {args.task} is not one")
    out = Path(args.plan)
    for part, windows in targets.windows.items():
        np.save(out.parent / f"{part}.npy", np.asarray(windows, dtype=np.int64))
    epochs = args.full_epochs or task.recipe.max_epochs
    recipes = {"debug": replace(spec, debug=True).recipe(task),
               "full": replace(spec, recipe_overrides={"max_epochs": epochs}).recipe(task)}
    out.write_text(json.dumps({
        "store": str(context.store.root), "column": task.target.column, "classes": list(targets.classes),
        "n_outputs": int(targets.n_outputs), "dataset_label": spec.dataset.label,
        "recipes": {mode: recipe.model_dump(mode="json") for mode, recipe in recipes.items()}}))


def bare_worker(args: argparse.Namespace) -> None:
    """The floor: a plain PyTorch loop on the memory-mapped store; prints its result as one JSON line."""
    import numpy as np
    import torch
    from braindecode.models import EEGNet

    if args.threads:
        torch.set_num_threads(args.threads)
    plan = json.loads(Path(args.plan).read_text())
    recipe, root = plan["recipes"][args.mode], Path(plan["store"])
    manifest = json.loads((root / "manifest.json").read_text())
    shards = [np.load(root / shard["file"], mmap_mode="r") for shard in manifest["shards"]]
    offsets = np.cumsum([0] + [shard["n_windows"] for shard in manifest["shards"]])
    code = {name: i for i, name in enumerate(plan["classes"])}
    labels = []
    for shard in manifest["shards"]:
        with open((root / shard["file"]).with_suffix(".tsv"), newline="") as stream:
            labels += [code.get(row[plan["column"]], -1) for row in csv.DictReader(stream, delimiter="\t")]
    labels = np.asarray(labels, dtype=np.int64)
    parts = {part: np.load(Path(args.plan).parent / f"{part}.npy") for part in ("train", "val", "test")}
    assert all((labels[windows] >= 0).all() for windows in parts.values()), "a window of the split has no class"

    def take(windows: np.ndarray) -> torch.Tensor:
        X = np.empty((len(windows), manifest["n_chans"], manifest["n_times"]), dtype=np.float32)
        shard_of = np.searchsorted(offsets, windows, side="right") - 1
        for s in np.unique(shard_of):
            X[shard_of == s] = shards[s][windows[shard_of == s] - offsets[s]]
        return torch.from_numpy(X)

    bs, limit = recipe["batch_size"], recipe["limit_eval_batches"]

    def balanced_accuracy(windows: np.ndarray) -> float:
        windows = windows[: limit * bs] if limit else windows
        net.eval()
        with torch.inference_mode():
            pred = torch.cat([net(take(windows[i:i + bs])).argmax(1) for i in range(0, len(windows), bs)]).numpy()
        y = labels[windows]
        return float(np.mean([np.mean(pred[y == c] == c) for c in np.unique(y)]))

    torch.manual_seed(SEED)
    chs_info = [{**ch, "loc": np.asarray(ch["loc"], dtype=float)} for ch in manifest["chs_info"]]
    net = EEGNet(n_chans=manifest["n_chans"], n_outputs=plan["n_outputs"], n_times=manifest["n_times"],
                 sfreq=manifest["sfreq"], chs_info=chs_info, final_conv_length="auto", final_layer_with_constraint=True)
    optimizer = torch.optim.AdamW(net.parameters(), lr=recipe["lr"], weight_decay=recipe["weight_decay"])
    generator, train = torch.Generator().manual_seed(SEED), parts["train"]
    n_batches = len(train) // bs if len(train) > bs else 1
    n_batches = min(n_batches, recipe["limit_train_batches"] or n_batches)
    total = n_batches * recipe["max_epochs"]
    warmup = max(1, round(recipe["warmup_fraction"] * total))
    span = max(1, total - warmup)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: (step + 1) / warmup if step < warmup else
                                                 0.5 * (1 + math.cos(math.pi * (step - warmup) / span)))
    best, best_state, wait, epochs = -1.0, None, 0, 0
    for _ in range(recipe["max_epochs"]):
        net.train()
        order = torch.randperm(len(train), generator=generator).numpy()
        for b in range(n_batches):
            windows = train[np.sort(order[b * bs:(b + 1) * bs])]
            loss = torch.nn.functional.cross_entropy(net(take(windows)), torch.from_numpy(labels[windows]))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        score, epochs = balanced_accuracy(parts["val"]), epochs + 1
        if score > best:
            best, wait, best_state = score, 0, {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            wait += 1
            if wait >= recipe["patience"]:
                break
    net.load_state_dict(best_state)
    print(json.dumps({"epochs": epochs, "balanced_accuracy": balanced_accuracy(parts["test"])}))


def measure(cmd: list[str], env: dict[str, str], log: Path) -> dict[str, float]:
    """Run ``cmd`` (output to ``log``); wall s, the child's own peak RSS (MiB) and CPU s (user + sys)."""
    with open(log, "w") as stream:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stream, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{log.read_text()[-3000:]}")
    return {"wall": wall, "peak": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime}


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def fresh_home(home: Path, scratch: Path) -> Path:
    """A home with ``home``'s raw data (hard links, no ``oracle/`` scores a run left), its window stores (a link)
    and no results: nothing an earlier run computed is reused."""
    run = Path(tempfile.mkdtemp(prefix="run-", dir=scratch))
    shutil.copytree(home / "data", run / "data", ignore=shutil.ignore_patterns("oracle"), copy_function=_link)
    (run / "cache").symlink_to(home / "cache", target_is_directory=True)
    return run


def neuroarena_cmd(args: argparse.Namespace, mode: str, epochs: int) -> list[str]:
    cmd = NEUROARENA + ["eeg", args.task, "--dataset", args.dataset, "-m", "eegnet"]
    return cmd + (["--debug"] if mode == "debug" else ["--seeds", str(SEED), "--max-epochs", str(epochs)])


def bare_cmd(args: argparse.Namespace, mode: str, plan: Path) -> list[str]:
    return [sys.executable, __file__, "--bare-worker", "--mode", mode, "--plan", str(plan),
            *(["--threads", str(args.threads)] if args.threads else [])]


def eegnet_record(run_home: Path, label: str) -> dict:
    """The one eegnet record of a run (its results folder was empty before), checked to be ``ok``."""
    found = list((run_home / "results" / "records").glob(f"*/{label}/eegnet/*.json"))
    record = json.loads(found[0].read_text()) if len(found) == 1 else {"status": f"{len(found)} records"}
    if record["status"] != "ok":
        raise SystemExit(f"the neuroarena eegnet job did not record a result: {record.get('error', record)}")
    return record


def import_table(lines: list[str], top: int = 15) -> list[tuple[str, float, float, str]]:
    """(package, cumulative ms, own ms, importing neuroarena module) of ``-X importtime`` lines, costliest first."""
    entries = []
    for line in lines:
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            own, cumulative, name = line[len("import time:"):].split("|")
            level = (len(name) - len(name.lstrip()) - 1) // 2
            entries.append((level, name.strip(), int(own), int(cumulative)))
    stack: list[str] = []
    packages: dict[str, list[float]] = {}
    via: dict[str, tuple[int, str]] = {}
    for level, name, own, cumulative in reversed(entries):  # parents come after their children
        del stack[level:]
        package, ancestors = name.split(".")[0], list(stack)
        stack.append(name)
        totals = packages.setdefault(package, [0.0, 0.0])
        totals[1] += own / 1e3
        if all(a.split(".")[0] != package for a in ancestors):
            totals[0] += cumulative / 1e3
            ours = [a for a in ancestors if a.split(".")[0] == "neuroarena"]
            importer = ours[-1] if ours else ancestors[-1] if ancestors else "-"
            if cumulative > via.get(package, (-1, ""))[0]:
                via[package] = (cumulative, importer)
    ranked = sorted(packages.items(), key=lambda item: -item[1][0])[:top]
    return [(name, cum, own, via.get(name, (0, "-"))[1]) for name, (cum, own) in ranked]


def print_imports(title: str, log: Path) -> None:
    print(f"\n{title}\n{'package':<22} {'cumulative ms':>13} {'own ms':>9}  imported by")
    for name, cumulative, own, importer in import_table(log.read_text().splitlines()):
        print(f"{name:<22} {cumulative:>13.0f} {own:>9.0f}  {importer}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="category")
    parser.add_argument("--dataset", default="simulated-tiny")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side per mode (0: no timing table)")
    parser.add_argument("--full-epochs", type=int, default=None, help="epochs of the full mode (default: recipe's)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads of both sides (default: torch's)")
    parser.add_argument("--home", default=None, help="where to prepare the windows (default: a temporary folder)")
    parser.add_argument("--skip-full", action="store_true", help="measure the debug mode only")
    parser.add_argument("--importtime", action="store_true", help="add the import times of both sides")
    parser.add_argument("--bare-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--prepare-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="debug", help=argparse.SUPPRESS)
    parser.add_argument("--plan", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_worker:
        return bare_worker(args)
    if args.prepare_worker:
        return prepare_worker(args)

    with tempfile.TemporaryDirectory(prefix="neuroarena-floor-") as tmp:
        scratch = Path(tmp)
        home = Path(args.home).resolve() if args.home else scratch / "home"
        env = {**os.environ, "NEUROARENA_HOME": str(home)}
        if args.threads:
            env |= {"OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads)}
        plan_path = scratch / "plan" / "plan.json"
        plan_path.parent.mkdir()
        measure([sys.executable, __file__, "--prepare-worker", "--task", args.task, "--dataset", args.dataset,
                 "--home", str(home), "--plan", str(plan_path),
                 *(["--full-epochs", str(args.full_epochs)] if args.full_epochs else [])], env, scratch / "prepare.log")
        plan = json.loads(plan_path.read_text())
        modes = ["debug"] + ([] if args.skip_full else ["full"])
        results: dict[str, dict[str, list[dict[str, float]]]] = {m: {"bare": [], "neuroarena": []} for m in modes}
        for mode in modes if args.repeats > 0 else []:
            for _ in range(args.repeats):
                log = scratch / "bare.log"
                run = measure(bare_cmd(args, mode, plan_path), env, log)
                results[mode]["bare"].append(run | json.loads(log.read_text().strip().splitlines()[-1]))
                run_home = fresh_home(home, scratch)
                run = measure(neuroarena_cmd(args, mode, plan["recipes"][mode]["max_epochs"]),
                              env | {"NEUROARENA_HOME": str(run_home)}, scratch / "neuroarena.log")
                record = eegnet_record(run_home, plan["dataset_label"])
                results[mode]["neuroarena"].append(run | {"epochs": record["training"]["epochs"],
                                                          "balanced_accuracy": record["metrics"]["balanced_accuracy"]})
                shutil.rmtree(run_home)
        if args.repeats > 0:
            print_table(args, plan, results)
        if args.importtime:
            log = scratch / "importtime-neuroarena.log"
            measure([sys.executable, "-X", "importtime", *neuroarena_cmd(args, "debug", 0)[1:]],
                    env | {"NEUROARENA_HOME": str(fresh_home(home, scratch))}, log)
            print_imports(f"neuroarena side: {' '.join(neuroarena_cmd(args, 'debug', 0)[1:])}", log)
            log = scratch / "importtime-bare.log"
            measure([sys.executable, "-X", "importtime", *bare_cmd(args, "debug", plan_path)[1:]], env, log)
            print_imports("bare side: run_floor.py --bare-worker --mode debug", log)


def print_table(args: argparse.Namespace, plan: dict, results: dict[str, dict[str, list[dict[str, float]]]]) -> None:
    """One row per mode: medians of both sides, their ratios and whether they meet the targets."""
    print(f"{args.task} on {args.dataset}, eegnet, median of {args.repeats} fresh processes per side "
          f"(threads: {args.threads or 'torch default'}; {os.cpu_count()} CPUs)")
    header = (f"{'mode':<6} {'epochs':>6} {'bare s':>7} {'neuroarena s':>12} {'ratio':>6} {'target':>7} "
              f"{'bare MiB':>8} {'neuroarena MiB':>14} {'ratio':>6} {'target':>7} {'bare cpu s':>10} "
              f"{'na cpu s':>8} {'bal.acc bare/na':>15}  meets target")
    print(header + "\n" + "-" * len(header))
    for mode, sides in results.items():
        med = {side: {k: statistics.median(r[k] for r in runs) for k in ("wall", "peak", "cpu", "balanced_accuracy")}
               for side, runs in sides.items()}
        epochs = "/".join(str(sides[s][0]["epochs"]) for s in ("bare", "neuroarena"))
        wall = med["neuroarena"]["wall"] / med["bare"]["wall"]
        peak = med["neuroarena"]["peak"] / med["bare"]["peak"]
        same = len({r["epochs"] for runs in sides.values() for r in runs}) == 1
        ok = ("yes" if wall <= TARGETS[mode] and peak <= TARGETS["peak"] else "no") if same else "n/a: epochs differ"
        print(f"{mode:<6} {epochs:>6} {med['bare']['wall']:>7.1f} {med['neuroarena']['wall']:>12.1f} {wall:>5.2f}x "
              f"{'<=' + str(TARGETS[mode]) + 'x':>7} {med['bare']['peak']:>8.0f} {med['neuroarena']['peak']:>14.0f} "
              f"{peak:>5.2f}x {'<=' + str(TARGETS['peak']) + 'x':>7} {med['bare']['cpu']:>10.1f} "
              f"{med['neuroarena']['cpu']:>8.1f} {med['bare']['balanced_accuracy']:>7.3f}/"
              f"{med['neuroarena']['balanced_accuracy']:.3f}  {ok}")
    recipe = plan["recipes"]["full"]
    print(f"recipe: batch {recipe['batch_size']}, AdamW lr {recipe['lr']:g}, weight decay {recipe['weight_decay']:g}; "
          f"epochs: bare/neuroarena (first run; early stopping can end them apart past the patience, "
          f"{recipe['patience']} epochs)")


if __name__ == "__main__":
    main()
