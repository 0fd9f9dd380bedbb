import numpy as np
import pytest

from neuroarena.training.module import warmup_cosine
from neuroarena.training.recipe import DEBUG_OVERRIDES, Recipe


def test_warmup_then_cosine():
    total = 100
    factors = np.array([warmup_cosine(s, total, 0.1) for s in range(total)])
    np.testing.assert_allclose(factors[:10], np.arange(1, 11) / 10)
    assert factors[10] == pytest.approx(1.0)
    assert factors[55] == pytest.approx(0.5 * (1 + np.cos(np.pi * 45 / 90)))
    assert np.all(np.diff(factors[10:]) <= 0)
    assert factors[-1] < 0.01


def test_overrides_are_reported():
    assert Recipe().overrides() == {}
    debug = Recipe().with_overrides(**DEBUG_OVERRIDES)
    assert debug.overrides() == {"max_epochs": 2, "limit_train_batches": 5, "limit_eval_batches": 5}
