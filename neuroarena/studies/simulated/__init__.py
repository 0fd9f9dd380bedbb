"""The built-in simulated THINGS-like study (imported on first use, to keep this package light)."""
from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "Simulated": "neuroarena.studies.simulated.study",
    "SimulationConfig": "neuroarena.studies.simulated.config",
    "oracle_outputs": "neuroarena.studies.simulated.oracle",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
