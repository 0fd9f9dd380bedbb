"""``neuroarena align`` and the alignment parts of ``list`` and ``report`` (heavy imports inside the commands)."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable


def add_align_parser(sub: Any, add_executor_options: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``neuroarena align``."""
    align = sub.add_parser(
        "align", help="score models of vision against EEG and behaviour (alignment benchmarks, with ceilings)",
        description="Score models of vision on alignment benchmarks: encoding (ridge, PLS, time-resolved), RSA and "
                    "CKA per time bin, odd-one-out behaviour; every score with its noise ceiling. Records are kept "
                    "like decoding records (resumable, --retry, Slurm); `neuroarena report` shows the leaderboard.")
    align.add_argument("benchmarks", nargs="+", metavar="BENCHMARK",
                       help="benchmark names (`neuroarena list benchmarks`) or all")
    align.add_argument("-m", "--models", nargs="+", default=["all_vision"], metavar="MODEL",
                       help="models of vision (`neuroarena list vision`) or all_vision (default)")
    align.add_argument("--dataset", metavar="NAME|FOLDER|FILE.yaml",
                       help="the data of every benchmark, e.g. simulated (default: each benchmark's own study)")
    align.add_argument("--dataset-param", nargs="+", metavar="KEY=VALUE", dest="dataset_param",
                       help="parameters of the study, the value read as YAML (recorded)")
    align.add_argument("--subjects", nargs="+", metavar="SUBJECT", help="only these subjects")
    align.add_argument("--no-pretrained", action="store_false", dest="pretrained",
                       help="networks with random weights: the control of what training added (<model>-untrained)")
    align.add_argument("--weights", metavar="FILE|DIR",
                       help="weights of the networks that need them: a torchvision .pth, a HuggingFace folder")
    align.add_argument("--layer", help="commit this layer to the EEG, or to IT on behaviour benchmarks (default: "
                                       "for the EEG chosen on the selection benchmark, for IT the layer at its depth)")
    align.add_argument("--normalisation", choices=["r2/ceiling", "(r/ceiling)^2"], default="r2/ceiling",
                       help="how encoding scores are ceiled (recorded; default r2/ceiling)")
    align.add_argument("--n-triplets", type=int, dest="n_triplets", help="simulated odd-one-out triplets (20000)")
    align.add_argument("--triplet-noise", type=float, dest="triplet_noise",
                       help="noise of the simulated choices, a fraction of the similarities' sd (0.5)")
    align.add_argument("--triplets", dest="triplets_root", metavar="DIR",
                       help="folder of the THINGS triplets (default: <home>/data/things-triplets)")
    align.add_argument("--retry", action="store_true", help="run failed jobs again")
    add_executor_options(align)
    align.add_argument("--home", dest="sub_home", help=argparse.SUPPRESS)


def run_align(args: argparse.Namespace, executor: dict[str, Any]) -> None:
    """Run ``neuroarena align`` and print the alignment leaderboard of this run."""
    from rich.console import Console

    from neuroarena.alignment.api import align
    from neuroarena.studies.spec import parse_params

    params = parse_params(args.dataset_param)
    if args.subjects:
        params["subjects"] = list(args.subjects)
    bench = {k: getattr(args, k) for k in ("n_triplets", "triplet_noise", "triplets_root")
             if getattr(args, k) is not None}
    console = Console(stderr=True)
    frame = align(args.benchmarks, args.models, dataset=args.dataset, pretrained=args.pretrained,
                  weights=args.weights, layer=args.layer, normalisation=args.normalisation, benchmark_params=bench,
                  dataset_params=params or None, retry=args.retry, progress=console.print,
                  live=console.is_terminal, **executor)
    from neuroarena.home import results_dir

    print_alignment(results_dir(), rank=False, keys=set(zip(frame["task"], frame["dataset"], frame["model"])))
    failed = frame[frame["status"] != "ok"] if len(frame) else frame
    if len(failed):
        raise SystemExit(f"error: {len(failed)} job(s) failed; see the lines above, fix, then re-run with --retry")


def print_alignment(results: Path, rank: bool, keys: set | None = None) -> None:
    """Print the alignment leaderboard (only ``keys`` = (benchmark, dataset, model) when given) and, with
    ``rank``, the benchmarks by difficulty."""
    from rich.console import Console
    from rich.table import Table

    from neuroarena.alignment.report import alignment_table, rank_benchmarks
    from neuroarena.results.records import ResultStore

    table = alignment_table(ResultStore(results / "records"))
    if keys is not None:
        table = table[[k in keys for k in zip(table["benchmark"], table["dataset"], table["model"])]]
    out = Table(title="alignment (score = ceiled clipped to [0, 1])")
    for col in ("benchmark", "dataset", "model", "layer", "raw", "ceiling", "ceiled", "error", "score", "peak ms"):
        out.add_column(col, justify="left" if col in ("benchmark", "dataset", "model", "layer") else "right")
    for _, r in table.iterrows():
        out.add_row(r["benchmark"], r["dataset"], r["model"], str(r["layer"]),
                    *(f"{r[k]:.3f}" for k in ("raw", "ceiling", "ceiled", "error", "score")),
                    "" if r["peak_ms"] != r["peak_ms"] else f"{r['peak_ms']:.0f}")
    console = Console()
    Console(width=max(console.width, 140)).print(out)
    if rank:
        ranking = Table(title="benchmarks by difficulty: mean score over models, lowest first")
        for col in ("benchmark", "dataset", "models", "mean score", "95% interval over models"):
            ranking.add_column(col)
        for _, r in rank_benchmarks(table).iterrows():
            ranking.add_row(r["benchmark"], r["dataset"], str(r["models"]), f"{r['mean_score']:.3f}",
                            f"{r['ci_low']:.3f}-{r['ci_high']:.3f}")
        console.print(ranking)


def list_alignment(what: str, table: Any) -> None:
    """Fill ``table`` (a rich Table) with the benchmarks or the models of vision."""
    if what == "benchmarks":
        from neuroarena.alignment.benchmarks import BENCHMARKS

        for col in ("benchmark", "kind", "domain", "parent", "version", "default dataset"):
            table.add_column(col, no_wrap=col in ("benchmark", "kind"))
        for b in BENCHMARKS.values():
            table.add_row(b.identifier, b.kind, b.domain, b.parent, str(b.version), b.default_dataset)
        return
    from neuroarena.alignment.zoo import VISION_GROUPS, VISION_MODELS

    table.add_column("model", no_wrap=True)
    table.add_column("description")
    for m in VISION_MODELS.values():
        table.add_row(m.name, m.description)
    for name, members in VISION_GROUPS.items():
        table.add_row(name, "group: " + ", ".join(members))
