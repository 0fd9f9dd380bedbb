"""Baselines every score is compared with: ``dummy`` and ``chance``."""
from __future__ import annotations

from typing import Any

from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier, DummyRegressor


def build_dummy(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                target_kind: str) -> BaseEstimator:
    """Predict from the training targets alone, ignoring ``X``.

    Returns ``DummyClassifier(strategy="most_frequent")`` for classification
    (``y : ndarray, shape (n_windows,)``) and ``DummyRegressor(strategy="mean")``
    for embeddings (``y : ndarray, shape (n_windows, n_outputs)``). ``X`` may be
    any array with ``n_windows`` rows, e.g. shape ``(n_windows, n_chans, n_times)``.
    """
    if target_kind == "classification":
        return DummyClassifier(strategy="most_frequent")
    return DummyRegressor(strategy="mean")


#: Shortest window ShallowFBCSPNet's default filters and pooling take (samples).
SHALLOW_MIN_TIMES = 100


def build_chance(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                 target_kind: str, **net_params: Any) -> Any:
    """A ShallowFBCSPNet left at its random initialisation (seed torch first).

    Registered with ``trainable=False``: it is evaluated as built, which gives
    the score of an untrained net with the same input and output shapes. Windows shorter than the net's
    default receptive field (25-sample filters, 75-sample pooling: under 100 samples) get filters and
    pooling shrunk to fit, so that every task has its chance row.
    """
    from neuroarena.models.nets import build_shallow_fbcsp_net

    if n_times < SHALLOW_MIN_TIMES:
        net_params = {"filter_time_length": max(2, n_times // 4), "pool_time_length": max(1, n_times // 2),
                      "pool_time_stride": max(1, n_times // 10), **net_params}
    return build_shallow_fbcsp_net(n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                   chs_info=chs_info, target_kind=target_kind, **net_params)
