"""Result records with per-item test outcomes, written with ResultStore: 5 models x 3 tasks x 3 seeds."""
from __future__ import annotations

import pytest

from neuroarena.report.synthetic import MODELS, TASKS, synthetic_records
from neuroarena.results.records import ResultStore

SEEDS = (33, 34, 35)


def make_records():
    """Every (task, dataset, model, seed) record of :data:`TASKS` and :data:`MODELS`, with per-subject analyses."""
    return synthetic_records(TASKS, MODELS, SEEDS, n_subjects=6)


@pytest.fixture(scope="module")
def results_root(tmp_path_factory):
    """A results folder whose ``records`` hold :func:`make_records`."""
    root = tmp_path_factory.mktemp("results")
    store = ResultStore(root / "records")
    for record in make_records():
        store.write(record)
    return root
