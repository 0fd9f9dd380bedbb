"""The studies ``--dataset`` can name, resolved lazily so listing them imports nothing heavy."""
from __future__ import annotations

import difflib
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    from neuroarena.studies.base import Study

_SIMULATED = "neuroarena.studies.simulated.study:Simulated"

#: ``--dataset`` name -> (``module:Class``, constructor parameters, one-line description).
STUDIES: dict[str, tuple[str, dict, str]] = {
    "simulated": (
        _SIMULATED, {"preset": "default"},
        "Built-in THINGS-like visual experiment, simulated and written as BIDS on first use (offline).",
    ),
    "simulated-tiny": (
        _SIMULATED, {"preset": "tiny"},
        "A tiny version of the simulated experiment, for tests and smoke runs (seconds).",
    ),
    "simulated-neuralbench": (
        _SIMULATED, {"preset": "neuralbench"},
        "8 subjects x 4 min of 22-channel EEG at 250 Hz, 4 classes: the speed benchmark's dataset.",
    ),
}


def study_class(name: str) -> type["Study"]:
    """Return the study class registered under ``name`` (case-insensitive)."""
    key = name.lower()
    if key not in STUDIES:
        close = difflib.get_close_matches(key, list(STUDIES), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise NeuroarenaError(
            f"unknown dataset '{name}'",
            fix=f"{hint}see `neuroarena list studies` (known: {', '.join(sorted(STUDIES))})",
        )
    module, _, cls = STUDIES[key][0].partition(":")
    return getattr(import_module(module), cls)


def get_study(name: str, root: str | Path | None = None) -> "Study":
    """Instantiate the study ``name``; ``root`` defaults to the study's own folder under the home."""
    cls = study_class(name)
    params = dict(STUDIES[name.lower()][1])
    if root is not None:
        params["root"] = root
    return cls(**params)
