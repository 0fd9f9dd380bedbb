"""Split by recording session: each subject's sessions go whole to train, val or test."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

import numpy as np
from pydantic import field_validator, model_validator

from neuroarena.errors import NeuroarenaError
from neuroarena.splits.base import PARTS, Split, Splitter, require_columns, windows_where

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

    Parameters
    ----------
    train : int or list of str, optional
    val, test : int or list of str
    """

    forbidden = (("subject", "session"),)
    train: Optional[SessionChoice] = None
    val: SessionChoice = 1
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
        if value is not None and (value == [] or (isinstance(value, int) and value < 1)):
            raise ValueError("give at least one session (a count >= 1 or a non-empty list of labels)")
        return value

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
        wanted = {part: getattr(self, part) for part in PARTS if isinstance(getattr(self, part), int)}
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
        return Split(*(windows_where(metadata, part_of == code) for code in range(len(PARTS))))
