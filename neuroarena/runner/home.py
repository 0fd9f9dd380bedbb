"""Which root folder this process (and the jobs it ships) uses."""
from __future__ import annotations

import os
from pathlib import Path

from neuroarena.home import neuroarena_home


def use_home(home: str | Path | None) -> Path:
    """Resolve the root folder and export it as ``$NEUROARENA_HOME`` for this process and its workers."""
    root = neuroarena_home(home)
    os.environ["NEUROARENA_HOME"] = str(root)
    return root
