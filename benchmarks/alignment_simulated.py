"""Alignment on the simulated study: every benchmark x model with its ceiling, the Brain-Score tree, the benchmarks
ranked by difficulty, and the activation cache.

    python benchmarks/alignment_simulated.py [--home DIR] [--dataset simulated] [--models ...]

1. Every benchmark x model (``neuroarena align BENCHMARK... --dataset simulated``): raw, ceiling, ceiled
   (unclipped) and its error, the committed layer; time-resolved benchmarks with their peak (value, latency).
2. The Brain-Score tree (per model: studies, domains, average) and the benchmarks by mean score over the models.
3. Activation extraction: images per second of a fresh extraction of every candidate layer of each network on the
   study's images, and of reading the same activations back from the cache (the speed-up is their ratio,
   measured in one run).

The memory of the ridge fit as the neuroids grow is ``benchmarks/alignment_ridge_memory.py``.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

DEFAULT_MODELS = ["pixels", "v1", "efficientnet-lite0", "random", "oracle"]
DEFAULT_BENCHMARKS = [f"gifford2022-{kind}" for kind in ("encoding-ridgecv", "encoding-pls", "encoding-time", "rsa",
                                                          "cka")] + ["things-odd-one-out"]


def extraction_speed(dataset: str, models: list[str], root: Path) -> list[tuple[str, int, float, float]]:
    """(model, images, images/s extracting every layer, images/s from the cache) for each network."""
    from neuroarena.alignment.activations import cached_activations
    from neuroarena.alignment.zoo import BuildContext, build_vision_model
    from neuroarena.studies.spec import dataset_spec

    study = dataset_spec(dataset).open()
    stimuli = study.stimuli()
    rows = []
    for name in models:
        model, built = build_vision_model(name, BuildContext(study))
        if built.network is None:
            continue
        folder = root / name
        started = time.perf_counter()
        cached_activations(built.network, stimuli, list(model.layers), folder)
        fresh = time.perf_counter() - started
        started = time.perf_counter()
        cached_activations(built.network, stimuli, list(model.layers), folder)
        cached = time.perf_counter() - started
        rows.append((name, len(stimuli), len(stimuli) / fresh, len(stimuli) / cached))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=None, help="neuroarena home (default: a temporary folder)")
    parser.add_argument("--dataset", default="simulated")
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    parser.add_argument("--benchmarks", nargs="+", default=DEFAULT_BENCHMARKS,
                        help="(the other studies' benchmarks repeat these on simulated data)")
    parser.add_argument("--untrained", nargs="*", default=["efficientnet-lite0"],
                        help="networks also scored with random weights (the control of what training added)")
    parser.add_argument("--n-triplets", type=int, default=20000)
    args = parser.parse_args()

    from neuroarena.alignment.api import align
    from neuroarena.alignment.report import alignment_table, rank_benchmarks, score_tree
    from neuroarena.home import results_dir
    from neuroarena.results.records import ResultStore

    home = args.home or Path(tempfile.mkdtemp(prefix="alignment-"))
    print(f"{args.dataset}, home {home}")
    started = time.perf_counter()
    frames = [align(args.benchmarks, args.models, dataset=args.dataset, home=home,
                    benchmark_params={"n_triplets": args.n_triplets})]
    if args.untrained:
        frames.append(align(args.benchmarks, args.untrained, dataset=args.dataset, home=home, pretrained=False,
                            benchmark_params={"n_triplets": args.n_triplets}))
    failed = [f[f["status"] != "ok"] for f in frames]
    if any(len(f) for f in failed):
        for f in failed:
            for r in f.itertuples():
                print(f"  FAILED {r.task} / {r.model}: {r.error}")
        raise SystemExit("some jobs failed")
    print(f"  {sum(len(f) for f in frames)} jobs in {time.perf_counter() - started:.0f} s")
    table = alignment_table(ResultStore(results_dir() / "records"))
    table = table[table["dataset"] == frames[0]["dataset"].iloc[0]]

    print("\n1. every benchmark x model (ceiled unclipped; error: s.e. over subjects, or bootstrap over triplets)")
    print(f"  {'benchmark':<30} {'model':<28} {'layer':<12} {'raw':>7} {'ceiling':>8} {'ceiled':>14} {'peak @ ms':>14}")
    for r in table.sort_values(["benchmark", "ceiled"], ascending=[True, False]).itertuples():
        peak = "" if r.peak != r.peak else f"{r.peak:.2f} @ {r.peak_ms:.0f}"
        print(f"  {r.benchmark:<30} {r.model:<28} {str(r.layer):<12} {r.raw:>7.3f} {r.ceiling:>8.3f} "
              f"{r.ceiled:>7.3f} ± {r.error:.3f} {peak:>14}")

    print("\n2. Brain-Score tree (clipped scores) and the benchmarks by difficulty")
    tree = score_tree(table)
    print(tree[["model", *[c for c in ("gifford2022", "things", "neural", "behavior", "average") if c in tree]]]
          .to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(rank_benchmarks(table).to_string(index=False, float_format=lambda v: f"{v:.3f}"))

    print("\n3. activation extraction, every candidate layer (images/s; cache = read back by content key)")
    for name, n, fresh, cached in extraction_speed(args.dataset, args.models, home / "speed"):
        print(f"  {name:<22} {n:>6} images  extract {fresh:>9.1f}/s  cache {cached:>10.1f}/s  "
              f"speed-up x{cached / fresh:.0f}")
    if args.home is None:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
