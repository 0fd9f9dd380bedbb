"""The built-in simulated c-VEP study (imported on first use, to keep this package light)."""
from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "SimulatedCvep": "neuroarena.studies.simulated_cvep.study",
    "CvepConfig": "neuroarena.studies.simulated_cvep.config",
    "oracle_outputs": "neuroarena.studies.simulated_cvep.oracle",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
