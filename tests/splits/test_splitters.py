from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.splits.audit import audit_split
from neuroarena.splits.base import Split
from conftest import make_metadata
from neuroarena.splits.splitters import (
    BySession, CrossSubject, LeaveConceptOut, Predefined, WithinSubject, make_splitter,
)


def values(metadata, indices, column):
    return set(metadata.set_index("window").loc[indices, column])


def assert_clean(metadata, splitter):
    split = splitter.split(metadata)
    audit_split(metadata, split, splitter.forbidden).check("test")
    assert np.array_equal(split.train, splitter.split(metadata).train)
    return split


def test_split_rejects_unsorted_or_overlapping_parts():
    with pytest.raises(NeuroarenaError, match="sorted"):
        Split(train=np.array([2, 1]), val=np.array([3]), test=np.array([4]))
    with pytest.raises(NeuroarenaError, match="1 windows are in two parts"):
        Split(train=np.array([1, 2]), val=np.array([2]), test=np.array([4]))
    assert Split(np.array([0, 1]), np.array([2]), np.array([3])).train.dtype == np.int64


def test_predefined_keeps_the_study_test_set_and_carves_val_by_stimulus(metadata):
    split = assert_clean(metadata, Predefined(val_fraction=0.25, seed=0, val_by="stimulus"))
    # 8 train stimuli -> 2 to val; 12 (subject, session) pairs each
    assert split.sizes() == {"train": 72, "val": 24, "test": 24}
    assert values(metadata, split.test, "stimulus") == {"test_0", "test_1"}
    assert len(values(metadata, split.val, "stimulus")) == 2
    assert values(metadata, split.val, "split") == {"train"}
    val_sets = {tuple(Predefined(val_fraction=0.25, seed=s, val_by="stimulus").split(metadata).val) for s in range(5)}
    assert len(val_sets) > 1


def test_predefined_val_holds_out_concepts_when_the_test_concepts_are_unseen(metadata):
    # the fixture's test stimuli are of cat_4, a category no train stimulus has (as THINGS' test concepts)
    splitter = Predefined(val_fraction=0.25, seed=0)
    assert splitter.group_column(metadata) == "category"
    split = assert_clean(metadata, splitter)
    val_categories, train_categories = values(metadata, split.val, "category"), values(metadata, split.train, "category")
    assert len(val_categories) == 1 and not val_categories & train_categories
    assert split.sizes() == {"train": 72, "val": 24, "test": 24}


def test_predefined_val_holds_out_stimuli_when_test_categories_are_seen(metadata):
    metadata.loc[metadata["stimulus"] == "test_0", "category"] = "cat_0"
    splitter = Predefined(val_fraction=0.25, seed=0)
    assert splitter.group_column(metadata) == "stimulus"
    split = assert_clean(metadata, splitter)
    assert len(values(metadata, split.val, "stimulus")) == 2
    # 2 of 8 train stimuli, drawn alone: their categories stay in training
    assert Predefined(val_fraction=0.25, val_by="stimulus").group_column(make_metadata()) == "stimulus"


def test_predefined_needs_the_study_split(metadata):
    metadata.loc[0, "split"] = ""
    with pytest.raises(NeuroarenaError, match="labelled 'train' or 'test'"):
        Predefined().split(metadata)


def test_leave_concept_out_by_stimulus_and_by_category(metadata):
    split = assert_clean(metadata, LeaveConceptOut(test_fraction=0.2, val_fraction=0.1, seed=3))
    # 10 stimuli -> 2 test, 1 val, 7 train, 12 windows each
    assert split.sizes() == {"train": 84, "val": 12, "test": 24}
    by_category = LeaveConceptOut(column="category", seed=1)
    assert by_category.forbidden == ("stimulus", "category")
    split = assert_clean(metadata, by_category)
    # 5 categories -> 1 test, 1 val, 3 train, 24 windows each
    assert split.sizes() == {"train": 72, "val": 24, "test": 24}
    assert len(values(metadata, split.test, "category")) == 1


def test_leave_concept_out_does_not_depend_on_row_order(metadata):
    shuffled = metadata.sample(frac=1.0, random_state=0)
    splitter = LeaveConceptOut(seed=2)
    assert np.array_equal(splitter.split(shuffled).test, splitter.split(metadata).test)


def test_windows_without_a_stimulus_are_an_error(metadata):
    metadata.loc[[3, 7], "stimulus"] = ""
    with pytest.raises(NeuroarenaError, match="2 of 120 windows have no stimulus"):
        LeaveConceptOut().split(metadata)


def test_cross_subject(metadata):
    split = assert_clean(metadata, CrossSubject(seed=0))
    assert split.sizes() == {"train": 60, "val": 30, "test": 30}
    chosen = assert_clean(metadata, CrossSubject(test_subjects=["02"], val_fraction=0.25))
    assert values(metadata, chosen.test, "subject") == {"02"}
    assert len(values(metadata, chosen.val, "subject")) == 1
    with pytest.raises(NeuroarenaError, match=r"test subjects \['09'\] are not in the data"):
        CrossSubject(test_subjects=["09"]).split(metadata)
    with pytest.raises(NeuroarenaError, match="cannot split 4 subjects"):
        CrossSubject(test_fraction=0.5, val_fraction=0.5).split(metadata)


def test_within_subject_is_stratified_per_subject(metadata):
    split = assert_clean(metadata, WithinSubject(test_fraction=0.2, val_fraction=0.1, seed=0))
    # each subject: 30 windows -> 6 test, 3 val, 21 train
    assert split.sizes() == {"train": 84, "val": 12, "test": 24}
    test = metadata.set_index("window").loc[split.test]
    assert test.groupby("subject").size().tolist() == [6, 6, 6, 6]
    # 5 categories of 6 windows: 6 test windows -> one per category, the sixth to one of them
    per_category = test.groupby(["subject", "category"]).size()
    assert per_category.groupby("subject").apply(lambda s: sorted(s.tolist())).tolist() == [[1, 1, 1, 1, 2]] * 4
    unstratified = assert_clean(metadata.drop(columns="category"), WithinSubject(seed=0))
    assert unstratified.sizes() == {"train": 84, "val": 12, "test": 24}


def test_by_session_default_is_last_test_previous_val(metadata):
    splitter = BySession()
    assert splitter.forbidden == (("subject", "session"),)
    split = assert_clean(metadata, splitter)
    assert split.sizes() == {"train": 40, "val": 40, "test": 40}
    assert values(metadata, split.test, "session") == {"3"}
    assert values(metadata, split.val, "session") == {"2"}


def test_by_session_labels_counts_and_numeric_order(metadata):
    split = BySession(test=["1"], val=1).split(metadata)
    assert values(metadata, split.test, "session") == {"1"}
    assert values(metadata, split.val, "session") == {"3"}
    assert values(metadata, split.train, "session") == {"2"}
    metadata["session"] = metadata["session"].map({"1": "2", "2": "9", "3": "10"})
    assert values(metadata, BySession().split(metadata).test, "session") == {"10"}


def test_by_session_validates_on_the_tail_of_the_training_sessions(metadata):
    two = metadata[metadata["session"] != "3"].reset_index(drop=True)
    two["onset"] = two["onset"][::-1].to_numpy()  # the tail is the last windows in time, not in table order
    splitter = BySession(val=0.2)
    assert splitter.forbidden == () and splitter.forbidden_from_test == (("subject", "session"),)
    split = splitter.split(two)
    assert split.sizes() == {"train": 32, "val": 8, "test": 40}
    assert values(two, split.test, "session") == {"2"} and values(two, split.val, "session") == {"1"}
    val = two.set_index("window").loc[split.val]
    assert val.groupby("subject")["onset"].apply(sorted).map(list).tolist() == [[8.0, 9.0]] * 4
    audit = audit_split(two, split, splitter.forbidden, forbidden_from_test=splitter.forbidden_from_test)
    assert audit.shared["train/val"]["subject+session"] == 4 and not audit.problems()
    leaked = audit_split(two, Split(np.union1d(split.train, split.test[:1]), split.val, split.test[1:]),
                         splitter.forbidden, forbidden_from_test=splitter.forbidden_from_test)
    assert leaked.problems() == ["1 (subject, session) pair in both train and test (e.g. ('01', '2'))"]
    assert audit.to_dict()["forbidden_from_test"] == ["subject+session"]
    with pytest.raises(NeuroarenaError, match="too few to keep a share of 0.01"):
        BySession(val=0.01).split(two)
    with pytest.raises(NeuroarenaError, match=r"validation fraction lies in \(0, 1\)"):
        make_splitter("by_session", val=1.5)


def test_by_session_errors(metadata):
    with pytest.raises(NeuroarenaError, match=r"subject '01' has 3 sessions \['1', '2', '3'\], too few"):
        BySession(train=2).split(metadata)
    with pytest.raises(NeuroarenaError, match="subject '01' has no session '9'"):
        BySession(test=["9"]).split(metadata)
    with pytest.raises(NeuroarenaError, match="'by_session'.*two parts"):
        make_splitter("by_session", val=["1"], test=["1"])


def test_make_splitter(metadata):
    splitter = make_splitter("leave_concept_out", test_fraction=0.2, seed=3)
    assert splitter == LeaveConceptOut(test_fraction=0.2, seed=3)
    assert isinstance(make_splitter("by_session", test=[3]), BySession)
    with pytest.raises(NeuroarenaError, match="unknown splitter 'random' -> use one of predefined, leave_concept_out"):
        make_splitter("random")
    with pytest.raises(NeuroarenaError, match="bad parameter 'test_fraction' for splitter 'cross_subject'"):
        make_splitter("cross_subject", test_fraction=1.5)
    with pytest.raises(NeuroarenaError, match="bad parameter 'colour'"):
        make_splitter("within_subject", colour="red")


def test_within_subject_needs_three_windows_per_subject(metadata):
    few = metadata[(metadata["subject"] != "03") | (metadata["window"] < 62)]
    with pytest.raises(NeuroarenaError, match=r"WithinSubject \(subject '03'\) cannot split 2 windows"):
        WithinSubject().split(few)


def test_by_release_tests_a_whole_release_and_validates_on_training_subjects():
    import pandas as pd

    from neuroarena.splits.splitters import ByRelease

    # 3 releases x 4 subjects x 5 windows; subjects are release-specific, as in HBN
    rows = [(f"R{r}", f"NDAR{r}{s}") for r in (1, 2, 5) for s in range(4) for _ in range(5)]
    metadata = pd.DataFrame(rows, columns=["release", "subject"]).assign(window=np.arange(len(rows)))
    split = assert_clean(metadata, ByRelease(val_fraction=0.25))
    assert values(metadata, split.test, "release") == {"R5"}
    assert len(values(metadata, split.val, "subject")) == 2 and values(metadata, split.val, "release") <= {"R1", "R2"}
    assert split.sizes() == {"train": 30, "val": 10, "test": 20}
    assert values(metadata, make_splitter("by_release", test_releases=["R2"]).split(metadata).test,
                  "release") == {"R2"}
    with pytest.raises(NeuroarenaError, match=r"test releases \['R9'\] are not in the data"):
        ByRelease(test_releases=["R9"]).split(metadata)
    # a subject in two releases is caught by the audit
    metadata.loc[metadata.index[-1], "subject"] = "NDAR10"
    split = ByRelease(val_fraction=0.25, seed=3).split(metadata)
    with pytest.raises(NeuroarenaError, match="subject"):
        audit_split(metadata, split, ByRelease.forbidden).check("test")
