"""The challenge's trial table, Challenge 2 crops and the events of one HBN recording, on hand-built tables.

The rules are those of sccn/EEGDash ``eegdash/hbn/windows.py`` @0b366278 (competition era: the last trial is
dropped) and of the challenge's ``local_scoring.py`` (crops at ``random.Random(42).randint(0, 200)``).
"""
from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest

from neuroarena.studies.base import EVENT_COLUMNS
from neuroarena.studies.hbn_trials import EXTRA_COLUMNS, crop_windows, movie_windows, recording_events, trial_table

#: One run's events, out of order, with the traps: (onset, value, feedback).
ROWS = [
    (16.500, "contrastTrial_start", None),      # the last trial: dropped (no next trial ends it)
    (0.000, "break cnt", None),
    (0.002, "contrastChangeB1_start", None),
    (1.000, "contrastTrial_start", None),
    (3.000, "right_target", None),
    (3.900, "right_buttonPress", "smiley_face"),  # first press after the target: rt 0.9
    (4.100, "right_buttonPress", "non_target"),   # a second press: ignored
    (4.500, "contrastTrial_start", None),
    (5.000, "left_buttonPress", "non_target"),    # before the target: not the response
    (6.700, "left_target", None),
    (7.900, "right_buttonPress", "sad_face"),     # rt 1.2, wrong side
    (8.300, "contrastTrial_start", None),
    (10.800, "left_target", None),                # no press before the next trial: rt NaN
    (11.500, "9999", None),
    (12.000, "contrastTrial_start", None),
    (12.500, "left_buttonPress", "non_target"),   # after this trial's start, before its target
    (14.400, "right_target", None),
    (16.000, "right_buttonPress", "smiley_face"),  # rt 1.6
    (16.200, "contrastChangeB2_start", None),
    (17.000, "left_buttonPress", "smiley_face"),  # after the next trial's start: belongs to the dropped trial
    (18.500, "left_target", None),
    (19.200, "left_buttonPress", "smiley_face"),
]


def events_frame(rows=ROWS) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["onset", "value", "feedback"]).assign(duration=np.nan)


def test_trial_table_applies_the_challenges_rules():
    trials = trial_table(events_frame())
    assert trials["trial_start_onset"].tolist() == [1.0, 4.5, 8.3, 12.0]  # 16.5 dropped
    assert trials["trial_stop_onset"].tolist() == [4.5, 8.3, 12.0, 16.5]
    assert trials["stimulus_onset"].tolist() == [3.0, 6.7, 10.8, 14.4]
    np.testing.assert_allclose(trials["response_onset"], [3.9, 7.9, np.nan, 16.0])
    np.testing.assert_allclose(trials["rt_from_stimulus"], [0.9, 1.2, np.nan, 1.6], atol=1e-12)
    np.testing.assert_allclose(trials["rt_from_trialstart"], [2.9, 3.4, np.nan, 4.0], atol=1e-12)
    assert trials["response_type"].tolist() == ["right_buttonPress", "right_buttonPress", None, "right_buttonPress"]
    assert trials["correct"].tolist() == [True, False, None, True]


def test_trial_without_stimulus_takes_the_first_press_after_its_start():
    rows = [(0.0, "contrastTrial_start", None), (0.4, "left_buttonPress", "non_target"),
            (0.9, "right_buttonPress", "smiley_face"), (2.0, "contrastTrial_start", None),
            (2.5, "left_target", None), (3.0, "left_buttonPress", "weird"), (5.0, "contrastTrial_start", None)]
    trials = trial_table(events_frame(rows))
    assert math.isnan(trials["stimulus_onset"][0]) and trials["response_onset"][0] == 0.4
    assert math.isnan(trials["rt_from_stimulus"][0]) and trials["rt_from_trialstart"][0] == pytest.approx(0.4)
    assert trials["correct"].tolist() == [None, None]  # "non_target" and an unknown feedback: None
    assert trials["rt_from_stimulus"][1] == pytest.approx(0.5)


def test_stable_sort_keeps_the_file_order_of_equal_onsets():
    rows = [(0.0, "contrastTrial_start", None), (1.0, "right_target", None), (1.5, "left_buttonPress", "sad_face"),
            (1.5, "right_buttonPress", "smiley_face"), (3.0, "contrastTrial_start", None)]
    trials = trial_table(events_frame(rows))
    assert trials["response_type"].tolist() == ["left_buttonPress"] and trials["correct"].tolist() == [False]


@pytest.mark.parametrize(("n_samples", "n_windows"), [(399, 0), (400, 1), (401, 1), (600, 2), (1000, 4)])
def test_crop_windows_count(n_samples, n_windows):
    crops = crop_windows(n_samples)
    assert len(crops) == n_windows
    assert crops["i_window"].tolist() == list(range(n_windows))
    assert (crops["duration"] == 2.0).all()


def test_crop_offsets_are_one_random_42_stream_per_recording():
    draws = random.Random(42)
    expected = [draws.randint(0, 200) for _ in range(9)]
    assert expected[:4] == [163, 28, 6, 189]
    for _ in range(2):  # a fresh generator per recording: the same offsets again
        crops = crop_windows(2000)
        assert crops["crop_offset"].tolist() == expected
        np.testing.assert_allclose(crops["onset"], (200 * np.arange(9) + np.array(expected)) / 100)
    at_50_hz = random.Random(42)  # 4 s = 200 samples, stride 100, crops of 100: offsets 0..100
    assert crop_windows(1000, sfreq=50.0)["crop_offset"].tolist() == [at_50_hz.randint(0, 100) for _ in range(9)]


SUBJECT = {"release": "R5", "p_factor": 0.317, "attention": 0.819, "internalizing": 0.485,
           "externalizing": math.nan, "age": 9.3427, "sex": "M"}


def test_contrast_change_events_table():
    table = recording_events(events_frame(), 2000, 100.0, "contrastChangeDetection", SUBJECT)
    assert list(table.columns) == list(EVENT_COLUMNS + EXTRA_COLUMNS)
    stimuli = table[table["kind"] == "stimulus"]
    assert stimuli["onset"].tolist() == [3.0, 6.7, 10.8, 14.4]
    np.testing.assert_allclose(stimuli["rt"], [0.9, 1.2, np.nan, 1.6], atol=1e-12)
    np.testing.assert_allclose(stimuli["correct"], [1.0, 0.0, np.nan, 1.0])
    assert stimuli["category"].tolist() == ["right", "left", "left", "right"]
    assert stimuli["response_type"].tolist() == ["right_buttonPress", "right_buttonPress", "", "right_buttonPress"]
    assert stimuli["trial_start_onset"].tolist() == [1.0, 4.5, 8.3, 12.0]
    crops = table[table["kind"] == "crop"]
    assert len(crops) == 9 and crops["crop_offset"].tolist()[:2] == [163.0, 28.0]
    assert table["onset"].is_monotonic_increasing
    assert (table["release"] == "R5").all() and (table["sex"] == "M").all()
    assert table["p_factor"].eq(0.317).all() and table["externalizing"].isna().all()
    assert table["age"].eq(9.3427).all() and table["stimulus"].eq("").all() and table["split"].eq("").all()


def test_movie_windows_share_stimulus_ids_by_movie_time():
    rows = [(0.0, "9999", None), (1.5, "video_start", None), (9.2, "video_stop", None)]
    table = recording_events(events_frame(rows), 1100, 100.0, "ThePresent", SUBJECT)
    movie = table[table["kind"] == "movie"]
    assert movie["onset"].tolist() == [1.5, 3.5, 5.5]  # 7.5 + 2 > 9.2: not whole
    assert movie["movie_time"].tolist() == [0.0, 2.0, 4.0]
    assert movie["stimulus"].tolist() == ["ThePresent@0", "ThePresent@2", "ThePresent@4"]
    assert movie["duration"].eq(2.0).all() and movie["category"].eq("ThePresent").all()
    assert (table["kind"] == "crop").sum() == 4 and (table["kind"] == "stimulus").sum() == 0
    no_stop = movie_windows(events_frame(rows[:2]), 1100, 100.0)  # ends with the recording (11 s)
    assert no_stop["movie_time"].tolist() == [0.0, 2.0, 4.0, 6.0]
    assert movie_windows(events_frame(rows[:1]), 1100, 100.0).empty


def test_short_recording_has_no_rows():
    table = recording_events(events_frame(ROWS[:3]), 399, 100.0, "RestingState", SUBJECT)
    assert table.empty and list(table.columns) == list(EVENT_COLUMNS + EXTRA_COLUMNS)
