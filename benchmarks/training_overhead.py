"""Training throughput of neuroarena's Lightning path against a bare PyTorch loop; prints one table.

    python benchmarks/training_overhead.py [--dataset simulated-tiny] [--models eegnet deep4net ...]
                                           [--steps 100] [--batch-size 64] [--repeats 5] [--threads N]

For each model, on the category windows of ``--dataset`` (built in ``$NEUROARENA_HOME`` when missing):

- **bare**: the braindecode net, the same batches pre-loaded as tensors (on the device), AdamW,
  forward + cross-entropy + backward + step, ``--steps`` steps;
- **neuroarena**: ``training.fit.fit_net`` (Lightning module, warm-up + cosine schedule, logging,
  early stopping, best checkpoint) reading the same batches through ``WindowBatches`` from the
  window store, one epoch of ``--steps`` steps and one validation batch; wall time of the call.

Both start from a freshly built, identically seeded net, after an untimed warm-up of the process;
the fastest of ``--repeats`` interleaved runs is reported (the least disturbed by other load).
``overhead`` is neuroarena's time per window over the bare loop's, minus one (target < 10 %).
It is explained by what ``fit_net`` costs around any net, measured once with a net that costs
nothing (flatten + linear): the loader's gather per batch (store to tensors), Lightning's loop per
step (hooks, logging, schedule, optimiser closure) and a fixed cost per call (trainer set-up, one
validation batch, checkpoint write and reload; from the slope of the wall time over ``--steps``
and ``2 x --steps`` steps). ``expected`` is that cost per step over the model's bare step time.
On a CUDA GPU every model is measured in fp32 and with bf16 (autocast in the bare loop, Lightning
precision ``"bf16-mixed"``).
"""
from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from neuroarena.models.registry import build_model
from neuroarena.runner.api import prepare
from neuroarena.training.data import WindowBatches, make_loader
from neuroarena.training.fit import fit_net
from neuroarena.tasks.config import ObjectiveConfig
from neuroarena.training.objective import make_objective
from neuroarena.training.recipe import Recipe

DEFAULT_MODELS = ("eegnet", "shallow_fbcsp_net", "deep4net", "ctnet", "bdtcn", "atcnet", "eegconformer", "eegnex")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _net(name: str, store, n_classes: int, device: torch.device) -> torch.nn.Module:
    torch.manual_seed(0)
    if name == "linear":  # costs nothing: isolates the framework's own cost
        linear = torch.nn.Linear(store.n_chans * store.n_times, n_classes)
        return torch.nn.Sequential(torch.nn.Flatten(), linear).to(device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = build_model(name, n_chans=store.n_chans, n_outputs=n_classes, n_times=store.n_times, sfreq=store.sfreq,
                          chs_info=store.chs_info, target_kind="classification")
    return net.to(device)


def bare_seconds(name: str, store, n_classes: int, batches: list[tuple[torch.Tensor, torch.Tensor]],
                 device: torch.device, bf16: bool) -> float:
    """Wall seconds of a plain AdamW loop over ``batches`` (already on ``device``)."""
    net = _net(name, store, n_classes, device).train()
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=0.05)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    _sync(device)
    start = time.perf_counter()
    for X, y in batches:
        with autocast:
            loss = torch.nn.functional.cross_entropy(net(X), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    _sync(device)
    return time.perf_counter() - start


def neuroarena_seconds(name: str, store, n_classes: int, train: WindowBatches, val: WindowBatches, steps: int,
                       batch_size: int, device: torch.device, bf16: bool) -> float:
    """Wall seconds of ``fit_net`` for one epoch of ``steps`` steps and one validation batch."""
    net = _net(name, store, n_classes, device)
    recipe = Recipe(max_epochs=1, batch_size=batch_size, limit_train_batches=steps, limit_eval_batches=1,
                    precision="bf16-mixed" if bf16 else "32-true")
    objective = make_objective(ObjectiveConfig(loss="cross_entropy"), dim=n_classes, n_classes=n_classes,
                               available_keys={"y", "subject"})
    labels = val.fields["y"].numpy()

    def accuracy(outputs: np.ndarray, positions: np.ndarray) -> float:
        return float(np.mean(outputs.argmax(axis=1) == labels[positions]))

    with tempfile.TemporaryDirectory(prefix="neuroarena-overhead-") as workdir:
        _sync(device)
        start = time.perf_counter()
        fit_net(net, train, val, objective, accuracy, recipe, seed=0, workdir=Path(workdir))
        _sync(device)
        return time.perf_counter() - start


def _parts(store, labels: np.ndarray, steps: int, batch_size: int) -> tuple[WindowBatches, WindowBatches]:
    """A training part of at least ``steps`` batches (windows repeated as needed) and a one-batch validation part."""
    repeats = -(-steps * batch_size // len(store))
    train = WindowBatches(store, np.tile(np.arange(len(store)), repeats), np.tile(labels, repeats))
    return train, WindowBatches(store, np.arange(batch_size), labels[:batch_size])


def framework_costs(store, labels: np.ndarray, args, device: torch.device) -> dict[str, float]:
    """What ``fit_net`` adds around the net, measured with a net that costs nothing (flatten + linear).

    Returns the loader's gather time per batch, the rest of the per-step cost (Lightning's loop,
    hooks, logging, schedule, closure), both in ms, and the fixed cost of one call in s.
    """
    train, val = _parts(store, labels, 2 * args.steps, args.batch_size)
    loader = make_loader(train, args.batch_size, shuffle=True, seed=0)
    n_classes = int(labels.max()) + 1
    short, long, bare, gather = [], [], [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        batches = [(b["X"].to(device), b["y"].to(device)) for b, _ in zip(loader, range(args.steps))]
        gather.append(time.perf_counter() - start)
        bare.append(bare_seconds("linear", store, n_classes, batches, device, False))
        short.append(neuroarena_seconds("linear", store, n_classes, train, val, args.steps, args.batch_size, device,
                                        False))
        long.append(neuroarena_seconds("linear", store, n_classes, train, val, 2 * args.steps, args.batch_size,
                                       device, False))
    step_ms = 1e3 * (min(long) - min(short)) / args.steps
    gather_ms = 1e3 * min(gather) / args.steps
    return {"gather_ms": gather_ms, "loop_ms": step_ms - gather_ms - 1e3 * min(bare) / args.steps,
            "fixed_s": min(short) - args.steps * step_ms / 1e3}


def measure(name: str, store, labels: np.ndarray, args, device: torch.device, bf16: bool) -> dict[str, float]:
    """Throughputs (windows/s) of the bare loop and of ``fit_net``, fastest of the interleaved repeats."""
    n_classes = int(labels.max()) + 1
    train, val = _parts(store, labels, args.steps, args.batch_size)
    loader = make_loader(train, args.batch_size, shuffle=True, seed=0)
    batches = [(b["X"].to(device), b["y"].to(device)) for b, _ in zip(loader, range(args.steps))]
    bare_seconds(name, store, n_classes, batches[:3], device, bf16)  # warm-up, untimed
    bare, ours = [], []
    for _ in range(args.repeats):
        bare.append(bare_seconds(name, store, n_classes, batches, device, bf16))
        ours.append(neuroarena_seconds(name, store, n_classes, train, val, args.steps, args.batch_size, device, bf16))
    windows = args.steps * args.batch_size
    return {"bare": windows / min(bare), "neuroarena": windows / min(ours), "overhead": min(ours) / min(bare) - 1.0,
            "bare_step_ms": 1e3 * min(bare) / args.steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="simulated-tiny")
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS))
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--home", default=None, help="neuroarena home (default: $NEUROARENA_HOME)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's); 1 keeps a shared machine's timings stable")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    store = prepare("category", args.dataset, home=args.home, progress=False)
    labels = np.unique(store.metadata["category"].astype(str).to_numpy(), return_inverse=True)[1].astype(np.int64)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    settings = [False, True] if device.type == "cuda" else [False]
    costs = framework_costs(store, labels, args, device)
    per_step_ms = costs["gather_ms"] + costs["loop_ms"] + 1e3 * costs["fixed_s"] / args.steps
    print(f"{args.dataset}: {len(store)} windows of {store.n_chans} x {store.n_times} at {store.sfreq:g} Hz; "
          f"{args.steps} steps of {args.batch_size} on {device.type} "
          f"({torch.cuda.get_device_name() if device.type == 'cuda' else f'{torch.get_num_threads()} threads'}); "
          f"fastest of {args.repeats}")
    header = (f"{'model':<18} {'precision':<9} {'bare win/s':>10} {'neuroarena win/s':>16} {'overhead':>9} "
              f"{'bare ms/step':>12} {'expected':>9}")
    print(header)
    print("-" * len(header))
    for name in args.models:
        for bf16 in settings:
            r = measure(name, store, labels, args, device, bf16)
            print(f"{name:<18} {'bf16' if bf16 else 'fp32':<9} {r['bare']:>10.0f} {r['neuroarena']:>16.0f} "
                  f"{100 * r['overhead']:>8.1f}% {r['bare_step_ms']:>12.1f} "
                  f"{100 * per_step_ms / r['bare_step_ms']:>8.1f}%", flush=True)
    print(f"fit_net's own cost (a flatten + linear net): loader gather {costs['gather_ms']:.2f} ms/step, Lightning "
          f"loop {costs['loop_ms']:.2f} ms/step, {costs['fixed_s']:.2f} s per call ({args.steps} steps: "
          f"{per_step_ms:.2f} ms/step in all); expected = that / bare ms/step")

if __name__ == "__main__":
    main()
