"""Targets of a split: category labels and teacher embeddings beside the targets, per-subject scores."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neuroarena.runner.job import JobSpec
from neuroarena.runner.stimulus_spaces import job_spaces, target_embedder
from neuroarena.runner.targets import make_targets
from neuroarena.splits.base import Split
from neuroarena.studies.registry import get_study
from neuroarena.tasks.config import load_task


def _metadata() -> pd.DataFrame:
    # two subjects; stimuli a, b (category x) and c (category y); test shows a twice for subject 1
    rows = [("1", "a", "x"), ("1", "b", "x"), ("1", "c", "y"), ("2", "a", "x"), ("2", "c", "y"),
            ("1", "a", "x"), ("1", "c", "y"), ("2", "b", "x"), ("1", "a", "x")]
    frame = pd.DataFrame(rows, columns=["subject", "stimulus", "category"])
    return frame.assign(window=np.arange(len(frame)))


TABLE = pd.DataFrame([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]], index=["a", "b", "c"])
TEACHER = pd.DataFrame([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0]], index=["a", "b", "c"])
SPLIT = Split(train=np.array([0, 1, 2, 3, 4]), val=np.array([7]), test=np.array([5, 6, 8]))


def test_embedding_targets_carry_labels_rows_and_teacher():
    targets = make_targets(load_task("caption"), _metadata(), SPLIT, TABLE, "store", reference_table=TEACHER)
    assert targets.kind == "embedding" and targets.n_outputs == 2 and targets.categories == ["x", "y"]
    np.testing.assert_array_equal(targets.y["test"], [[1, 0], [-1, 0], [1, 0]])
    extras = targets.extras["test"]
    assert extras["label"].tolist() == [0, 1, 0]
    assert extras["stimulus"].tolist() == [0, 2, 0]  # rows of the target table
    np.testing.assert_array_equal(extras["teacher"], [[1, 0, 0], [0, 0, 3], [1, 0, 0]])
    assert targets.subject["train"].tolist() == [0, 0, 0, 1, 1]


def test_scores_per_subject_average_repeats_within_the_subject():
    targets = make_targets(load_task("caption"), _metadata(), SPLIT, TABLE, "store")
    positions = np.arange(3)
    # test windows (all subject 1): a, c, a; predictions point at a, at b, at c
    outputs = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.1]], dtype=np.float32)
    pooled = targets.score("test", ["recall1"], outputs, positions)
    # a's two predictions average to (0, 0.05): closest candidate among {a, c} by cosine is neither
    # strictly; c's prediction (0, 1) is orthogonal to both candidates: ties count against the query
    assert pooled["recall1"] == 0.0
    per_subject = targets.score_per_subject("test", ["recall1"], outputs[[0, 1]], positions[[0, 1]])
    assert per_subject == {"1": {"recall1": 0.5}}  # a alone is retrieved, c (tie) is not


def test_identical_targets_share_a_group():
    one_caption = TABLE.copy()
    one_caption.loc["c"] = one_caption.loc["a"]  # a and c: two images, one caption
    targets = make_targets(load_task("caption"), _metadata(), SPLIT, one_caption, "store")
    # train windows show a, b, c, a, c
    groups = targets.extras["train"]["target_group"].tolist()
    assert groups[0] == groups[2] == groups[3] == groups[4] != groups[1]
    distinct = make_targets(load_task("caption"), _metadata(), SPLIT, TABLE, "store")
    assert distinct.extras["train"]["target_group"].tolist() == [0 if s == "c" else 1 + (s == "a")
                                                                 for s in "abcac"]


def test_test_items_rank_each_subject_among_its_own_stimuli():
    split = Split(train=np.array([0, 1, 2, 3, 4]), val=np.array([5]), test=np.array([6, 7, 8]))
    targets = make_targets(load_task("image"), _metadata(), split, TABLE, "store")
    # test: subject 1 sees c and a, subject 2 sees b; every prediction points at b
    outputs = np.tile([[0.0, 1.0]], (3, 1)).astype(np.float32)
    items = targets.items("test", outputs, np.arange(3))
    # subject 1: a and c (cosine 0 each) tie, so each ranks 1; subject 2: b is its only candidate
    assert items == {"subject": ["1", "1", "2"], "stimulus": ["a", "c", "b"], "rank": [1, 1, 0]}
    scores = targets.score("test", ["top1", "top1_pooled"], outputs, np.arange(3))
    # per subject: (0 + 1) / 2; pooled among a, b, c: only b is retrieved
    assert scores == pytest.approx({"top1": 0.5, "top1_pooled": 1 / 3})


def test_classification_targets_have_no_extras():
    targets = make_targets(load_task("category"), _metadata(), SPLIT, None, "store")
    assert targets.kind == "classification" and targets.classes == ["x", "y"] and targets.extras == {}
    assert targets.y["test"].tolist() == [0, 1, 0]


def test_the_simulation_uses_its_own_spaces_unless_an_embedder_is_named():
    study, caption = get_study("simulated-tiny"), load_task("caption")
    assert target_embedder(caption, study) == "minilm"
    assert target_embedder(caption, study, "clip-text") == "clip-text"
    assert target_embedder(load_task("image"), study) == "features"
    spaces = job_spaces(caption, study)
    assert spaces["reference"] == {"name": "features", "hash": "features", "zero_shot": False}
    assert job_spaces(load_task("category"), study) == {}
    # the embedder is part of a job's key
    spec = JobSpec(task="image", dataset="simulated-tiny", model="eegnet", seed=1)
    task = load_task("image")
    keys = {spec.key(task, study.params(), job_spaces(task, study, name)).config_hash
            for name in (None, "efficientnet-lite0")}
    assert len(keys) == 2


def test_text_adaptation_needs_caption_targets():
    spec = JobSpec(task="caption", dataset="simulated-tiny", model="eegnet", seed=1, text_adaptation="lora")
    assert spec.task_config().target.text_adaptation.method == "lora"
    with pytest.raises(Exception, match="caption embedding targets only"):
        JobSpec(task="image", dataset="simulated-tiny", model="eegnet", seed=1,
                text_adaptation="lora").task_config()


def test_image_reference_scores_the_windows_the_model_was_scored_on():
    from neuroarena.runner.analyses import image_reference

    task = load_task("caption")
    images = TABLE.copy()
    images.loc["c"] = [0.0, 1.0]  # c's image embedding points away from both test captions
    targets = make_targets(task, _metadata(), SPLIT, TABLE, "store", reference_table=images)
    # test windows (subject 1): a, c, a. All three: a is retrieved, c ties with a (cosine 0 each) and misses
    assert image_reference(task, targets, images, True, np.arange(3))["metrics"]["recall1"] == 0.5
    # a debug run that scored only the two windows of a scores the reference on those two
    assert image_reference(task, targets, images, True, np.array([0, 2]))["metrics"]["recall1"] == 1.0


def test_regression_targets_are_standardized_on_train_and_scored_in_their_units():
    from neuroarena.tasks.config import TargetConfig

    metadata = _metadata().assign(rt=[0.5, 0.7, 0.9, np.nan, 1.1, 0.6, "n/a", 0.8, 1.0])
    task = load_task("category").model_copy(update={
        "target": TargetConfig(kind="regression", column="rt"), "metrics": ("nrmse", "rmse")})
    targets = make_targets(task, metadata, SPLIT, None, "store")
    assert targets.kind == "regression" and targets.n_outputs == 1
    # windows without a value (a trial without a response, "n/a") are left out and counted
    assert targets.windows["train"].tolist() == [0, 1, 2, 4] and targets.windows["test"].tolist() == [5, 8]
    assert targets.excluded == {"windows_without_target": 2, "subjects_without_target": 0}
    train = np.array([0.5, 0.7, 0.9, 1.1])
    np.testing.assert_allclose(targets.y["train"][:, 0], (train - train.mean()) / train.std(), rtol=1e-6)
    # outputs are standardized; scores are in seconds: predicting the train mean (output 0)
    scores = targets.score("test", ["nrmse", "rmse"], np.zeros((2, 1)), np.arange(2))
    assert scores["rmse"] == pytest.approx(np.sqrt(((0.6 - 0.8) ** 2 + (1.0 - 0.8) ** 2) / 2))
    assert scores["nrmse"] == pytest.approx(scores["rmse"] / 0.2)
    items = targets.items("test", np.zeros((2, 1)), np.arange(2))
    assert items == {"subject": ["1", "1"], "y_true": pytest.approx([0.6, 1.0]), "y_pred": pytest.approx([0.8, 0.8])}


def test_a_one_class_test_set_is_flagged():
    from neuroarena.runner.targets import scoring_caveats

    targets = make_targets(load_task("motor_imagery"), _metadata(), SPLIT, None, "store")
    assert scoring_caveats(targets, np.arange(3)) == []  # x, y, x
    with pytest.warns(UserWarning, match="one class only"):
        found = scoring_caveats(targets, np.array([0, 2]))  # x, x
    assert found == ["the test windows hold one class only (x of 2): balanced accuracy does not tell models apart"]
