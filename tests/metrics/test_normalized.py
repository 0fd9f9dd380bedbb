from __future__ import annotations

import pandas as pd
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.normalized import normalized_score, rank_models


def test_normalized_score():
    assert normalized_score(0.6, dummy=0.2) == pytest.approx(0.5)
    assert normalized_score(0.2, dummy=0.2) == 0.0
    assert normalized_score(0.1, dummy=0.2) == pytest.approx(-0.125)
    # lower is better: an error of 0.5 against a dummy's 1.0, perfect 0
    assert normalized_score(0.5, dummy=1.0, perfect=0.0) == pytest.approx(0.5)
    with pytest.raises(NeuroarenaError, match="dummy score equals the perfect score"):
        normalized_score(0.5, dummy=1.0)


TABLE = pd.DataFrame({
    "task": ["A", "A", "A", "B", "B"],
    "model": ["m1", "m2", "m3", "m1", "m2"],
    "score": [0.9, 0.5, 0.9, 0.1, 0.3],
})


def test_ranks_per_task_with_ties_averaged():
    ranked = rank_models(TABLE)
    assert ranked["rank"].tolist() == [1.5, 3.0, 1.5, 2.0, 1.0]
    assert rank_models(TABLE, higher_is_better=False)["rank"].tolist() == [2.5, 1.0, 2.5, 1.0, 2.0]
    assert "rank" not in TABLE.columns


def test_rank_errors():
    with pytest.raises(NeuroarenaError, match=r"1 repeated \(task, model\) rows, e.g. \('A', 'm1'\)"):
        rank_models(pd.concat([TABLE, TABLE.iloc[:1]]))
    with pytest.raises(NeuroarenaError, match="missing"):
        rank_models(TABLE.drop(columns="score"))
