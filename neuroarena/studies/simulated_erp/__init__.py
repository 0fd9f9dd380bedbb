"""The built-in simulated ERP studies (imported on first use, to keep this package light)."""
from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "SimulatedErp": "neuroarena.studies.simulated_erp.study",
    "ErpConfig": "neuroarena.studies.simulated_erp.config",
    "oracle_outputs": "neuroarena.studies.simulated_erp.oracle",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
