"""The standard splitters: predefined, leave-concept-out, cross-subject, within-subject, by session, by release."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Optional

import numpy as np
from pydantic import Field, ValidationError

from neuroarena.errors import NeuroarenaError
from neuroarena.splits.base import Key, Split, Splitter, part_counts, require_columns, windows_where
from neuroarena.splits.by_session import BySession

if TYPE_CHECKING:
    import pandas as pd


def _keys(metadata: "pd.DataFrame", column: str, who: str) -> np.ndarray:
    """The column as strings, shape (n_windows,); an empty or missing value is an error."""
    values = metadata[column]
    empty = values.isna() | (values.astype(str) == "")
    if empty.any():
        raise NeuroarenaError(
            f"{who}: {int(empty.sum())} of {len(values)} windows have no {column}",
            fix=f"keep only windows with a {column} (e.g. kind == 'stimulus') before splitting",
        )
    return values.astype(str).to_numpy()


def _isin(keys: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Boolean mask, shape (n,): which ``keys`` are among ``chosen`` (hash-based, fast for strings)."""
    import pandas as pd

    return pd.Series(keys, dtype=object).isin(set(chosen.tolist())).to_numpy()


def _split_groups(keys: np.ndarray, test: np.ndarray, val: np.ndarray, metadata: "pd.DataFrame") -> Split:
    """Whole groups to test and val, the other groups to train."""
    in_test, in_val = _isin(keys, test), _isin(keys, val)
    return Split(train=windows_where(metadata, ~in_test & ~in_val), val=windows_where(metadata, in_val),
                 test=windows_where(metadata, in_test))


class Predefined(Splitter):
    """The study's own split: test = its test windows; val = whole groups drawn from its train windows.

    Validation mimics the test set: when the study's test concepts are unseen in training (no
    ``category`` value of the test windows occurs among the train windows, as in THINGS), val holds
    out whole categories too; otherwise (test images of seen categories) whole stimuli.

    Parameters
    ----------
    val_fraction : float
        Fraction of the train groups moved to val (at least one).
    seed : int
    val_by : {"auto", "stimulus", "category", "subject"}
        The group val holds out; ``auto`` picks as described above (``subject``: whole subjects, for a study
        whose own split is by subject, as TUAB's eval).
    """

    forbidden = ("stimulus",)
    val_fraction: float = Field(0.1, gt=0, lt=1)
    seed: int = 0
    val_by: Literal["auto", "stimulus", "category", "subject"] = "auto"

    def split(self, metadata: "pd.DataFrame") -> Split:
        require_columns(metadata, ("window", "split", "stimulus"), "Predefined")
        labels = metadata["split"].fillna("").astype(str).to_numpy()
        other = ~np.isin(labels, ["train", "test"])
        if other.any() or not (labels == "test").any() or not (labels == "train").any():
            raise NeuroarenaError(
                f"Predefined needs every window labelled 'train' or 'test' in column split, both present; "
                f"found {sorted(set(labels.tolist()))}",
                fix="use a study that defines its own split, or another splitter",
            )
        is_train = labels == "train"
        column = self.group_column(metadata)
        groups_of_train = _keys(metadata[is_train], column, "Predefined")
        groups = np.unique(groups_of_train)
        n_val = max(1, round(self.val_fraction * len(groups)))
        if n_val >= len(groups):
            raise NeuroarenaError(f"Predefined cannot carve val out of {len(groups)} train {column} values",
                                  fix="use a smaller val_fraction or a study with more train stimuli")
        val = np.random.default_rng(self.seed).permutation(groups)[:n_val]
        in_val = np.zeros(len(metadata), dtype=bool)
        in_val[is_train] = _isin(groups_of_train, val)
        return Split(train=windows_where(metadata, is_train & ~in_val), val=windows_where(metadata, in_val),
                     test=windows_where(metadata, labels == "test"))

    def group_column(self, metadata: "pd.DataFrame") -> str:
        """The column whose values val holds out whole: ``val_by``, or for ``auto`` ``category`` when the test
        windows' categories are all unseen in training, else ``stimulus``."""
        if self.val_by != "auto":
            return self.val_by
        if "category" not in metadata.columns:
            return "stimulus"
        category = metadata["category"].fillna("").astype(str)
        labels = metadata["split"].fillna("").astype(str)
        test, train = set(category[labels == "test"]), set(category[labels == "train"])
        return "category" if "" not in test | train and not test & train else "stimulus"


class LeaveConceptOut(Splitter):
    """Whole stimuli (or whole values of ``column``) per part: nothing tested was seen in training.

    Parameters
    ----------
    test_fraction, val_fraction : float
        Fractions of the distinct values sent to test and val (each at least one).
    seed : int
    column : str
        The concept column: ``"stimulus"``, or ``"category"`` to hold out whole categories.
    """

    test_fraction: float = Field(0.2, gt=0, lt=1)
    val_fraction: float = Field(0.1, gt=0, lt=1)
    seed: int = 0
    column: str = "stimulus"

    @property
    def forbidden(self) -> tuple[Key, ...]:  # type: ignore[override]
        """``stimulus`` and the concept column."""
        return tuple(dict.fromkeys(("stimulus", self.column)))

    def split(self, metadata: "pd.DataFrame") -> Split:
        require_columns(metadata, ("window", self.column), "LeaveConceptOut")
        keys = _keys(metadata, self.column, "LeaveConceptOut")
        groups = np.unique(keys)
        n_test, n_val = part_counts(len(groups), self.test_fraction, self.val_fraction,
                                    f"distinct {self.column} values", "LeaveConceptOut")
        order = np.random.default_rng(self.seed).permutation(groups)
        return _split_groups(keys, order[:n_test], order[n_test:n_test + n_val], metadata)


class CrossSubject(Splitter):
    """Whole subjects per part: the test subjects are never seen in training.

    Parameters
    ----------
    test_subjects : list of str, optional
        The test subjects; drawn at random (``test_fraction`` of the subjects) when None.
    test_fraction, val_fraction : float
        Fractions of all subjects sent to test and val (each at least one).
    seed : int
    """

    forbidden = ("subject",)
    test_subjects: Optional[list[str]] = None
    test_fraction: float = Field(0.25, gt=0, lt=1)
    val_fraction: float = Field(0.25, gt=0, lt=1)
    seed: int = 0

    def split(self, metadata: "pd.DataFrame") -> Split:
        require_columns(metadata, ("window", "subject"), "CrossSubject")
        keys = _keys(metadata, "subject", "CrossSubject")
        subjects = np.unique(keys)
        rng = np.random.default_rng(self.seed)
        if self.test_subjects is None:
            n_test, n_val = part_counts(len(subjects), self.test_fraction, self.val_fraction,
                                        "subjects", "CrossSubject")
            order = rng.permutation(subjects)
            return _split_groups(keys, order[:n_test], order[n_test:n_test + n_val], metadata)
        unknown = sorted(set(self.test_subjects) - set(subjects.tolist()))
        if unknown:
            raise NeuroarenaError(f"CrossSubject test subjects {unknown} are not in the data",
                                  fix=f"choose among {subjects.tolist()}")
        rest = rng.permutation(np.setdiff1d(subjects, self.test_subjects))
        n_val = max(1, round(self.val_fraction * len(subjects)))
        if len(rest) - n_val < 1:
            raise NeuroarenaError(f"CrossSubject has {len(rest)} subjects left after the test subjects",
                                  fix="keep at least 2 subjects out of the test set")
        return _split_groups(keys, np.asarray(self.test_subjects), rest[:n_val], metadata)


class ByRelease(Splitter):
    """Whole releases to test, whole subjects of the other releases to val: the EEG Foundation Challenge's split.

    The challenge trains on HBN releases R1-R4 and R6-R11 and tests on R5; val holds out subjects of the
    training releases. Releases share no subject, and the audit checks it (``subject`` is forbidden to
    appear in two parts).

    Parameters
    ----------
    test_releases : list of str
        Releases (the ``release`` column) that form the test set.
    val_fraction : float
        Fraction of the training releases' subjects moved to val (at least two when four or more train, so
        that a subject-level target varies over val).
    seed : int
    """

    forbidden = ("subject",)
    test_releases: list[str] = Field(default_factory=lambda: ["R5"], min_length=1)
    val_fraction: float = Field(0.1, gt=0, lt=1)
    seed: int = 0

    def split(self, metadata: "pd.DataFrame") -> Split:
        require_columns(metadata, ("window", "subject", "release"), "ByRelease")
        releases = _keys(metadata, "release", "ByRelease")
        unknown = sorted(set(self.test_releases) - set(releases.tolist()))
        if unknown:
            raise NeuroarenaError(f"ByRelease test releases {unknown} are not in the data",
                                  fix=f"choose among {sorted(set(releases.tolist()))} "
                                      "(--split-param test_releases=...)")
        in_test = _isin(releases, np.asarray(self.test_releases))
        subjects = _keys(metadata, "subject", "ByRelease")
        train_subjects = np.unique(subjects[~in_test])
        # two validation subjects at least: a subject's trait is one value, and one value has no spread
        n_val = max(min(2, len(train_subjects) - 2), round(self.val_fraction * len(train_subjects)))
        if n_val < 1 or n_val >= len(train_subjects):
            raise NeuroarenaError(f"ByRelease cannot carve val out of {len(train_subjects)} training subjects",
                                  fix="add training releases or lower val_fraction")
        val = np.random.default_rng(self.seed).permutation(train_subjects)[:n_val]
        in_val = _isin(subjects, val) & ~in_test
        return Split(train=windows_where(metadata, ~in_test & ~in_val), val=windows_where(metadata, in_val),
                     test=windows_where(metadata, in_test))


def _allocate(counts: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Share ``total`` among strata in proportion to ``counts``: floors, then the largest remainders."""
    exact = counts * total / counts.sum()
    shares = np.floor(exact).astype(np.int64)
    order = np.lexsort((rng.random(len(counts)), shares - exact))
    shares[order[: total - shares.sum()]] += 1
    return shares


class WithinSubject(Splitter):
    """Each subject's windows split at random, stratified by ``stratify`` when that column exists.

    Parameters
    ----------
    test_fraction, val_fraction : float
        Fractions of each subject's windows sent to test and val (each at least one).
    seed : int
    stratify : str, optional
        Column whose proportions each part keeps (largest-remainder rounding).
    """

    forbidden = ("window",)
    test_fraction: float = Field(0.2, gt=0, lt=1)
    val_fraction: float = Field(0.1, gt=0, lt=1)
    seed: int = 0
    stratify: Optional[str] = "category"

    def split(self, metadata: "pd.DataFrame") -> Split:
        require_columns(metadata, ("window", "subject"), "WithinSubject")
        subjects = _keys(metadata, "subject", "WithinSubject")
        strata = (metadata[self.stratify].fillna("").astype(str).to_numpy()
                  if self.stratify in metadata.columns else np.zeros(len(metadata), dtype=str))
        rng = np.random.default_rng(self.seed)
        part = np.zeros(len(metadata), dtype=np.int8)  # 0 train, 1 val, 2 test
        for subject in np.unique(subjects):
            rows = np.flatnonzero(subjects == subject)
            n_test, n_val = part_counts(len(rows), self.test_fraction, self.val_fraction,
                                        "windows", f"WithinSubject (subject {str(subject)!r})")
            names, codes = np.unique(strata[rows], return_inverse=True)
            counts = np.bincount(codes, minlength=len(names))
            test_shares = _allocate(counts, n_test, rng)
            val_shares = _allocate(counts - test_shares, n_val, rng)
            shuffle = rng.permutation(len(rows))
            shuffled, shuffled_codes = rows[shuffle], codes[shuffle]
            order = np.argsort(shuffled_codes, kind="stable")
            ranked, ranked_codes = shuffled[order], shuffled_codes[order]
            position = np.arange(len(rows)) - np.searchsorted(ranked_codes, ranked_codes)
            part[ranked] = np.where(position < test_shares[ranked_codes], 2,
                                    np.where(position < (test_shares + val_shares)[ranked_codes], 1, 0))
        return Split(train=windows_where(metadata, part == 0), val=windows_where(metadata, part == 1),
                     test=windows_where(metadata, part == 2))


SPLITTERS: dict[str, type[Splitter]] = {
    "predefined": Predefined,
    "leave_concept_out": LeaveConceptOut,
    "cross_subject": CrossSubject,
    "within_subject": WithinSubject,
    "by_session": BySession,
    "by_release": ByRelease,
}


def make_splitter(name: str, **params: Any) -> Splitter:
    """The splitter called ``name`` (a key of :data:`SPLITTERS`) with ``params``."""
    if name not in SPLITTERS:
        raise NeuroarenaError(f"unknown splitter {name!r}", fix=f"use one of {', '.join(SPLITTERS)}")
    try:
        return SPLITTERS[name](**params)
    except ValidationError as err:
        first = err.errors()[0]
        where = f"parameter {'.'.join(str(part) for part in first['loc'])!r}" if first["loc"] else "parameters"
        raise NeuroarenaError(f"bad {where} for splitter {name!r}: {first['msg']}",
                              fix="see the splitter's documented parameters") from None
