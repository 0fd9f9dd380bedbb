"""The EEG Foundation Challenge 2025's logic on HBN events: trials, Challenge 2 crops, and a recording's events.

Pure pandas and numpy. Sources, as stored copies of public repositories:

- trials: sccn/EEGDash ``eegdash/hbn/windows.py`` @0b366278a6a4cad2c3d01dbec43f9ae85bd0932c,
  ``build_trial_table`` (the same code is inlined in eeg2025/startkit ``challenge_1.py`` @d2304bf). That
  competition-era version DROPS the last trial (it has no next trial to end it); eegdash 0.9.1 instead
  ends it at an ``end_experiment`` marker. The competition's behaviour is followed here.
- Challenge 1 windows: [stimulus + 0.5 s, stimulus + 2.5 s) of each trial with a stimulus and a response,
  target ``rt_from_stimulus`` (startkit ``challenge_1.py``; ``local_scoring.py``): a task's window on the
  ``"stimulus"`` rows made here.
- Challenge 2 windows: braindecode ``create_fixed_length_windows(window_size_samples=4 * SFREQ,
  window_stride_samples=2 * SFREQ, drop_last_window=True)`` over each recording of at least 4 s, then a 2 s
  crop per window at ``random.Random(42).randint(0, 200)`` samples, one generator per recording, drawn in
  window order (``local_scoring.py``'s ``DatasetWrapper(seed=42)`` read by a sequential sampler).
- movie markers: ``video_start`` / ``video_stop`` in the ``value`` column of the movie tasks' events
  (braininahat/cerebro ``docs/task_metadata/{despicableme,thepresent,diaryofawimpykid,funwithfractals}_metadata.md``
  @f929f96a / @2115ec22: e.g. DespicableMe ``0.000 s video_start``, ``170.544 s video_stop``; a stored
  ``task-*_events.json`` sidecar, repository not shown, lists the levels "video_start: Video stream started",
  "video_stop: Video stream completed and stopped"). Third-party copies: confirmed by two, not by an official file.
"""
from __future__ import annotations

import math
import random
from typing import Any, Mapping

import numpy as np
import pandas as pd

from neuroarena.studies.base import EVENT_COLUMNS

TRIAL_START = "contrastTrial_start"
TARGETS = ("left_target", "right_target")
PRESSES = ("left_buttonPress", "right_buttonPress")
#: ``feedback`` of the response row -> ``correct`` (anything else: None).
FEEDBACK_CORRECT = {"smiley_face": True, "sad_face": False}
TRIAL_COLUMNS = ("trial_start_onset", "trial_stop_onset", "stimulus_onset", "response_onset",
                 "rt_from_stimulus", "rt_from_trialstart", "response_type", "correct")
CONTRAST_TASK = "contrastChangeDetection"
#: The movie tasks of HBN (names as the challenge's data page spells them: ``FunwithFractals``, lower-case w).
MOVIE_TASKS = ("DespicableMe", "ThePresent", "DiaryOfAWimpyKid", "FunwithFractals")
MOVIE_START, MOVIE_STOP = "video_start", "video_stop"
#: Challenge 2: window, stride and crop in seconds; the crops' seed.
CROP_WINDOW_S, CROP_STRIDE_S, CROP_S, CROP_SEED = 4.0, 2.0, 2.0, 42
#: Movie windows: length and step in seconds.
MOVIE_WINDOW_S = 2.0
#: The subject's columns every events row carries (from participants.tsv; factors NaN for ``n/a``).
SUBJECT_COLUMNS = ("release", "p_factor", "attention", "internalizing", "externalizing", "age", "sex")
#: The columns :func:`recording_events` adds after :data:`~neuroarena.studies.base.EVENT_COLUMNS`.
EXTRA_COLUMNS = ("trial_start_onset", "rt_from_trialstart", "correct", "response_type", "movie_time",
                 "i_window", "crop_offset") + SUBJECT_COLUMNS
_STRING_COLUMNS = ("kind", "stimulus", "category", "caption", "split", "response_type", "release", "sex")


def trial_table(events: pd.DataFrame) -> pd.DataFrame:
    """The contrast-change trials of one recording, as the challenge's ``build_trial_table`` makes them.

    Trials are the ``contrastTrial_start`` rows in onset order (stable sort); each ends at the next
    trial's start, and the last trial, which has none, is dropped. The stimulus is the first
    ``left_target``/``right_target`` in [start, next); the response the first
    ``left_buttonPress``/``right_buttonPress`` in [stimulus, next), or in [start, next) when the trial
    has no stimulus. ``correct`` is True for the response's ``feedback`` ``smiley_face``, False for
    ``sad_face``, else None. Source: sccn/EEGDash ``eegdash/hbn/windows.py`` @0b366278.

    Parameters
    ----------
    events : DataFrame, shape (n_events, ...)
        An HBN ``*_events.tsv``: ``onset`` (s), ``value``, optionally ``feedback``.

    Returns
    -------
    DataFrame, shape (n_trials, 8)
        Columns :data:`TRIAL_COLUMNS`; onsets and response times in seconds, NaN where missing.
    """
    frame = events.copy()
    frame["onset"] = pd.to_numeric(frame["onset"], errors="raise")
    frame = frame.sort_values("onset", kind="mergesort").reset_index(drop=True)
    values = frame["value"].astype(str)
    onsets = frame["onset"].to_numpy(dtype=float)
    feedback = frame["feedback"] if "feedback" in frame else pd.Series([None] * len(frame))
    starts = onsets[values.eq(TRIAL_START).to_numpy()]
    stimulus_rows = np.flatnonzero(values.isin(TARGETS).to_numpy())
    response_rows = np.flatnonzero(values.isin(PRESSES).to_numpy())
    rows = []
    for start, stop in zip(starts[:-1], starts[1:]):
        stimulus = _first(onsets, stimulus_rows, start, stop)
        stimulus_onset = math.nan if stimulus is None else onsets[stimulus]
        response = _first(onsets, response_rows, start if stimulus is None else stimulus_onset, stop)
        response_onset = math.nan if response is None else onsets[response]
        note = None if response is None else feedback.iloc[response]
        rows.append({
            "trial_start_onset": float(start), "trial_stop_onset": float(stop),
            "stimulus_onset": float(stimulus_onset), "response_onset": float(response_onset),
            "rt_from_stimulus": float(response_onset - stimulus_onset),
            "rt_from_trialstart": float(response_onset - start),
            "response_type": None if response is None else values.iloc[response],
            "correct": FEEDBACK_CORRECT.get(note) if isinstance(note, str) else None,
        })
    table = pd.DataFrame(rows, columns=list(TRIAL_COLUMNS))
    for column in ("response_type", "correct"):  # None where missing, as in pandas 2 (pandas 3 infers NaN strings)
        table[column] = pd.Series([row[column] for row in rows], index=table.index, dtype=object)
    return table


def _first(onsets: np.ndarray, rows: np.ndarray, start: float, stop: float) -> int | None:
    """The first of ``rows`` (in onset order) whose onset lies in [start, stop), or None."""
    inside = rows[(onsets[rows] >= start) & (onsets[rows] < stop)]
    return int(inside[0]) if inside.size else None


def crop_windows(n_samples: int, sfreq: float = 100.0) -> pd.DataFrame:
    """Challenge 2's crops of one recording: 4 s windows every 2 s, each cropped to 2 s at a seeded offset.

    Window ``i`` starts at sample ``i * 2 s`` while it ends inside the recording (braindecode's
    ``create_fixed_length_windows(..., drop_last_window=True)``); its crop starts ``crop_offset`` samples
    later, ``random.Random(42).randint(0, 2 s)`` drawn window after window by one generator for the
    recording (``local_scoring.py``). A recording shorter than 4 s has no window.

    Parameters
    ----------
    n_samples : int
        Samples in the recording.
    sfreq : float
        Its sampling rate (Hz); the challenge's is 100.

    Returns
    -------
    DataFrame, shape (n_windows, 4)
        ``onset`` (s, crop start), ``duration`` (2.0), ``i_window``, ``crop_offset`` (samples).
    """
    window, stride, crop = (round(seconds * sfreq) for seconds in (CROP_WINDOW_S, CROP_STRIDE_S, CROP_S))
    starts = np.arange(0, max(int(n_samples) - window + 1, 0), stride, dtype=np.int64)
    rng = random.Random(CROP_SEED)
    offsets = np.array([rng.randint(0, window - crop) for _ in starts], dtype=np.int64)
    return pd.DataFrame({"onset": (starts + offsets) / sfreq, "duration": np.full(len(starts), crop / sfreq),
                         "i_window": np.arange(len(starts), dtype=np.int64), "crop_offset": offsets})


def movie_windows(events: pd.DataFrame, n_samples: int, sfreq: float) -> pd.DataFrame:
    """2 s windows every 2 s from a movie's ``video_start`` marker, up to ``video_stop`` (or the recording's end).

    Parameters
    ----------
    events : DataFrame
        The recording's ``*_events.tsv`` (``onset``, ``value``).
    n_samples, sfreq : int, float
        Length (samples) and rate (Hz) of the recording.

    Returns
    -------
    DataFrame, shape (n_windows, 2)
        ``onset`` (s from the recording's start) and ``movie_time`` (s from the movie's start); empty when the
        recording has no ``video_start``.
    """
    values = events["value"].astype(str)
    onsets = pd.to_numeric(events["onset"], errors="raise").to_numpy(dtype=float)
    starts = onsets[values.eq(MOVIE_START).to_numpy()]
    if not starts.size:
        return pd.DataFrame({"onset": np.zeros(0), "movie_time": np.zeros(0)})
    start = float(starts.min())
    stops = onsets[values.eq(MOVIE_STOP).to_numpy() & (onsets > start)]
    end = min(float(stops.min()) if stops.size else math.inf, n_samples / sfreq)
    count = max(int(math.floor((end - start) / MOVIE_WINDOW_S + 1e-9)), 0)
    movie_time = np.arange(count) * MOVIE_WINDOW_S
    return pd.DataFrame({"onset": start + movie_time, "movie_time": movie_time})


def recording_events(events: pd.DataFrame, n_samples: int, sfreq: float, task: str,
                     subject: Mapping[str, Any]) -> pd.DataFrame:
    """The neuroarena events table of one HBN recording.

    Rows, in onset order (stable):

    - ``kind="stimulus"`` (contrastChangeDetection only): one per trial of :func:`trial_table` with a
      stimulus; ``onset`` the stimulus onset, ``rt`` = ``rt_from_stimulus`` (NaN without response),
      ``category`` ``"left"``/``"right"`` (the target's side), ``correct`` 1/0/NaN, ``response_type``,
      ``trial_start_onset``, ``rt_from_trialstart``;
    - ``kind="crop"`` (every recording): Challenge 2's crops (:func:`crop_windows`), ``duration`` 2 s,
      ``i_window``, ``crop_offset``;
    - ``kind="movie"`` (the :data:`MOVIE_TASKS`): :func:`movie_windows`, ``movie_time`` and
      ``stimulus = f"{task}@{movie_time:g}"``, the same for every subject at one movie time.

    Every row carries the subject's :data:`SUBJECT_COLUMNS`.

    Parameters
    ----------
    events : DataFrame, shape (n_events, ...)
        The recording's ``*_events.tsv``.
    n_samples : int
        Samples in the recording (its BDF header).
    sfreq : float
        Its sampling rate (Hz).
    task : str
        Its BIDS task label.
    subject : mapping
        The subject's row of participants.tsv, keys :data:`SUBJECT_COLUMNS`.

    Returns
    -------
    DataFrame, shape (n_rows, 8 + 14)
        Columns :data:`~neuroarena.studies.base.EVENT_COLUMNS`, then :data:`EXTRA_COLUMNS`.
    """
    parts = []
    if task == CONTRAST_TASK:
        trials = trial_table(events)
        trials = trials[trials["stimulus_onset"].notna()].reset_index(drop=True)
        correct = trials["correct"].map({True: 1.0, False: 0.0}).astype(float)
        parts.append(pd.DataFrame({
            "onset": trials["stimulus_onset"], "duration": 0.0, "kind": "stimulus",
            "category": _target_sides(events, trials["stimulus_onset"].to_numpy(dtype=float)),
            "rt": trials["rt_from_stimulus"], "trial_start_onset": trials["trial_start_onset"],
            "rt_from_trialstart": trials["rt_from_trialstart"], "correct": correct,
            "response_type": trials["response_type"].fillna("").astype(str),
        }))
    if task in MOVIE_TASKS:
        movie = movie_windows(events, n_samples, sfreq)
        parts.append(movie.assign(duration=MOVIE_WINDOW_S, kind="movie", category=task,
                                  stimulus=[f"{task}@{t:g}" for t in movie["movie_time"]]))
    parts.append(crop_windows(n_samples, sfreq).assign(kind="crop"))
    table = pd.concat([part for part in parts if len(part)] or [pd.DataFrame({"onset": []})], ignore_index=True)
    for column in EVENT_COLUMNS + EXTRA_COLUMNS:
        if column in SUBJECT_COLUMNS:
            table[column] = subject.get(column, "" if column in _STRING_COLUMNS else math.nan)
        elif column not in table:
            table[column] = "" if column in _STRING_COLUMNS else math.nan
    for column in EVENT_COLUMNS + EXTRA_COLUMNS:
        if column in _STRING_COLUMNS:
            table[column] = table[column].fillna("").astype(str)
        else:
            table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    table = table.sort_values("onset", kind="mergesort").reset_index(drop=True)
    return table[list(EVENT_COLUMNS + EXTRA_COLUMNS)]


def _target_sides(events: pd.DataFrame, stimulus_onsets: np.ndarray) -> list[str]:
    """``"left"``/``"right"`` of the target at each of ``stimulus_onsets`` (the first target row there)."""
    values = events["value"].astype(str)
    onsets = pd.to_numeric(events["onset"], errors="raise").to_numpy(dtype=float)
    targets = values.isin(TARGETS).to_numpy()
    sides = []
    for onset in stimulus_onsets:
        match = np.flatnonzero(targets & (onsets == onset))
        sides.append(values.iloc[match[0]].removesuffix("_target") if match.size else "")
    return sides
