"""The EEG Foundation Challenge track on simulated-hbn: window building speed, both challenges' NRMSE per model
with intervals and the oracle, and the pretraining comparison; prints three tables.

    python benchmarks/eeg2025_simulated.py [--home DIR] [--preset simulated-hbn] [--seeds 33 34 35]
                                           [--models cov_ts_ridge eegnex] [--pretrain-model eegnex]
                                           [--max-epochs N]

1. Windows per second: the Challenge 1 (``rt``) and Challenge 2 (``externalizing``) window stores built
   from the BDF recordings (read, cut, written), each in a fresh cache; the simulated recordings are
   written before anything is timed.
2. Per model (``dummy`` always): C1 and C2 NRMSE (mean ± std over seeds, bootstrap 95 % interval over
   test windows, or subjects for C2), the overall ``0.3 C1 + 0.7 C2``, and the oracle's NRMSE
   (the simulation's generating latents) on the same windows.
3. Pretraining: ``--pretrain-model`` from scratch against the same net started from
   ``neuroarena pretrain movies`` (same seeds, same recipe).
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path


def window_speed(dataset: str, home: Path) -> list[tuple[str, int, float]]:
    """(task, windows, windows per second) of a fresh store per challenge task."""
    from neuroarena.home import cache_dir
    from neuroarena.prepare.build import build_store
    from neuroarena.runner.home import use_home
    from neuroarena.studies.spec import dataset_spec
    from neuroarena.tasks.config import load_task

    use_home(home)
    study = dataset_spec(dataset).open()
    study.snapshot()  # written (first use) and listed before the clock starts
    out = []
    for task in ("rt", "externalizing"):
        cache_dir().mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=cache_dir()))
        start = time.perf_counter()
        store = build_store(study, load_task(task).prepare, scratch, progress=False)
        seconds = time.perf_counter() - start
        out.append((task, len(store), len(store) / seconds))
        shutil.rmtree(scratch, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="neuroarena home (default: a temporary folder)")
    parser.add_argument("--dataset", default="simulated-hbn")
    parser.add_argument("--seeds", nargs="+", type=int, default=[33, 34, 35])
    parser.add_argument("--models", nargs="+", default=["cov_ts_ridge", "eegnex"])
    parser.add_argument("--pretrain-model", default="eegnex")
    parser.add_argument("--max-epochs", type=int, default=None, help="recipe override for every net")
    args = parser.parse_args()

    import neuroarena
    from neuroarena.challenges.eeg2025 import overall_score
    from neuroarena.report.leaderboard import leaderboard
    from neuroarena.runner.pretrain import PretrainSpec, pretrain_movies

    home = args.home or Path(tempfile.mkdtemp(prefix="eeg2025-"))
    overrides = {"max_epochs": args.max_epochs} if args.max_epochs else {}
    print(f"{args.dataset}, home {home}")
    print("\n1. windows per second (fresh store: read BDF, cut, write)")
    for task, n, rate in window_speed(args.dataset, home):
        print(f"  {task:<14} {n:>7} windows  {rate:>9.0f} windows/s")

    frame = neuroarena.run(["rt", "externalizing"], args.models, dataset=args.dataset, seeds=args.seeds,
                           home=home, recipe_overrides=overrides)
    table = leaderboard(frame).set_index(["task", "model"])
    print("\n2. NRMSE on the test release (lower is better; mean ± std over seeds, 95 % interval)")
    print(f"  {'model':<14} {'C1 (rt)':>28} {'C2 (externalizing)':>28} {'overall':>8}")
    models = ["dummy", *[m for m in args.models if m != "dummy"]]
    for model in models:
        cells = []
        for task in ("rt", "externalizing"):
            r = table.loc[(task, model)]
            cells.append(f"{r['mean']:.3f} ± {r['std']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}]")
        overall = overall_score(table.loc[("rt", model), "mean"], table.loc[("externalizing", model), "mean"])
        print(f"  {model:<14} {cells[0]:>28} {cells[1]:>28} {overall:>8.3f}")
    c1, c2 = table.loc[("rt", "dummy"), "ceiling"], table.loc[("externalizing", "dummy"), "ceiling"]
    print(f"  {'oracle':<14} {c1:>28.3f} {c2:>28.3f} {overall_score(c1, c2):>8.3f}")

    print(f"\n3. pretraining ({args.pretrain_model}): from scratch against started from movie pretraining")
    rows = []
    for seed in args.seeds:
        summary = pretrain_movies(PretrainSpec(dataset=args.dataset, model=args.pretrain_model, seed=seed,
                                               home=str(home), recipe_overrides=overrides))
        print(f"  seed {seed}: pretrained on {len(summary['subjects'])} subjects, cross-subject top-1 "
              f"{summary['best_val_top1']:.3f} (chance {summary['chance']:.3f})")
        started = neuroarena.run(["rt", "externalizing"], [args.pretrain_model], dataset=args.dataset,
                                 seeds=[seed], home=home, recipe_overrides=overrides, init=summary["path"])
        rows.append(started[started["model"].str.startswith(f"{args.pretrain_model}+init-")]
                    .assign(model=f"{args.pretrain_model}+init"))
    import pandas as pd

    pretrained = leaderboard(pd.concat(rows + [frame[frame["model"] == "dummy"]])).set_index(["task", "model"])
    for task in ("rt", "externalizing"):
        scratch = table.loc[(task, args.pretrain_model)]
        start = pretrained.loc[(task, f"{args.pretrain_model}+init")]
        print(f"  {task:<14} scratch {scratch['mean']:.3f} [{scratch['ci_low']:.3f}, {scratch['ci_high']:.3f}]"
              f"   pretrained {start['mean']:.3f} [{start['ci_low']:.3f}, {start['ci_high']:.3f}]")
    if args.home is None:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
