from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.targets.embeddings import StimulusEmbeddings

TABLE = pd.DataFrame(
    {"d0": [1.0, 3.0, 5.0, 7.0], "d1": [2.0, 2.0, 2.0, 0.0]},
    index=pd.Index(["img_a", "img_b", "img_c", "img_d"], name="stimulus"),
)


def test_lookup_returns_float32_rows_in_query_order():
    embeddings = StimulusEmbeddings(TABLE)
    assert embeddings.ids.tolist() == ["img_a", "img_b", "img_c", "img_d"] and embeddings.dim == 2
    vectors = embeddings.lookup(np.array(["img_c", "img_a", "img_c"]))
    assert vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors, [[5.0, 2.0], [1.0, 2.0], [5.0, 2.0]])


def test_integer_ids_are_compared_as_strings():
    embeddings = StimulusEmbeddings(pd.DataFrame({"d0": [1.0, 2.0]}, index=[7, 8]))
    np.testing.assert_array_equal(embeddings.lookup(np.array(["8"])), [[2.0]])


def test_standardization_is_fitted_on_train_stimuli_once_each():
    embeddings = StimulusEmbeddings(TABLE, standardize=True, source="emb.parquet")
    with pytest.raises(NeuroarenaError, match="emb.parquet: standardized stimulus embeddings are used before fit"):
        embeddings.lookup(np.array(["img_a"]))
    # train stimuli a, b, c (a repeated): d0 mean 3, std sqrt(8/3); d1 constant 2 -> centred only
    embeddings.fit(np.array(["img_a", "img_a", "img_a", "img_b", "img_c"]))
    np.testing.assert_allclose(embeddings.mean_, [3.0, 2.0])
    np.testing.assert_allclose(embeddings.scale_, [np.sqrt(8 / 3), 1.0])
    np.testing.assert_allclose(embeddings.lookup(np.array(["img_d"])), [[4 / np.sqrt(8 / 3), -2.0]], rtol=1e-6)


def test_errors_name_the_stimulus():
    embeddings = StimulusEmbeddings(TABLE, source="emb.parquet")
    with pytest.raises(NeuroarenaError, match=r"emb.parquet: 2 stimuli have no embedding \(e.g. 'img_x'\)"):
        embeddings.lookup(np.array(["img_a", "img_y", "img_x", "img_x"]))
    with pytest.raises(NeuroarenaError, match="repeats id 'img_a'"):
        StimulusEmbeddings(pd.concat([TABLE, TABLE.iloc[:1]]))
    with pytest.raises(NeuroarenaError, match=r"1 stimulus embeddings hold NaN .*'img_b'"):
        StimulusEmbeddings(TABLE.assign(d1=[2.0, np.nan, 2.0, 0.0]))
    with pytest.raises(NeuroarenaError, match="non-numeric"):
        StimulusEmbeddings(TABLE.assign(d1=["x", "y", "z", "w"]))
    with pytest.raises(NeuroarenaError, match="empty"):
        StimulusEmbeddings(TABLE.iloc[:0])
