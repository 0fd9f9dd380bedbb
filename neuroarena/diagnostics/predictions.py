"""Predictions against targets, and against the dummy baseline, overall and per subject and session."""
from __future__ import annotations

from typing import Any

import numpy as np

from neuroarena.diagnostics.sample import AutopsySample

GROUPS = ("subject", "session")


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _by_group(sample: AutopsySample, dummy: np.ndarray) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for column in GROUPS:
        if column not in sample.metadata or sample.metadata[column].nunique() < 2:
            continue
        values = sample.metadata[column].astype(str).to_numpy()
        rows = []
        for value in sorted(set(values)):
            mask = values == value
            model, base = _finite(sample.score(sample.outputs, mask)), _finite(sample.score(dummy, mask))
            beats = None if model is None or base is None else (model > base) == sample.higher_is_better \
                and model != base
            rows.append({column: value, "n": int(mask.sum()), "model": model, "dummy": base, "beats_dummy": beats})
        out[column] = rows
    return out


def _classification(sample: AutopsySample) -> dict[str, Any]:
    from neuroarena.metrics.classification import as_labels

    targets = sample.context.targets
    truth = targets.y[sample.part][sample.positions]
    pred = as_labels(sample.outputs)
    n = targets.n_outputs
    confusion = np.zeros((n, n), dtype=int)
    np.add.at(confusion, (truth, pred), 1)
    recall = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    shares = np.bincount(pred, minlength=n) / max(len(pred), 1)
    return {"classes": list(targets.categories or targets.classes or [str(i) for i in range(n)]),
            "confusion": confusion.tolist(), "recall": recall.tolist(), "predicted_share": shares.tolist(),
            "largest_predicted_share": float(shares.max())}


def _regression(sample: AutopsySample) -> dict[str, Any]:
    targets = sample.context.targets
    truth = targets.values(sample.part, sample.positions)[:, 0]
    pred = targets.standardization.inverse_transform(sample.outputs).reshape(-1)
    residual = pred - truth
    spread = float(truth.std())
    r = float(np.corrcoef(truth, pred)[0, 1]) if spread > 0 and pred.std() > 0 else float("nan")
    return {"y_true": truth.tolist(), "y_pred": pred.tolist(), "residual_mean": float(residual.mean()),
            "residual_std": float(residual.std()), "pearson_r": r,
            "spread_ratio": float(pred.std() / spread) if spread > 0 else float("nan")}


def true_item_ranks(sample: AutopsySample, outputs: np.ndarray | None = None) -> np.ndarray:
    """Rank (1 = best) of each window's true item among the sample's distinct stimuli, by cosine similarity
    of the output to their embeddings, shape (n,)."""
    outputs = sample.outputs if outputs is None else outputs
    c = sample.context.targets.candidates(sample.part, sample.positions)
    out = outputs / np.maximum(np.linalg.norm(outputs, axis=1, keepdims=True), 1e-12)
    emb = c["candidate_emb"] / np.maximum(np.linalg.norm(c["candidate_emb"], axis=1, keepdims=True), 1e-12)
    sims = out @ emb.T
    own = sims[np.arange(len(sims)), np.searchsorted(c["candidate_ids"], c["stimulus"])]
    return (sims > own[:, None]).sum(axis=1) + 1


def _retrieval(sample: AutopsySample) -> dict[str, Any]:
    ranks = true_item_ranks(sample)
    n_candidates = len(np.unique(sample.context.targets.stimulus[sample.part][sample.positions]))
    return {"ranks": ranks.tolist(), "n_candidates": n_candidates, "median_rank": float(np.median(ranks)),
            "chance_median_rank": (n_candidates + 1) / 2}


def predictions(sample: AutopsySample) -> dict[str, Any]:
    """The sample's predictions: ``kind``; the primary metric of the net and of the dummy (``model``,
    ``dummy``); per subject and per session (lists of {value, ``n``, ``model``, ``dummy``, ``beats_dummy``});
    and by kind:
    the confusion matrix (classes x classes, rows true), per-class recall and predicted shares; predicted vs
    true values, residuals, Pearson r and ``spread_ratio`` (std of predictions / std of targets); or the rank
    of each window's true item among the sample's candidates."""
    from neuroarena.runner.ceiling import dummy_outputs

    dummy = dummy_outputs(sample.context.targets, len(sample.positions))
    kind = sample.context.targets.kind
    detail = {"classification": _classification, "regression": _regression}.get(kind, _retrieval)(sample)
    return {"kind": kind, "metric": sample.metric, "higher_is_better": sample.higher_is_better,
            "model": _finite(sample.score(sample.outputs)),
            "dummy": _finite(sample.score(dummy)), "groups": _by_group(sample, dummy), **detail}
