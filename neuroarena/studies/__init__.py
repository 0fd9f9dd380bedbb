"""Datasets: where the data is, how to get it, and the recordings it holds.

Attributes are imported on first use, so importing this package stays cheap.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "BidsStudy": "neuroarena.studies.bids",
    "Simulated": "neuroarena.studies.simulated.study",
    "SimulationConfig": "neuroarena.studies.simulated.config",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
