"""The tiny simulated dataset, written once per test session."""
from __future__ import annotations

import pytest

from neuroarena.studies.simulated.study import Simulated


@pytest.fixture(scope="session")
def tiny_study(tmp_path_factory) -> Simulated:
    """The ``tiny`` preset written as BIDS under a temporary folder."""
    study = Simulated(root=tmp_path_factory.mktemp("simulated") / "tiny", preset="tiny")
    study.download()
    return study
