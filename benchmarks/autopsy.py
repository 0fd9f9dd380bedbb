"""The autopsy: its cost against the run's training time, and whether it tells the truth; prints two tables.

    python benchmarks/autopsy.py [--home DIR] [--models eegnet shallow_fbcsp_net ...] [--seeds 33]
                                 [--cost-dataset simulated] [--cost-models eegnet] [--cost-max-epochs N]
                                 [--truth-dataset simulated-tiny] [--truth-snr 3.0] [--truth-max-epochs 15]
                                 [--truth-lr 3e-3] [--windows 500] [--task category]

1. Cost: per net of ``--cost-models``, the ``--task`` job on ``--cost-dataset`` (the README's default simulated
   study) under the standard recipe, with its autopsy on ``--windows`` test windows when it ends: the job's
   wall time, the autopsy's seconds (per section) and their ratio (target: under 10 %).
2. Truth: per net of ``--models`` (default: the classic zoo), trained on ``--truth-dataset`` with its evoked
   responses at ``--truth-snr`` times the real single-trial SNR (``--truth-max-epochs`` epochs at
   ``--truth-lr``), the autopsy against the simulation's information map: the net's normalized score, the
   Spearman correlation over channels of its Integrated-Gradients profile with the true informative pattern,
   the peak of its temporal profile against the true latency window (ms outside it), whether ablating the true
   region costs most, and the recommendations that fired.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def _autopsies(frame, home: Path) -> list[tuple]:
    """(record row, record, autopsy report) of each trained net's job in ``frame``."""
    from neuroarena.results.lookup import resolve_run

    out = []
    for _, row in frame[frame["status"] == "ok"].iterrows():
        record = resolve_run(f"{row['task']}/{row['dataset']}/{row['model']}/seed-{row['seed']}_{row['config_hash']}",
                             home / "results")
        facts = record.training.get("autopsy")
        if not facts:
            continue
        if "error" in facts:
            print(f"  {row['model']}: autopsy failed: {facts['error']}")
            continue
        out.append((row, record, json.loads((home / "results" / facts["folder"] / "autopsy.json").read_text())))
    return out


def cost(args: argparse.Namespace, home: Path) -> None:
    from neuroarena.runner import api

    frame = api.run(args.task, args.cost_models, dataset=args.cost_dataset, seeds=args.seeds, home=home,
                    autopsy=args.windows, recipe_overrides={"max_epochs": args.cost_max_epochs}
                    if args.cost_max_epochs else None)
    print(f"\n1. cost of the autopsy ({args.windows} windows) against the job, {args.task} on {args.cost_dataset}")
    print(f"  {'model':22s}{'seed':>5s}{'job s':>9s}{'autopsy s':>11s}{'ratio':>8s}   slowest sections")
    for row, record, report in _autopsies(frame, home):
        seconds = report["seconds"]
        slowest = sorted((k for k in seconds if k != "total"), key=seconds.get, reverse=True)[:3]
        print(f"  {row['model']:22s}{row['seed']:5d}{record.wall_time_s:9.1f}{seconds['total']:11.1f}"
              f"{seconds['total'] / record.wall_time_s:8.1%}   " + ", ".join(f"{k} {seconds[k]:.1f}" for k in slowest))


def truth(args: argparse.Namespace, home: Path) -> None:
    from neuroarena.runner import api

    frame = api.run(args.task, args.models, dataset=args.truth_dataset, seeds=args.seeds, home=home,
                    dataset_params={"config": {"snr": args.truth_snr}}, autopsy=args.windows,
                    recipe_overrides={"max_epochs": args.truth_max_epochs, "lr": args.truth_lr})
    print(f"\n2. the autopsy against the ground truth, {args.task} on {args.truth_dataset} at snr {args.truth_snr:g}")
    print(f"  {'model':22s}{'normalized':>11s}{'rho':>7s}{'rho/snr':>8s}{'peak s':>8s}{'window s':>13s}"
          f"{'miss ms':>8s}  {'true region':12s}{'costliest':12s} recommendations")
    for row, record, report in _autopsies(frame, home):
        t = report["truth"]
        if t is None:
            continue
        window = f"{t['true_window_s'][0]:.2f}-{t['true_window_s'][1]:.2f}"
        rules = ",".join(a["rule"] for a in report["recommendations"]) or "-"
        print(f"  {row['model']:22s}{report['run']['normalized']:11.3f}{t['spatial_spearman']:7.2f}"
              f"{t.get('spatial_spearman_snr', float('nan')):8.2f}{t['attribution_peak_s']:8.3f}{window:>13s}"
              f"{t['latency_error_ms']:8.0f}  {t.get('true_region', '-'):12s}{t.get('costliest_region', '-'):12s} "
              f"{rules}")


def main() -> None:
    from neuroarena.models.registry import expand_models

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", default="/tmp/neuroarena-autopsy-bench")
    parser.add_argument("--task", default="category")
    parser.add_argument("--seeds", nargs="+", type=int, default=[33])
    parser.add_argument("--windows", type=int, default=500)
    parser.add_argument("--cost-dataset", default="simulated")
    parser.add_argument("--cost-models", nargs="+", default=["eegnet"])
    parser.add_argument("--cost-max-epochs", type=int, help="override the recipe's epoch limit (default: the recipe's)")
    parser.add_argument("--models", nargs="+", default=expand_models(["all_classic"]))
    parser.add_argument("--truth-dataset", default="simulated-tiny")
    parser.add_argument("--truth-snr", type=float, default=3.0)
    parser.add_argument("--truth-max-epochs", type=int, default=15)
    parser.add_argument("--truth-lr", type=float, default=3e-3)
    parser.add_argument("--skip", choices=["cost", "truth"], help="leave one table out")
    args = parser.parse_args()
    home = Path(args.home)
    if args.skip != "cost":
        cost(args, home)
    if args.skip != "truth":
        truth(args, home)


if __name__ == "__main__":
    main()
