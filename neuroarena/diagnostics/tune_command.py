"""``neuroarena tune lr|batch-size``: parse, run :mod:`~neuroarena.diagnostics.tuning`, print the override to pass."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    import argparse

    from neuroarena.runner.job import JobSpec


def add_tune_parser(subparsers: "argparse._SubParsersAction") -> "argparse.ArgumentParser":
    """Add ``tune lr|batch-size --task TASK -m NET`` (data and recipe options as ``eeg``'s) to a command's
    subparsers; returns the ``tune`` parser."""
    import argparse

    tune = subparsers.add_parser("tune", help="find a learning rate or batch size for a net before a run",
                                 description="Run Lightning's learning-rate range test (lr) or largest-batch search "
                                             "(batch-size, GPU only) on a task's training windows and print the "
                                             "override to pass to `neuroarena eeg` (recorded like any override).")
    tune.add_argument("what", choices=["lr", "batch-size"])
    tune.add_argument("--task", required=True, help="a task name (`neuroarena list tasks`) or YAML path")
    tune.add_argument("-m", "--model", required=True, help="one net of the zoo, e.g. eegnet")
    tune.add_argument("--dataset", metavar="NAME|FOLDER|FILE.yaml", help="as for `eeg` (default: the task's own)")
    tune.add_argument("--dataset-param", nargs="+", metavar="KEY=VALUE", dest="dataset_param",
                      help="any parameter of the study, the value read as YAML")
    tune.add_argument("--subjects", nargs="+", metavar="SUBJECT", help="only these subjects")
    tune.add_argument("--seed", type=int, default=33, help="seeds the net and the shuffling (default 33)")
    tune.add_argument("--max-epochs", type=int, help="override the recipe's epoch limit")
    tune.add_argument("--batch-size", type=int, help="override the recipe's batch size (lr: the batch tested)")
    tune.add_argument("--lr", type=float, help="override the recipe's learning rate (shown beside the suggestion)")
    tune.add_argument("--min-lr", type=float, default=1e-6, help="lr: the smallest rate tried (default 1e-6)")
    tune.add_argument("--max-lr", type=float, default=1.0, help="lr: the largest rate tried (default 1)")
    tune.add_argument("--num-training", type=int, default=100, help="lr: optimiser steps (default 100)")
    tune.add_argument("--out", metavar="PNG", help="lr: the plot (default <home>/results/tune/<task>_<dataset>_"
                                                   "<model>_lr.png)")
    tune.add_argument("--mode", choices=["power", "binsearch"], default="power", help="batch-size: the search")
    tune.add_argument("--max-trials", type=int, default=8, help="batch-size: sizes tried (default 8)")
    tune.add_argument("--home", dest="sub_home", help=argparse.SUPPRESS)
    return tune


def tune_spec(args: "argparse.Namespace") -> "JobSpec":
    """The :class:`~neuroarena.runner.job.JobSpec` of a parsed ``tune`` command, its recipe overrides checked."""
    from neuroarena.home import neuroarena_home
    from neuroarena.runner.job import JobSpec
    from neuroarena.studies.spec import dataset_spec, parse_params
    from neuroarena.tasks.config import load_task
    from neuroarena.training.recipe import check_overrides

    params = parse_params(args.dataset_param) | ({"subjects": list(args.subjects)} if args.subjects else {})
    overrides = check_overrides({k: v for k, v in (("max_epochs", args.max_epochs), ("batch_size", args.batch_size),
                                                   ("lr", args.lr)) if v is not None})
    dataset = dataset_spec(args.dataset or load_task(args.task).default_dataset, params or None)
    return JobSpec(task=args.task, dataset=dataset, model=args.model, seed=args.seed, recipe_overrides=overrides,
                   home=str(neuroarena_home(getattr(args, "sub_home", None))))


def _print_table(title: str, rows: list[tuple[str, str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("", "value", title=title)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def run_tune(args: "argparse.Namespace") -> int:
    """Run a ``tune`` command parsed by :func:`add_tune_parser`: print its table, then ``override: --lr X`` or
    ``override: --batch-size N`` (batch-size without a GPU: one line saying so); returns 0."""
    import re

    from neuroarena.home import results_dir

    spec = tune_spec(args)
    name = f"{spec.task}/{spec.dataset.label}/{spec.model}/seed-{spec.seed}"
    if args.what == "batch-size":
        from neuroarena.diagnostics.tuning import find_batch_size

        result = find_batch_size(spec, mode=args.mode, max_trials=args.max_trials)
        if not result["available"]:
            batch = spec.recipe(spec.task_config()).batch_size
            print(f"tune batch-size: {result['reason']}; keep the recipe's --batch-size {batch}")
            return 0
        _print_table(f"batch-size search: {name}", [
            ("device", result["device"]), ("training windows", str(result["n_train_windows"])),
            ("recipe batch size", str(result["current_batch_size"])), ("largest that fits", str(result["batch_size"]))])
        print(f"override: --batch-size {result['batch_size']}")
        return 0
    from neuroarena.diagnostics.tuning import find_lr, plot_lr

    result = find_lr(spec, min_lr=args.min_lr, max_lr=args.max_lr, num_training=args.num_training)
    stem = re.sub(r"[^A-Za-z0-9._+-]+", "-", f"{spec.task}_{spec.dataset.label}_{spec.model}").strip("-")
    out = plot_lr(result, Path(args.out) if args.out else results_dir(spec.home) / "tune" / f"{stem}_lr.png")
    if result["suggestion"] is None:
        raise NeuroarenaError(f"the loss diverged after {len(result['lrs'])} steps, too few to suggest a rate "
                              f"(plot: {out})", fix="lower --max-lr or raise --num-training")
    _print_table(f"learning-rate range test: {name}", [
        ("training windows", str(result["n_train_windows"])), ("batch size", str(result["batch_size"])),
        ("steps", f"{len(result['lrs'])} of {args.num_training}"),
        ("rates tried", f"{result['lrs'][0]:.1e} .. {result['lrs'][-1]:.1e}"),
        ("recipe lr", f"{result['current_lr']:.1e}"), ("suggested lr", f"{result['suggestion']:.1e}")])
    print(f"written: {out}")
    print(f"override: --lr {result['suggestion']:.1e}")
    return 0
