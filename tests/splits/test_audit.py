from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.splits.audit import audit_split
from neuroarena.splits.base import Split
from neuroarena.splits.splitters import BySession, CrossSubject, LeaveConceptOut


def move_to_train(split: Split, windows: list[int]) -> Split:
    return Split(train=np.union1d(split.train, windows), val=split.val, test=np.setdiff1d(split.test, windows))


def test_counts_what_each_pair_of_parts_shares(metadata):
    split = CrossSubject(test_subjects=["04"], seed=0).split(metadata)
    audit = audit_split(metadata, split, ("subject",))
    # every subject sees all 10 stimuli: each pair of parts shares them, and nothing else
    expected = {"subject": 0, "stimulus": 10, "subject+session": 0, "window": 0}
    assert audit.shared == {"train/val": expected, "train/test": expected, "val/test": expected}
    assert audit.sizes == {"train": 60, "val": 30, "test": 30}
    assert audit.to_dict() == {"sizes": audit.sizes, "shared": audit.shared, "forbidden": ["subject"]}
    audit.check("tasks/x.yaml")


def test_a_test_stimulus_planted_in_train_is_caught(metadata):
    splitter = LeaveConceptOut(seed=3)
    split = splitter.split(metadata)
    test_windows = metadata.set_index("window").loc[split.test]
    stimulus = sorted(test_windows["stimulus"].unique())[0]
    window = int(test_windows.index[test_windows["stimulus"] == stimulus][0])
    audit = audit_split(metadata, move_to_train(split, [window]), splitter.forbidden)
    assert audit.shared["train/test"]["stimulus"] == 1
    with pytest.raises(NeuroarenaError) as error:
        audit.check("tasks/x.yaml")
    assert str(error.value) == (f"tasks/x.yaml: 1 stimulus in both train and test (e.g. '{stimulus}') "
                                "-> fix the split")


def test_several_shared_values_are_counted(metadata):
    split = LeaveConceptOut(seed=3).split(metadata)
    test_windows = metadata.set_index("window").loc[split.test]
    # one window of each of the 2 test stimuli, and a second window of one of them
    firsts = test_windows.reset_index().groupby("stimulus")["window"].first().tolist()
    planted = audit_split(metadata, move_to_train(split, firsts + [int(split.test[-1])]), ("stimulus",))
    with pytest.raises(NeuroarenaError, match="2 stimuli in both train and test"):
        planted.check("task")


def test_composite_keys(metadata):
    splitter = BySession()
    split = splitter.split(metadata)
    audit = audit_split(metadata, split, splitter.forbidden)
    assert audit.shared["train/test"] == {"subject+session": 0, "stimulus": 10, "subject": 4, "window": 0}
    audit.check("task")
    window = int(metadata.query("subject == '02' and session == '3'")["window"].iloc[0])
    leaky = audit_split(metadata, move_to_train(split, [window]), splitter.forbidden)
    with pytest.raises(NeuroarenaError, match=r"1 \(subject, session\) pair in both train and test "
                                              r"\(e.g. \('02', '3'\)\)"):
        leaky.check("task")


def test_empty_parts_and_unknown_windows(metadata):
    empty = Split(train=np.arange(10), val=np.array([], dtype=np.int64), test=np.arange(10, 20))
    with pytest.raises(NeuroarenaError, match="the val part is empty"):
        audit_split(metadata, empty, ("stimulus",)).check("task")
    stray = Split(train=np.arange(10), val=np.array([500]), test=np.arange(10, 20))
    with pytest.raises(NeuroarenaError, match=r"1 windows of the val part are not in the metadata \(e.g. 500\)"):
        audit_split(metadata, stray, ("stimulus",))
    with pytest.raises(NeuroarenaError, match="forbidden key 'colour' needs metadata columns"):
        audit_split(metadata, stray, ("colour",))


def _fast_erp(spacing: float) -> pd.DataFrame:
    """Two recordings of one subject, 40 events ``spacing`` s apart (a fast ERP paradigm's epochs)."""
    rows = [{"recording": f"sub-01_run-{run}", "subject": "01", "onset": 1.0 + spacing * i,
             "category": "target" if i % 4 == 0 else "standard"} for run in (1, 2) for i in range(40)]
    return pd.DataFrame(rows).assign(window=lambda f: np.arange(len(f)))


def test_overlapping_epochs_in_two_parts_are_counted_and_can_be_forbidden():
    from neuroarena.splits.audit import SAMPLES, overlapping_windows
    from neuroarena.splits.splitters import WithinSubject

    metadata = _fast_erp(spacing=0.5)  # 1 s windows every 0.5 s: neighbours share half their samples
    splitter = WithinSubject(seed=0, forbid_shared_samples=True)
    split = splitter.split(metadata)
    audit = audit_split(metadata, split, (*splitter.forbidden, SAMPLES), window_duration=1.0)
    assert audit.shared["train/test"]["window"] == 0  # no window is in two parts ...
    shared = audit.shared["train/test"][SAMPLES]
    assert shared > 0  # ... but their samples are
    test = metadata.set_index("window").loc[split.test]
    train = metadata.set_index("window").loc[split.train]
    expected = sum(any(abs(r.onset - t.onset) < 1.0 for t in test[test.recording == r.recording].itertuples())
                   for r in train.itertuples())  # the train windows that overlap a test window
    assert shared == expected
    with pytest.raises(NeuroarenaError, match="windows with shared samples in both train and test") as info:
        audit.check("store")
    assert "no longer than the spacing" in str(info.value)
    # the same split, counted but allowed (the default: RSVP designs overlap by construction)
    allowed = audit_split(metadata, split, splitter.forbidden, window_duration=1.0)
    assert allowed.shared["train/test"][SAMPLES] == shared
    allowed.check("store")
    # windows that only touch share nothing; other recordings never do
    spaced = _fast_erp(spacing=1.0)
    assert overlapping_windows(spaced.iloc[::2], spaced.iloc[1::2], 1.0)[0] == 0
    assert overlapping_windows(metadata.iloc[:40], metadata.iloc[40:], 1.0) == (0, None)
