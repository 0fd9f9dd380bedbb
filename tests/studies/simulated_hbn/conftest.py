"""The tiny simulated HBN releases, written once per test session."""
from __future__ import annotations

import pytest

from neuroarena.studies.simulated_hbn.study import SimulatedHbn

ALL_TASKS = ["contrastChangeDetection", "ThePresent", "RestingState"]


@pytest.fixture(scope="session")
def tiny_hbn(tmp_path_factory) -> SimulatedHbn:
    """The ``tiny`` preset (10 subjects in R1-R5), every simulated task."""
    study = SimulatedHbn(root=tmp_path_factory.mktemp("simulated-hbn") / "tiny", preset="tiny", tasks=ALL_TASKS)
    study.download()
    return study
