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


def build_chance(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                 target_kind: str, **net_params: Any) -> Any:
    """A ShallowFBCSPNet left at its random initialisation (seed torch first).

    Registered with ``trainable=False``: it is evaluated as built, which gives
    the score of an untrained net with the same input and output shapes.
    """
    from neuroarena.models.nets import build_shallow_fbcsp_net

    return build_shallow_fbcsp_net(n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                   chs_info=chs_info, target_kind=target_kind, **net_params)
