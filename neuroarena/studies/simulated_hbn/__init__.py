"""The built-in simulated HBN challenge study (imported on first use, to keep this package light)."""
from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "SimulatedHbn": "neuroarena.studies.simulated_hbn.study",
    "SimulatedHbnConfig": "neuroarena.studies.simulated_hbn.config",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
