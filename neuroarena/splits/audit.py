"""The leakage audit: what the parts of a split share, and an error when they share what they must not."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.splits.base import PARTS, Key, Split

if TYPE_CHECKING:
    import pandas as pd

#: Keys always counted (when the metadata has their columns), besides the forbidden ones.
AUDITED_KEYS: tuple[Key, ...] = ("stimulus", "subject", ("subject", "session"), "window")

#: Pairs of parts, in the order they are reported.
PART_PAIRS: tuple[tuple[str, str], ...] = tuple(combinations(PARTS, 2))


def key_name(key: Key) -> str:
    """``"stimulus"`` for a column, ``"subject+session"`` for a composite key."""
    return key if isinstance(key, str) else "+".join(key)


def _nouns(name: str, count: int) -> str:
    """``"1 stimulus"``/``"2 stimuli"`` style nouns: ``"subject"``, ``"(subject, session) pair"``, ``"x value"``."""
    if "+" in name:
        singular = f"({name.replace('+', ', ')}) pair"
    elif name in ("stimulus", "subject", "window"):
        singular = name
    elif name == SAMPLES:
        singular = "window with shared samples"
    else:
        singular = f"{name} value"
    if count == 1:
        return singular
    if singular == "window with shared samples":
        return "windows with shared samples"
    return "stimuli" if singular == "stimulus" else singular + "s"


def _columns(key: Key) -> list[str]:
    return [key] if isinstance(key, str) else list(key)


def _values(rows: "pd.DataFrame", key: Key) -> set[Any]:
    """Distinct non-empty values of ``key`` in ``rows`` (tuples for composite keys)."""
    columns = _columns(key)
    table = rows[columns].astype(object).fillna("").astype(str)
    empty = (table == "").all(axis=1)
    table = table[~empty].drop_duplicates()
    if isinstance(key, str):
        return set(table[key].tolist())
    return set(table.itertuples(index=False, name=None))


@dataclass(frozen=True)
class SplitAudit:
    """What the parts of a split share.

    Attributes
    ----------
    sizes : dict
        Part -> number of windows.
    shared : dict
        ``"train/test"`` (each pair of parts) -> key name -> number of shared values.
    examples : dict
        ``"train/test"`` -> key name -> one shared value (the smallest), where any.
    forbidden : tuple of str
        Key names that must not be shared.
    forbidden_from_test : tuple of str
        Key names that train and val may share, but the test part with neither.
    """

    sizes: dict[str, int]
    shared: dict[str, dict[str, int]]
    examples: dict[str, dict[str, Any]]
    forbidden: tuple[str, ...]
    forbidden_from_test: tuple[str, ...] = ()

    def problems(self) -> list[str]:
        """One phrase per empty part and per forbidden key shared by a pair of parts."""
        found = [f"the {part} part is empty" for part, size in self.sizes.items() if size == 0]
        checks = [(name, pair) for name in self.forbidden for pair in self.shared]
        checks += [(name, pair) for name in self.forbidden_from_test for pair in self.shared if "test" in pair]
        for name, pair in checks:
            counts = self.shared[pair]
            if counts[name]:
                first, second = pair.split("/")
                found.append(f"{counts[name]} {_nouns(name, counts[name])} in both {first} and {second} "
                             f"(e.g. {self.examples[pair][name]!r})")
        return found

    def check(self, source: str | Path) -> None:
        """Raise :class:`NeuroarenaError` naming ``source`` when a part is empty or a forbidden key is shared."""
        found = self.problems()
        if found:
            overlap = SAMPLES in self.forbidden and any(c.get(SAMPLES) for c in self.shared.values())
            raise NeuroarenaError("; ".join(found), path=source,
                                  fix="split whole recordings or sessions, or cut windows no longer than the spacing "
                                      "of the events" if overlap else "fix the split")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary for the result record (sizes, shared counts, forbidden keys)."""
        out = {"sizes": dict(self.sizes), "shared": {pair: dict(c) for pair, c in self.shared.items()},
               "forbidden": list(self.forbidden)}
        if self.forbidden_from_test:
            out["forbidden_from_test"] = list(self.forbidden_from_test)
        return out


#: The pseudo-key of windows whose samples overlap a window of another part (same recording, overlapping spans).
SAMPLES = "samples"


def overlapping_windows(first: "pd.DataFrame", second: "pd.DataFrame", duration: float) -> tuple[int, Any]:
    """How many windows of ``first`` share samples with a window of ``second``, and one of them (a window number).

    Windows of one recording overlap when their onsets are less than ``duration`` apart (every window of a
    store spans the same ``duration`` from its onset); those of different recordings never do.

    Parameters
    ----------
    first, second : DataFrame
        Rows of the metadata with ``recording``, ``onset`` (s) and ``window``.
    duration : float
        Seconds each window spans.
    """
    count, example = 0, None
    others = {name: np.sort(group["onset"].to_numpy(dtype=float)) for name, group in second.groupby("recording")}
    for name, group in first.groupby("recording"):
        if name not in others:
            continue
        onsets, theirs = group["onset"].to_numpy(dtype=float), others[name]
        at = np.searchsorted(theirs, onsets)
        below, above = theirs[np.clip(at - 1, 0, len(theirs) - 1)], theirs[np.clip(at, 0, len(theirs) - 1)]
        nearest = np.minimum(np.abs(onsets - below), np.abs(above - onsets))
        hits = nearest < duration - 1e-9
        if hits.any() and example is None:
            example = int(group["window"].to_numpy()[hits][0])
        count += int(hits.sum())
    return count, example


def audit_split(metadata: "pd.DataFrame", split: Split, forbidden: tuple[Key, ...],
                window_duration: float | None = None, forbidden_from_test: tuple[Key, ...] = ()) -> SplitAudit:
    """Count what each pair of parts shares.

    Parameters
    ----------
    metadata : DataFrame, one row per window
        The table that was split (column ``window`` plus the audited columns).
    split : Split
    forbidden : tuple of str or tuple of str
        Columns (or composite column tuples) that must not be shared, e.g. ``("stimulus",)``, and
        :data:`SAMPLES`: no window of one part may share samples with a window of another.
    window_duration : float, optional
        Seconds every window spans; with it (and ``recording`` and ``onset`` columns) the windows that share
        samples across parts are counted under :data:`SAMPLES` (overlapping epochs of fast paradigms).
    forbidden_from_test : tuple of str or tuple of str
        Keys train and val may share but test with neither (e.g. ``(("subject", "session"),)`` when
        validation windows come from the training sessions).

    Returns
    -------
    SplitAudit
    """
    if "window" not in metadata.columns:
        raise NeuroarenaError("the metadata to audit has no window column", fix="audit a window store's metadata")
    counts_samples = window_duration is not None and {"recording", "onset"} <= set(metadata.columns)
    if SAMPLES in forbidden and not counts_samples:
        raise NeuroarenaError("shared samples can be forbidden only with the windows' duration and the metadata's "
                              "recording and onset columns", fix="audit a window store's metadata")
    for key in (k for k in (*forbidden, *forbidden_from_test) if k != SAMPLES):
        missing = [column for column in _columns(key) if column not in metadata.columns]
        if missing:
            raise NeuroarenaError(f"forbidden key {key_name(key)!r} needs metadata columns {missing}",
                                  fix="add those columns or forbid other keys")
    present = [key for key in AUDITED_KEYS if set(_columns(key)) <= set(metadata.columns)]
    keys = list(dict.fromkeys([*(k for k in (*forbidden, *forbidden_from_test) if k != SAMPLES), *present]))
    import pandas as pd

    index = pd.Index(metadata["window"].to_numpy(dtype=np.int64))
    if not index.is_unique:
        raise NeuroarenaError("the metadata to audit repeats window numbers", fix="give each window one row")
    rows = {}
    for part in PARTS:
        windows = getattr(split, part)
        found = index.get_indexer(windows)
        if (found < 0).any():
            raise NeuroarenaError(f"{int((found < 0).sum())} windows of the {part} part are not in the metadata "
                                  f"(e.g. {windows[found < 0][0]})",
                                  fix="audit the split against the table it was made from")
        rows[part] = metadata.iloc[found]
    values = {part: {key_name(key): _values(rows[part], key) for key in keys} for part in PARTS}
    shared: dict[str, dict[str, int]] = {}
    examples: dict[str, dict[str, Any]] = {}
    for first, second in PART_PAIRS:
        pair = f"{first}/{second}"
        common = {name: values[first][name] & values[second][name] for name in values[first]}
        shared[pair] = {name: len(both) for name, both in common.items()}
        examples[pair] = {name: min(both) for name, both in common.items() if both}
        if counts_samples:
            count, example = overlapping_windows(rows[first], rows[second], window_duration)
            shared[pair][SAMPLES] = count
            if example is not None:
                examples[pair][SAMPLES] = example
    return SplitAudit(sizes=split.sizes(), shared=shared, examples=examples,
                      forbidden=tuple(key_name(key) for key in forbidden),
                      forbidden_from_test=tuple(key_name(key) for key in forbidden_from_test))
