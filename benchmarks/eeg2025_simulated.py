"""The EEG Foundation Challenge track on simulated-hbn: window building speed, both challenges' NRMSE per model
with intervals and the oracle, and the pretraining comparison; prints three tables.

    python benchmarks/eeg2025_simulated.py [--home DIR] [--dataset simulated-hbn] [--seeds 33 34 35]
                                           [--models cov_ts_ridge eegnet] [--pretrain-model eegnet]
                                           [--max-epochs N] [--lr LR] [--pretrain-epochs N] [--pretrain-batch-size N]
                                           [--aux-weight 0.1]

1. Windows per second: the Challenge 1 (``rt``) and Challenge 2 (``externalizing``) window stores built
   from the BDF recordings (read, cut, written), each in a fresh cache; the simulated recordings are
   written before anything is timed.
2. Per model (``dummy`` always): C1 and C2 NRMSE (mean ± std over seeds, bootstrap 95 % interval over
   test windows, or subjects for C2), the overall ``0.3 C1 + 0.7 C2``, and the oracle's NRMSE
   (the simulation's generating latents) on the same windows.
3. Learning across subjects and tasks, ``--pretrain-model`` under four conditions (same seeds, same recipe):
   from scratch; started from ``neuroarena pretrain movies`` (one pretraining per seed, its cross-subject
   top-1 printed); multitask (one net, an rt and an externalizing head, and a correctness head of weight
   ``--aux-weight``) from scratch; and pretrained + multitask. C1, C2 and overall as in 2.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


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


def movie_references(dataset: str, val_subjects: list[str]) -> tuple[float, float] | None:
    """Cross-subject top-1 of the validation subjects' movie windows without training: nearest neighbour on the
    raw windows, and on the movie sources estimated with each subject's true scalp patterns (least squares:
    a reference, not a bound: it ignores the noise's covariance). None on a dataset that is not simulated."""
    import numpy as np

    from neuroarena.home import cache_dir
    from neuroarena.prepare.build import build_store
    from neuroarena.runner.pretrain import MOVIE_PREPARE, MOVIE_TASKS
    from neuroarena.studies.simulated_hbn import SimulatedHbn
    from neuroarena.studies.simulated_hbn.latents import make_subjects
    from neuroarena.studies.simulated_hbn.signals import N_MOVIE_SOURCES, movie_patterns, referenced
    from neuroarena.studies.spec import dataset_spec
    from neuroarena.training.cross_subject import cross_subject_top1

    study = dataset_spec(dataset, {"tasks": list(MOVIE_TASKS)}).open()
    if not isinstance(study, SimulatedHbn):
        return None
    store = build_store(study, MOVIE_PREPARE, cache_dir(), progress=False)
    subjects = store.metadata["subject"].astype(str).to_numpy()
    windows = np.flatnonzero(np.isin(subjects, val_subjects) & (store.metadata["kind"].astype(str) == "movie"))
    X, subject = store.take(windows).astype(np.float64), subjects[windows]
    stimulus = np.unique(store.metadata["stimulus"].astype(str).to_numpy()[windows], return_inverse=True)[1].ravel()
    index = np.unique(subject, return_inverse=True)[1].ravel()
    latents = {s.subject: s for s in make_subjects(study.config)}
    sources = np.zeros((len(X), N_MOVIE_SOURCES, X.shape[2]))
    for name in np.unique(subject):
        pattern = referenced(movie_patterns(study.config, latents[name.removeprefix("sub-")])) * 1e6  # µV / source
        mine = subject == name
        sources[mine] = np.einsum("kc,nct->nkt", np.linalg.pinv(pattern), X[mine])
    return (cross_subject_top1(X.reshape(len(X), -1), stimulus, index),
            cross_subject_top1(sources.reshape(len(X), -1), stimulus, index))


def checked(frame: "pd.DataFrame") -> "pd.DataFrame":
    """``frame`` unchanged when every job finished; otherwise stop with the failed jobs and their errors."""
    failed = frame[frame["status"] != "ok"]
    if len(failed):
        lines = [f"{r.task}/{r.model} seed {r.seed}: {r.status}: {str(r.error).splitlines()[-1] if r.error else ''}"
                 for r in failed.drop_duplicates(["task", "model", "seed"]).itertuples()]
        raise SystemExit("jobs did not finish (rerun with --home and retry):\n  " + "\n  ".join(lines))
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="neuroarena home (default: a temporary folder)")
    parser.add_argument("--dataset", default="simulated-hbn")
    parser.add_argument("--seeds", nargs="+", type=int, default=[33, 34, 35])
    parser.add_argument("--models", nargs="+", default=["cov_ts_ridge", "eegnet"])
    parser.add_argument("--pretrain-model", default="eegnet", help="the net of section 3 (in --models too)")
    parser.add_argument("--max-epochs", type=int, default=None, help="recipe override for every net")
    parser.add_argument("--lr", type=float, default=None, help="recipe override for every net (and pretraining)")
    parser.add_argument("--pretrain-epochs", type=int, default=None, help="epoch limit of pretraining "
                        "(default --max-epochs)")
    parser.add_argument("--pretrain-batch-size", type=int, default=None, help="pairs x 2 per pretraining batch "
                        "(default the recipe's; at most twice the movie times)")
    parser.add_argument("--aux-weight", type=float, default=0.1, help="the multitask correctness head's weight")
    args = parser.parse_args()
    if args.pretrain_model not in args.models:
        parser.error(f"--pretrain-model {args.pretrain_model} must be one of --models (its scratch runs)")

    import pandas as pd

    import neuroarena
    from neuroarena.challenges.eeg2025 import overall_score
    from neuroarena.report.leaderboard import leaderboard
    from neuroarena.runner.pretrain import PretrainSpec, pretrain_movies

    home = args.home or Path(tempfile.mkdtemp(prefix="eeg2025-"))
    overrides = {k: v for k, v in (("max_epochs", args.max_epochs), ("lr", args.lr)) if v is not None}
    print(f"{args.dataset}, home {home}")
    print("\n1. windows per second (fresh store: read BDF, cut, write)")
    for task, n, rate in window_speed(args.dataset, home):
        print(f"  {task:<14} {n:>7} windows  {rate:>9.0f} windows/s")

    from neuroarena.models.registry import get_model

    nets = [m for m in args.models if get_model(m).kind == "net"]
    others = [m for m in args.models if m not in nets]
    frame = checked(neuroarena.run(["rt", "externalizing"], others or ["dummy"], dataset=args.dataset,
                                   seeds=args.seeds, home=home))  # estimators and dummy take no recipe
    frame = pd.concat([frame, checked(neuroarena.run(["rt", "externalizing"], nets, dataset=args.dataset,
                                                     seeds=args.seeds, home=home, recipe_overrides=overrides))
                       .query("model != 'dummy'")])
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

    print(f"\n3. {args.pretrain_model}: scratch, pretrained on the movies, multitask, pretrained + multitask")

    net = args.pretrain_model
    multitask = dict(multitask=True, aux_weight=args.aux_weight)
    pretrain = {**overrides, **({"max_epochs": args.pretrain_epochs} if args.pretrain_epochs else {}),
                **({"batch_size": args.pretrain_batch_size} if args.pretrain_batch_size else {})}
    rows = [frame[frame["model"].isin(["dummy", net])].assign(model=lambda f: f["model"].replace(net, "scratch"))]
    rows.append(checked(neuroarena.run(["rt", "externalizing"], [net], dataset=args.dataset, seeds=args.seeds,
                                       home=home, recipe_overrides=overrides, **multitask)).query("model != 'dummy'")
                .assign(model="multitask"))
    for seed in args.seeds:
        summary = pretrain_movies(PretrainSpec(dataset=args.dataset, model=net, seed=seed, home=str(home),
                                               recipe_overrides=pretrain))
        references = movie_references(args.dataset, summary["val_subjects"])
        untrained = "" if references is None else (f"; untrained: raw windows {references[0]:.3f}, true-pattern "
                                                    f"sources {references[1]:.3f}")
        print(f"  seed {seed}: pretrained on {len(summary['subjects'])} subjects ({summary['epochs']} epochs), "
              f"cross-subject top-1 {summary['best_val_top1']:.3f} (chance {summary['chance']:.3f}){untrained}")
        for label, extra in (("pretrained", {}), ("pretrained+multitask", multitask)):
            started = checked(neuroarena.run(["rt", "externalizing"], [net], dataset=args.dataset, seeds=[seed],
                                             home=home, recipe_overrides=overrides, init=summary["path"], **extra))
            rows.append(started.query("model != 'dummy'").assign(model=label))
    conditions = leaderboard(pd.concat(rows)).set_index(["task", "model"])
    print(f"  {'condition':<22} {'C1 (rt)':>28} {'C2 (externalizing)':>28} {'overall':>8}")
    for label in ("scratch", "pretrained", "multitask", "pretrained+multitask"):
        cells = []
        for task in ("rt", "externalizing"):
            r = conditions.loc[(task, label)]
            cells.append(f"{r['mean']:.3f} ± {r['std']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}]")
        overall = overall_score(conditions.loc[("rt", label), "mean"],
                                conditions.loc[("externalizing", label), "mean"])
        print(f"  {label:<22} {cells[0]:>28} {cells[1]:>28} {overall:>8.3f}")
    if args.home is None:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
