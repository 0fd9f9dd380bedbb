"""The alignment leaderboard: ceiled scores with errors, the Brain-Score-style tree, the benchmark ranking.

Scores are clipped to [0, 1] here only (records keep the unclipped value). The tree averages the
benchmarks of a study (``gifford2022``, ...), the studies of a domain (``neural``, ``behavior``) and the
domains (``average``), as Brain-Score does. The ranking orders benchmarks by their mean clipped score over
the model pool -- the 2024 Brain-Score competition's criterion: a benchmark on which every model scores
low is the one with the most to teach -- with a bootstrap interval over models.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from neuroarena.results.records import ResultRecord

COLUMNS = ["benchmark", "dataset", "model", "domain", "parent", "raw", "ceiling", "ceiled", "score", "error",
           "layer", "normalisation", "peak", "peak_ms"]


def alignment_table(records: Iterable[ResultRecord]) -> pd.DataFrame:
    """One row per finished alignment record; ``score`` is ``ceiled`` clipped to [0, 1]."""
    rows = []
    for r in records:
        if r.model_family != "vision" or r.status != "ok":
            continue
        bench, score = r.data.get("benchmark", {}), r.analyses.get("alignment", {})
        rows.append({"benchmark": r.key.task, "dataset": r.key.dataset, "model": r.key.model,
                     "domain": bench.get("domain", ""), "parent": bench.get("parent", ""),
                     **{k: r.metrics.get(k, np.nan) for k in ("raw", "ceiling", "ceiled", "error", "peak", "peak_ms")},
                     "layer": r.data.get("commitment", {}).get("layer", ""),
                     "normalisation": score.get("normalisation", "")})
    table = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "score"])
    table.insert(COLUMNS.index("score"), "score", table["ceiled"].clip(0.0, 1.0))
    return table.sort_values(["benchmark", "dataset", "score"], ascending=[True, True, False], ignore_index=True)


def score_tree(table: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, model): every benchmark's clipped score, each study's mean, each domain's, and ``average``."""
    if table.empty:
        return pd.DataFrame()
    out = []
    for (dataset, model), rows in table.groupby(["dataset", "model"], sort=True):
        row: dict = {"dataset": dataset, "model": model}
        row |= dict(zip(rows["benchmark"], rows["score"]))
        parents = rows.groupby(["domain", "parent"])["score"].mean()
        row |= {parent: value for (_, parent), value in parents.items()}
        domains = parents.groupby(level="domain").mean()
        row |= dict(domains.items())
        row["average"] = float(domains.mean())
        out.append(row)
    return pd.DataFrame(out).sort_values("average", ascending=False, ignore_index=True)


def rank_benchmarks(table: pd.DataFrame, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Benchmarks ordered by the mean clipped score over models (lowest first), with a 95 % bootstrap interval
    over the model pool."""
    rng = np.random.default_rng(seed)
    rows = []
    for (benchmark, dataset), group in table.groupby(["benchmark", "dataset"]):
        scores = group["score"].to_numpy(dtype=float)
        scores = scores[np.isfinite(scores)]
        if not len(scores):
            continue
        boot = scores[rng.integers(0, len(scores), (n_boot, len(scores)))].mean(axis=1)
        rows.append({"benchmark": benchmark, "dataset": dataset, "models": len(scores),
                     "mean_score": float(scores.mean()), "ci_low": float(np.quantile(boot, 0.025)),
                     "ci_high": float(np.quantile(boot, 0.975))})
    frame = pd.DataFrame(rows, columns=["benchmark", "dataset", "models", "mean_score", "ci_low", "ci_high"])
    return frame.sort_values("mean_score", ignore_index=True)


def to_markdown(table: pd.DataFrame, tree: pd.DataFrame, ranking: pd.DataFrame) -> str:
    """The three tables as markdown."""
    def fmt(frame: pd.DataFrame) -> str:
        return frame.to_markdown(index=False, floatfmt=".3f") if len(frame) else "(none)"

    return ("# Alignment\n\nCeiled scores (`score` = `ceiled` clipped to [0, 1]; `ceiled` unclipped; `error`: "
            "standard error over subjects, or bootstrap over triplets).\n\n" + fmt(table)
            + "\n\n## Brain-Score tree\n\n" + fmt(tree)
            + "\n\n## Benchmarks by difficulty (mean score over models, lowest first; 95 % interval over models)\n\n"
            + fmt(ranking) + "\n")


def curve_plots(records: Iterable[ResultRecord], out_dir: Path) -> list[Path]:
    """One PNG per time-resolved benchmark and dataset: each model's ceiled score against latency."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from neuroarena.fileio import atomic_path

    curves: dict[tuple[str, str], list[tuple[str, dict]]] = {}
    for r in records:
        curve = r.analyses.get("alignment", {}).get("curve") if r.model_family == "vision" else None
        if r.status == "ok" and curve:
            curves.setdefault((r.key.task, r.key.dataset), []).append((r.key.model, curve))
    paths = []
    for (benchmark, dataset), models in sorted(curves.items()):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for model, curve in sorted(models):
            ax.plot(curve["times_ms"], curve["ceiled"], label=model)
        ax.axhline(0.0, color="grey", lw=0.5)
        ax.set(xlabel="latency (ms)", ylabel="ceiled score", title=f"{benchmark} on {dataset}")
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out_dir / f"curve_{benchmark}_{dataset}.png"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths


def write_alignment_report(records: Iterable[ResultRecord], out_dir: Path, n_boot: int = 2000) -> dict[str, Path]:
    """Write ``alignment.md``, ``alignment.csv`` and the curve plots; return name -> path."""
    from neuroarena.fileio import write_text_atomic

    records = list(records)
    table = alignment_table(records)
    paths = {"alignment_markdown": out_dir / "alignment.md", "alignment_csv": out_dir / "alignment.csv"}
    write_text_atomic(paths["alignment_markdown"],
                      to_markdown(table, score_tree(table), rank_benchmarks(table, n_boot=n_boot)))
    write_text_atomic(paths["alignment_csv"], table.to_csv(index=False))
    paths |= {path.stem: path for path in curve_plots(records, out_dir)}
    return paths
