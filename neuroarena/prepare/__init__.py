"""MNE preprocessing, event-locked windows and the on-disk window store.

Names are imported on first use, so importing this package stays cheap.
"""
from __future__ import annotations

import importlib
from typing import Any

_MODULE_OF = {
    "PrepareConfig": "neuroarena.prepare.config",
    "preprocess_raw": "neuroarena.prepare.preprocess",
    "extract_windows": "neuroarena.prepare.windows",
    "WindowStore": "neuroarena.prepare.store",
    "build_store": "neuroarena.prepare.build",
    "store_key": "neuroarena.prepare.build",
    "store_root": "neuroarena.prepare.build",
}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'neuroarena.prepare' has no attribute {name!r}")
    return getattr(importlib.import_module(_MODULE_OF[name]), name)
