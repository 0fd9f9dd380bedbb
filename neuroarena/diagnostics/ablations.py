"""Ablations: the score lost when a scalp region, or a stretch of the window, is replaced by its training mean."""
from __future__ import annotations

from typing import Any

import numpy as np

from neuroarena.diagnostics.regions import region_groups
from neuroarena.diagnostics.sample import AutopsySample


def _ablated(sample: AutopsySample, channels: np.ndarray | slice, times: np.ndarray | slice) -> float:
    X = sample.X.copy()
    X[:, channels, times] = sample.train_mean[channels, times]
    return sample.drop(sample.predict(X))


def ablations(sample: AutopsySample, n_segments: int = 5) -> dict[str, Any]:
    """Score drops (in units of the primary metric; positive = worse than intact) per region and per segment.

    Returns
    -------
    dict
        ``metric``, ``intact`` (the sample's score), ``regions``: region -> {``channels`` (names), ``drop``},
        ``segments``: list of {``start_s``, ``stop_s`` (window-relative seconds), ``drop``}, and ``all`` (the
        drop when the whole window is the training mean: the most any ablation can cost).
    """
    store = sample.context.store
    names = store.ch_names
    regions = {region: {"channels": [names[i] for i in index], "drop": _ablated(sample, index, slice(None))}
               for region, index in region_groups(store.chs_info).items()}
    edges = np.linspace(0, store.n_times, n_segments + 1).round().astype(int)
    start = float(sample.times[0])
    segments = [{"start_s": start + a / store.sfreq, "stop_s": start + b / store.sfreq,
                 "drop": _ablated(sample, slice(None), slice(a, b))} for a, b in zip(edges[:-1], edges[1:])]
    return {"metric": sample.metric, "intact": sample.score(sample.outputs), "regions": regions,
            "segments": segments, "all": _ablated(sample, slice(None), slice(None))}
