"""The one root under which data, caches and results live."""
from __future__ import annotations

import os
from pathlib import Path


def neuroarena_home(home: str | Path | None = None) -> Path:
    """Return the root folder: ``home`` if given, else ``$NEUROARENA_HOME``, else ``~/.neuroarena``."""
    if home is None:
        home = os.environ.get("NEUROARENA_HOME") or Path.home() / ".neuroarena"
    return Path(home).expanduser().resolve()


def data_dir(home: str | Path | None = None) -> Path:
    """Folder where studies keep their raw files."""
    return neuroarena_home(home) / "data"


def cache_dir(home: str | Path | None = None) -> Path:
    """Folder for preprocessed window stores and target caches."""
    return neuroarena_home(home) / "cache"


def results_dir(home: str | Path | None = None) -> Path:
    """Folder for result records and reports."""
    return neuroarena_home(home) / "results"
