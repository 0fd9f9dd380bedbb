"""Split by recording session: each subject's sessions go whole to train and test, and to val or a tail of the
training sessions to val."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

import numpy as np
from pydantic import field_validator, model_validator

from neuroarena.errors import NeuroarenaError
from neuroarena.splits.base import PARTS, Key, Split, Splitter, require_columns, windows_where

if TYPE_CHECKING:
    import pandas as pd

SessionChoice = Union[int, list[str]]


def _session_order(session: str) -> tuple[int, int | str]:
    """Sort key: numeric labels by value, before the others in text order."""
    return (0, int(session)) if session.isdigit() else (1, session)


class BySession(Splitter):
    """Each subject's sessions, whole, to train, val and test.

    Each part is a list of session labels, or a count of sessions per subject taken
    from that subject's sessions not named by a label list, in session order: test
    takes the last ones, val the ones before, train the first ones (``None``: all
    that remain). A subject that lacks a named session or has too few sessions is an
    error. With the defaults, the last session is test, the one before val, the rest train.

    ``val`` may instead be a fraction in (0, 1): the last windows (by onset) of each training session, that
    share of them, validate, for designs with too few sessions to hold one out twice (train on the first
    session, test on the second). Train and val then share sessions, and the audit forbids a (subject,
    session) pair only between test and the others.

    Parameters
    ----------
    train : int or list of str, optional
    val : int, list of str or float
    test : int or list of str
    """

    train: Optional[SessionChoice] = None
    val: Union[SessionChoice, float] = 1
    test: SessionChoice = 1

    @field_validator("train", "val", "test", mode="before")
    @classmethod
    def _labels_as_text(cls, value: object) -> object:
        if isinstance(value, (list, tuple)):
            return [str(label) for label in value]
        return value

    @field_validator("train", "val", "test")
    @classmethod
    def _at_least_one(cls, value: Optional[SessionChoice]) -> Optional[SessionChoice]:
        if isinstance(value, float):
            if not 0 < value < 1:
                raise ValueError(f"a validation fraction lies in (0, 1), not {value}")
            return value
        if value is not None and (value == [] or (isinstance(value, int) and value < 1)):
            raise ValueError("give at least one session (a count >= 1 or a non-empty list of labels)")
        return value

    @property
    def _val_tail(self) -> bool:
        return isinstance(self.val, float)

    @property
    def forbidden(self) -> tuple[Key, ...]:  # type: ignore[override]
        """(subject, session) pairs, between every pair of parts unless val is a tail of the training sessions."""
        return () if self._val_tail else (("subject", "session"),)

    @property
    def forbidden_from_test(self) -> tuple[Key, ...]:  # type: ignore[override]
        """(subject, session) pairs, between test and the others when val is a tail of the training sessions."""
        return (("subject", "session"),) if self._val_tail else ()

    @model_validator(mode="after")
    def _labels_in_one_part(self) -> "BySession":
        lists = [getattr(self, part) for part in PARTS if isinstance(getattr(self, part), list)]
        labels = [label for labels in lists for label in labels]
        if len(set(labels)) != len(labels):
            raise ValueError(f"a session label is given to two parts: {labels}")
        return self

    def _assign(self, subject: str, sessions: list[str]) -> dict[str, list[str]]:
        """Sessions of each part for one subject."""
        chosen: dict[str, list[str]] = {}
        for part in PARTS:
            labels = getattr(self, part)
            if isinstance(labels, list):
                missing = [label for label in labels if label not in sessions]
                if missing:
                    raise NeuroarenaError(f"BySession: subject {str(subject)!r} has no session {missing[0]!r} "
                                          f"(it has {sessions})", fix=f"choose {part} sessions every subject has")
                chosen[part] = labels
        named = {label for labels in chosen.values() for label in labels}
        rest = [session for session in sessions if session not in named]
        wanted = {part: getattr(self, part) for part in PARTS
                  if isinstance(getattr(self, part), int) and not isinstance(getattr(self, part), bool)}
        if self._val_tail:
            chosen["val"] = []
        needed = sum(wanted.values()) + (self.train is None)
        if len(rest) < needed:
            raise NeuroarenaError(
                f"BySession: subject {str(subject)!r} has {len(sessions)} sessions {sessions}, too few for "
                f"train={self.train}, val={self.val}, test={self.test}",
                fix="drop that subject or ask for fewer sessions per part",
            )
        for part in ("test", "val"):
            if part in wanted:
                chosen[part], rest = rest[len(rest) - wanted[part]:], rest[: len(rest) - wanted[part]]
        if "train" not in chosen:
            chosen["train"] = rest if self.train is None else rest[: self.train]
        return chosen

    def split(self, metadata: "pd.DataFrame") -> Split:
        require_columns(metadata, ("window", "subject", "session"), "BySession")
        subjects = metadata["subject"].astype(str).to_numpy()
        sessions = metadata["session"].fillna("").astype(str).to_numpy()
        part_of = np.full(len(metadata), -1, dtype=np.int8)
        for subject in np.unique(subjects):
            rows = subjects == subject
            chosen = self._assign(subject, sorted(set(sessions[rows].tolist()), key=_session_order))
            for code, part in enumerate(PARTS):
                part_of[rows & np.isin(sessions, chosen[part])] = code
        if self._val_tail:
            self._carve_val_tails(metadata, subjects, sessions, part_of)
        return Split(*(windows_where(metadata, part_of == code) for code in range(len(PARTS))))

    def _carve_val_tails(self, metadata: "pd.DataFrame", subjects: np.ndarray, sessions: np.ndarray,
                         part_of: np.ndarray) -> None:
        """Move the last ``val`` share (by run, then onset) of each training session's windows to val, in place."""
        require_columns(metadata, ("onset",), "BySession with a validation fraction")
        onsets = metadata["onset"].to_numpy(dtype=float)
        runs = metadata["run"].fillna("").astype(str).to_numpy() if "run" in metadata.columns else \
            np.full(len(metadata), "")
        train = np.flatnonzero(part_of == 0)
        for subject, session in sorted(set(zip(subjects[train].tolist(), sessions[train].tolist()))):
            rows = train[(subjects[train] == subject) & (sessions[train] == session)]
            rank = {run: i for i, run in enumerate(sorted(set(runs[rows].tolist()), key=_session_order))}
            order = rows[np.lexsort((onsets[rows], [rank[run] for run in runs[rows]]))]  # runs, then onsets
            n_val = int(round(float(self.val) * len(order)))
            if n_val < 1 or n_val >= len(order):
                raise NeuroarenaError(
                    f"BySession: session {session!r} of subject {str(subject)!r} has {len(order)} windows, too "
                    f"few to keep a share of {self.val} for validation", fix="give a larger validation fraction")
            part_of[order[len(order) - n_val:]] = 1
