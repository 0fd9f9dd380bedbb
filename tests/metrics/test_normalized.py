from __future__ import annotations

import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.normalized import normalized_score


def test_normalized_score():
    assert normalized_score(0.6, dummy=0.2) == pytest.approx(0.5)
    assert normalized_score(0.2, dummy=0.2) == 0.0
    assert normalized_score(0.1, dummy=0.2) == pytest.approx(-0.125)
    # lower is better: an error of 0.5 against a dummy's 1.0, perfect 0
    assert normalized_score(0.5, dummy=1.0, perfect=0.0) == pytest.approx(0.5)
    with pytest.raises(NeuroarenaError, match="dummy score equals the perfect score"):
        normalized_score(0.5, dummy=1.0)
