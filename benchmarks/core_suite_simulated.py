"""The core suite on its simulated counterparts: per-task scores and oracle ceilings, the cross-task ranking, and
the wall time of the whole run.

    python benchmarks/core_suite_simulated.py [--home DIR] [--preset tiny|default] [--models ...] [--seeds 0 1 2]
        [--max-epochs N] [--tasks image ssvep ...]

Runs ``neuroarena eeg core --simulated <preset> -m <models>`` (through :func:`neuroarena.runner.api.run_suite`)
in a fresh home (or ``--home``), then prints, per task: the counterpart, each model's primary score (mean over
seeds), the dummy and the oracle ceiling, and the ceiling-normalized score; then the suite ranking (mean
normalized rank over tasks, per category, bootstrap interval over tasks), and the wall time per task and in all.
``--tasks`` keeps only some of the suite's tasks (a suite file of those entries, ``version`` unchanged).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

DEFAULT_MODELS = ["all_baseline", "eegnet", "shallow_fbcsp_net", "ctnet"]


def suite_file(tasks: list[str] | None, folder: Path) -> str:
    """``core``, or a copy of it holding only ``tasks`` (as a new, unpublished version)."""
    import yaml

    from neuroarena.suites.suite import load_suite

    if not tasks:
        return "core"
    core = load_suite("core")
    unknown = sorted(set(tasks) - {e.task for e in core.entries})
    if unknown:
        raise SystemExit(f"error: {unknown} are not tasks of {core.label}")
    data = core.model_dump(mode="json")
    data["name"], data["entries"] = "core-subset", [e for e in data["entries"] if e["task"] in tasks]
    path = folder / "core-subset.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=None, help="neuroarena home (default: a temporary folder)")
    parser.add_argument("--preset", choices=["tiny", "default"], default="tiny")
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--max-epochs", type=int, default=None, help="recipe override for every net")
    parser.add_argument("--tasks", nargs="*", default=None)
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="neuroarena-core-"))
    home.mkdir(parents=True, exist_ok=True)
    os.environ["NEUROARENA_HOME"] = str(home)

    import pandas as pd

    from neuroarena.report.leaderboard import leaderboard
    from neuroarena.runner.api import run_suite
    from neuroarena.suites.ranking import suite_ranking
    from neuroarena.suites.suite import load_suite

    suite = suite_file(args.tasks, home)
    overrides = {"max_epochs": args.max_epochs} if args.max_epochs else {}
    started = time.perf_counter()
    frame = run_suite(suite, args.models, simulated=args.preset, seeds=args.seeds, recipe_overrides=overrides,
                      progress=lambda message: None)
    wall = time.perf_counter() - started
    failed = frame[frame["status"] != "ok"]
    for _, row in failed.iterrows():
        print(f"FAILED {row['task']} {row['dataset']} {row['model']} seed {row['seed']}: {row['error']}")
    table = leaderboard(frame)
    pd.set_option("display.width", 200)
    print(f"# {load_suite(suite).label} on its {args.preset} simulated counterparts, home {home}")
    print(table[["task", "dataset", "model", "metric", "mean", "std", "ceiling", "normalized",
                 "ceiling_normalized", "rank"]].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\n# cross-task ranking (mean normalized rank, lower is better)")
    print(suite_ranking(table, load_suite(suite)).to_string(float_format=lambda v: f"{v:.3f}"))
    times = frame.groupby("task")["wall_time_s"].sum()
    print("\n# wall time per task (s, jobs summed)")
    print(times.round(1).to_string())
    print(f"\nwhole run: {wall:.0f} s on {os.cpu_count()} cores ({len(frame)} jobs, {len(failed)} failed)")


if __name__ == "__main__":
    main()
