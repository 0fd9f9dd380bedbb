from __future__ import annotations

import numpy as np

from neuroarena.studies.simulated.config import SimulationConfig
from neuroarena.studies.simulated.oracle import _correlations, _rank_of_own
from neuroarena.studies.simulated.study import Simulated


def test_oracle_beats_chance_by_a_wide_margin(tiny_study):
    scores = tiny_study.oracle()
    assert scores["chance_top1"] == 1 / 20 and scores["chance_top5"] == 5 / 20
    assert scores["chance_balanced_accuracy"] == 1 / 4 and scores["n_recordings"] == 6
    assert scores["top5"] > 3 * scores["chance_top5"]
    assert scores["top1"] > 10 * scores["chance_top1"]
    assert scores["balanced_accuracy"] > 1.6 * scores["chance_balanced_accuracy"]


def test_oracle_is_at_chance_without_signal(tmp_path):
    config = SimulationConfig.preset("tiny", n_subjects=1, n_sessions=1, snr=1e-3)
    scores = Simulated(root=tmp_path / "silent", config=config).oracle()
    assert scores["n_recordings"] == 1
    assert scores["top1"] <= 0.2 and scores["top5"] <= 0.5
    assert scores["balanced_accuracy"] < 0.4


def test_correlations_and_ranks_by_hand():
    observed = np.array([[[1.0, 2.0, 3.0]], [[3.0, 2.0, 1.0]]])  # shape (2, 1, 3)
    templates = np.array([[[2.0, 4.0, 6.0]], [[1.0, 1.0, 1.5]], [[0.0, 0.0, -1.0]]])
    r = _correlations(observed, templates)
    assert np.allclose(r[:, 0], [1.0, -1.0])
    assert np.allclose(r[:, 2], [-np.sqrt(3) / 2, np.sqrt(3) / 2])
    similarity = np.array([[0.9, 0.1, 0.5], [0.8, 0.2, 0.3], [0.1, 0.2, 0.7]])
    assert _rank_of_own(similarity).tolist() == [0, 2, 0]
