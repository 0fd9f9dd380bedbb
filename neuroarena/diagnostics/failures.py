"""Failure modes: the worst items of the sample with their metadata, and the metadata values over-represented
among the failures (a one-sided Fisher exact test of each value's share among the worst items)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from neuroarena.diagnostics.predictions import true_item_ranks
from neuroarena.diagnostics.sample import AutopsySample

#: Share of the sample counted as failures for the over-representation test.
WORST_SHARE = 0.2
#: Metadata columns with more distinct values than this are not tested (onsets, sample indices, ...).
MAX_VALUES = 50
SHOWN = ("subject", "session", "run", "stimulus", "category", "rt", "rt_from_stimulus", "correct", "release", "task")


def item_losses(sample: AutopsySample) -> tuple[np.ndarray, str]:
    """How badly each window of the sample went, shape (n,), larger is worse, and what the number is:
    1 - the softmax probability of the true class, the absolute error in the target's units, or the rank of
    the true item."""
    targets = sample.context.targets
    if targets.kind == "classification":
        logits = sample.outputs - sample.outputs.max(axis=1, keepdims=True)
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        truth = targets.y[sample.part][sample.positions]
        return 1.0 - p[np.arange(len(p)), truth], "1 - p(true class)"
    if targets.kind == "regression":
        truth = targets.values(sample.part, sample.positions)[:, 0]
        pred = targets.standardization.inverse_transform(sample.outputs).reshape(-1)
        return np.abs(pred - truth), "absolute error"
    return true_item_ranks(sample).astype(float), "rank of the true item"


def _plain(value: Any) -> Any:
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    return value if isinstance(value, (int, float, str, bool)) or value is None else str(value)


def failures(sample: AutopsySample, n_worst: int = 10) -> dict[str, Any]:
    """The ``n_worst`` worst windows (``loss`` and the metadata columns of :data:`SHOWN` that exist) and the
    ``over_represented`` metadata values among the worst :data:`WORST_SHARE` of the sample: column, value,
    ``share_failures``, ``share_all``, ``ratio`` and the one-sided Fisher ``p``, for p < 0.05, most
    significant first."""
    from scipy.stats import fisher_exact

    losses, what = item_losses(sample)
    meta = sample.metadata
    order = np.argsort(-losses, kind="stable")
    columns = [c for c in SHOWN if c in meta]
    worst = [{"loss": float(losses[i]), **{c: _plain(meta[c].iloc[i]) for c in columns}} for i in order[:n_worst]]
    failed = np.zeros(len(losses), dtype=bool)
    failed[order[: max(1, int(round(WORST_SHARE * len(losses))))]] = True
    found = []
    for column in meta.columns:
        values = meta[column]
        if values.dtype.kind == "f" or not 1 < values.nunique() <= MAX_VALUES:
            continue
        text = values.astype(str).to_numpy()
        for value in pd.unique(text):
            has = text == value
            a, b = int((has & failed).sum()), int((~has & failed).sum())
            c, d = int((has & ~failed).sum()), int((~has & ~failed).sum())
            if a == 0:
                continue
            p = float(fisher_exact([[a, b], [c, d]], alternative="greater").pvalue)
            if p < 0.05:
                share_f, share_all = a / failed.sum(), has.mean()
                found.append({"column": column, "value": value, "share_failures": float(share_f),
                              "share_all": float(share_all), "ratio": float(share_f / share_all), "p": p})
    found.sort(key=lambda row: row["p"])
    return {"loss": what, "worst": worst, "worst_share": WORST_SHARE, "n_failures": int(failed.sum()),
            "over_represented": found[:10]}
