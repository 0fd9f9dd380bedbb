"""The tiny simulated dataset, prepared once for the runner tests, and debug jobs on it."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from neuroarena.runner import api
from neuroarena.runner.job import JobSpec


@pytest.fixture(scope="session")
def tiny_home(neuroarena_home) -> Path:
    """The session home with the category task's store of ``simulated-tiny`` built."""
    api.prepare("category", "simulated-tiny", home=neuroarena_home, progress=False)
    return Path(neuroarena_home)


@pytest.fixture(scope="session")
def debug_job(tiny_home) -> Callable[..., JobSpec]:
    """``debug_job(model, seed=33)``: a ``--debug`` category job on ``simulated-tiny``."""

    def make(model: str, seed: int = 33) -> JobSpec:
        return JobSpec(task="category", dataset="simulated-tiny", model=model, seed=seed, debug=True,
                       home=str(tiny_home))

    return make
