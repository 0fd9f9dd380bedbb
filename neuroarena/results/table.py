"""Records as a tidy table: one row per job, one column per metric."""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from neuroarena.results.records import ResultRecord

KEY_COLUMNS = ["task", "dataset", "model", "seed", "config_hash"]


def subject_spread(record: ResultRecord) -> float:
    """Standard deviation over subjects of the record's primary metric (NaN with fewer than two subjects)."""
    per_subject = record.analyses.get("per_subject", {}) if isinstance(record.analyses, dict) else {}
    scores = [s[record.primary_metric] for s in per_subject.values()
              if isinstance(s, dict) and isinstance(s.get(record.primary_metric), (int, float))]
    return float(np.std(scores, ddof=1)) if len(scores) >= 2 else float("nan")


def records_frame(records: Iterable[ResultRecord]) -> pd.DataFrame:
    """One row per record: key columns, status, primary metric and its score, its spread over subjects
    (``subject_sd``), each test metric, costs, and ``caveats`` (why a score says little, ``""``: none)."""
    rows = []
    for r in records:
        row = {
            "task": r.key.task, "dataset": r.key.dataset, "model": r.key.model, "seed": r.key.seed,
            "config_hash": r.key.config_hash, "status": r.status, "error": r.error,
            "family": r.model_family, "primary_metric": r.primary_metric,
            "score": r.metrics.get(r.primary_metric, float("nan")),
            "ceiling": float("nan") if r.ceiling is None else r.ceiling,
            "subject_sd": subject_spread(r),
            "n_params": r.n_params, "wall_time_s": r.wall_time_s, "peak_memory_mb": r.peak_memory_mb,
            "recipe_overrides": ",".join(f"{k}={v}" for k, v in sorted(r.recipe_overrides.items())),
            "caveats": "; ".join(r.data.get("caveats", [])),
        }
        row.update({f"test_{name}": value for name, value in r.metrics.items()})
        rows.append(row)
    columns = KEY_COLUMNS + ["status", "error", "family", "primary_metric", "score"]
    return pd.DataFrame(rows, columns=None if rows else columns)
