from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.targets.labels import LabelEncoding, StandardizedTarget, map_labels


def test_label_encoding_sorts_the_training_categories():
    encoding = LabelEncoding().fit(np.array(["dog", "cat", "dog", "bird"]))
    assert encoding.classes_.tolist() == ["bird", "cat", "dog"]
    assert encoding.n_classes == 3
    codes = encoding.transform(np.array(["cat", "bird", "dog", "dog"]))
    assert codes.tolist() == [1, 0, 2, 2] and codes.dtype == np.int64
    assert encoding.inverse_transform(np.array([2, 0])).tolist() == ["dog", "bird"]


def test_label_encoding_errors():
    encoding = LabelEncoding().fit(np.array(["cat", "dog"]))
    with pytest.raises(NeuroarenaError, match="2 windows have a category not seen in training \\(e.g. 'fox'\\)"):
        encoding.transform(np.array(["fox", "cat", "emu"]))
    with pytest.raises(NeuroarenaError, match="1 of 3 training windows have no category"):
        LabelEncoding().fit(np.array(["cat", "", "dog"]))
    with pytest.raises(NeuroarenaError, match="before fit"):
        LabelEncoding().transform(np.array(["cat"]))
    with pytest.raises(NeuroarenaError, match="0..1"):
        encoding.inverse_transform(np.array([2]))


def test_standardized_target_uses_the_training_statistics():
    target = StandardizedTarget().fit(np.array([1.0, 2.0, 3.0, 4.0]))
    # mean 2.5, std sqrt(1.25)
    assert target.mean_ == pytest.approx(2.5) and target.scale_ == pytest.approx(np.sqrt(1.25))
    z = target.transform(np.array([2.5, 5.0]))
    assert z.dtype == np.float32
    np.testing.assert_allclose(z, [0.0, 2.5 / np.sqrt(1.25)], rtol=1e-6)
    np.testing.assert_allclose(target.inverse_transform(z), [2.5, 5.0], rtol=1e-6)


def test_standardized_target_per_column():
    target = StandardizedTarget().fit(np.array([[0.0, 10.0], [2.0, 30.0]]))
    np.testing.assert_allclose(target.mean_, [1.0, 20.0])
    np.testing.assert_allclose(target.transform(np.array([[2.0, 10.0]])), [[1.0, -1.0]])


def test_standardized_target_errors():
    with pytest.raises(NeuroarenaError, match="1 training target values are NaN"):
        StandardizedTarget().fit(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(NeuroarenaError, match="constant"):
        StandardizedTarget().fit(np.array([3.0, 3.0]))
    with pytest.raises(NeuroarenaError, match="before fit"):
        StandardizedTarget().transform(np.array([1.0]))


def test_map_labels_by_value_and_pattern_first_match_wins():
    values = np.array(["up_slow_near", "up_fast_far", "left_slow_far", "rest", "upper"])
    labels = {"up_*": "up", "left_*": "left", "up*": "other", "rest": "none"}
    assert map_labels(values, labels).tolist() == ["up", "up", "left", "none", "other"]
    assert map_labels(values, {"left_*": "left"}).tolist() == ["", "", "left", "", ""]
    assert map_labels(values, {}).tolist() == values.tolist()


def test_target_labels_apply_to_classification_only():
    from pydantic import ValidationError

    from neuroarena.tasks.config import TargetConfig

    with pytest.raises(ValidationError, match="classification target only"):
        TargetConfig(kind="regression", column="rt", labels={"a": "b"})
    with pytest.raises(ValidationError, match="class name"):
        TargetConfig(kind="classification", labels={"a": " "})
