"""Write the simulated HBN releases in the challenge's layout (BDF, BIDS sidecars, participants.tsv), atomically.

The layout is :mod:`~neuroarena.studies.hbn_files`'s: ``<root>/<dsid>-bdf/`` per release, so
:class:`~neuroarena.studies.hbn.Hbn2025Challenge` reads it. ``<root>/simulation.json`` (outside the release
folders) records the configuration. Event codes (``event_code``) follow the values third-party task notes list
(braininahat/cerebro ``docs/task_metadata/*_metadata.md``: contrast change ``break cnt, 94, 5, 9, 13, 8, 12,
9999``; DespicableMe ``9999, 83, 103``, ThePresent ``84, 104``, ...); which code belongs to which value is
guessed (unconfirmed), and nothing reads them.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import build_folder_once
from neuroarena.hashing import stable_hash
from neuroarena.studies.hbn_files import (
    AVAILABLE, CHANNEL_NAMES, FACTORS, PARTICIPANT_COLUMNS, RUNS, SFREQ, TASKS, UNAVAILABLE,
    availability_column, recording_path, release_folder, write_bdf,
)
from neuroarena.studies.simulated_hbn.config import GENERATOR_VERSION, SimulatedHbnConfig
from neuroarena.studies.simulated_hbn.latents import SubjectLatents, ccd_runs, ccd_trials, make_subjects, movie_length
from neuroarena.studies.simulated_hbn.signals import synthesize

CONFIG_FILE = "simulation.json"
CONTRAST = "contrastChangeDetection"
REST = "RestingState"
EVENT_CODES = {"contrastChangeB1_start": "94", "contrastChangeB2_start": "94", "contrastChangeB3_start": "94",
               "contrastTrial_start": "5", "left_target": "8", "right_target": "9", "left_buttonPress": "12",
               "right_buttonPress": "13", "resting_start": "90", "instructed_toOpenEyes": "20",
               "instructed_toCloseEyes": "30", "break cnt": "break cnt", "9999": "9999"}
MOVIE_CODES = {"DiaryOfAWimpyKid": ("81", "101"), "FunwithFractals": ("82", "102"), "DespicableMe": ("83", "103"),
               "ThePresent": ("84", "104")}
#: Resting state: eyes open for 20 s, then closed for 40 s (cerebro's RestingState timeline), from 2 s in.
REST_OPEN, REST_CLOSED, REST_FIRST = 20.0, 40.0, 2.0


def written_config(root: Path) -> dict | None:
    """The configuration stored at ``root``, or None when there is none."""
    path = Path(root) / CONFIG_FILE
    return json.loads(path.read_text())["config"] if path.is_file() else None


def write_dataset(config: SimulatedHbnConfig, root: str | Path) -> Path:
    """Simulate every recording of ``config`` and write the releases R1-R5 to ``root`` (a no-op when written).

    Built in a temporary folder beside ``root`` and renamed onto it, so ``root`` is absent or complete.

    Raises
    ------
    NeuroarenaError
        ``root`` exists but holds something other than this simulation.
    """
    return build_folder_once(root, lambda tmp: _write_all(config, tmp), lambda done: _check_existing(config, done))


def _check_existing(config: SimulatedHbnConfig, root: Path) -> None:
    if written_config(root) != config.model_dump(mode="json"):
        raise NeuroarenaError(f"folder exists but does not hold the simulated-HBN data {stable_hash(config)}",
                              path=root, fix="delete the folder or choose another root for SimulatedHbn")


def _write_all(config: SimulatedHbnConfig, folder: Path) -> None:
    subjects = make_subjects(config)
    for release in sorted({s.release for s in subjects}, key=lambda r: int(r[1:])):
        out = release_folder(folder, release, mini=False)
        members = [s for s in subjects if s.release == release]
        out.mkdir(parents=True)
        (out / "dataset_description.json").write_text(json.dumps({
            "Name": f"neuroarena simulated HBN EEG - Release {release[1:]} (BDF)", "BIDSVersion": "1.9.0",
            "DatasetType": "raw", "GeneratedBy": [{"Name": "neuroarena SimulatedHbn",
                                                   "Version": str(GENERATOR_VERSION)}],
        }, indent=2) + "\n")
        _participants(config, members).to_csv(out / "participants.tsv", sep="\t", index=False)
        for subject in members:
            _write_subject(config, out, subject)
    (folder / CONFIG_FILE).write_text(json.dumps(
        {"config": config.model_dump(mode="json"), "hash": stable_hash(config), "generator": GENERATOR_VERSION},
        indent=2, sort_keys=True) + "\n")


def _participants(config: SimulatedHbnConfig, subjects: list[SubjectLatents]) -> pd.DataFrame:
    """participants.tsv rows in the release's columns and formats (``n/a``, ``available``/``unavailable``)."""
    rows = []
    for s in subjects:
        row = {"participant_id": f"sub-{s.subject}", "release_number": s.release, "sex": s.sex,
               "age": f"{s.age:.4f}", "ehq_total": f"{s.ehq_total:.2f}", "commercial_use": "Yes",
               "full_pheno": "Yes" if s.index % 3 else "No"}
        row.update({f: "n/a" if math.isnan(v) else f"{v:.3f}" for f, v in zip(FACTORS, s.factors)})
        recorded = {REST, config.movie} | {availability_column(CONTRAST, r) for r in ccd_runs(config, s)}
        for task in TASKS:
            for run in RUNS.get(task, ("",)):
                column = availability_column(task, run)
                row[column] = AVAILABLE if column in recorded else UNAVAILABLE
        rows.append(row)
    return pd.DataFrame(rows, columns=list(PARTICIPANT_COLUMNS))


def _write_subject(config: SimulatedHbnConfig, folder: Path, subject: SubjectLatents) -> None:
    for run in ccd_runs(config, subject):
        trials, length = ccd_trials(config, subject, run)
        data = synthesize(config, subject, CONTRAST, run, length, trials=trials)
        _write_recording(folder, subject.subject, CONTRAST, run, data, _ccd_events(trials))
    length = movie_length(config, subject)
    start, stop = MOVIE_CODES[config.movie]
    events = [(0.0, "9999", "9999"), (subject.movie_offset, "video_start", start),
              (round(subject.movie_offset + config.movie_seconds, 3), "video_stop", stop)]
    data = synthesize(config, subject, config.movie, "", length)
    _write_recording(folder, subject.subject, config.movie, "", data, _events_frame(events))
    closed, events, t = [], [(0.0, "resting_start", "90")], REST_FIRST
    while t < config.rest_seconds:
        events.append((t, "instructed_toOpenEyes", "20"))
        events.append((t + REST_OPEN, "instructed_toCloseEyes", "30"))
        closed.append((t + REST_OPEN, t + REST_OPEN + REST_CLOSED))
        t += REST_OPEN + REST_CLOSED
    length = float(math.ceil(config.rest_seconds))
    events = [event for event in events if event[0] < length]
    data = synthesize(config, subject, REST, "", length, eyes_closed=closed)
    _write_recording(folder, subject.subject, REST, "", data, _events_frame(events))


def _ccd_events(trials: pd.DataFrame) -> pd.DataFrame:
    """A contrast-change run's events.tsv rows: block starts, trial starts, targets and presses (with feedback)."""
    rows = [(0.0, "break cnt", "break cnt", "n/a"), (0.002, "contrastChangeB1_start", "94", "n/a")]
    blocks = {round(len(trials) * k / 3): f"contrastChangeB{k + 1}_start" for k in (1, 2)}
    for i, trial in enumerate(trials.itertuples()):
        if i in blocks and i:
            rows.append((round(trial.start - 0.1, 3), blocks[i], "94", "n/a"))
        rows.append((trial.start, "contrastTrial_start", "5", "n/a"))
        if not math.isnan(trial.anticipation):
            value = f"{trial.press_side}_buttonPress"
            rows.append((trial.anticipation, value, EVENT_CODES[value], "non_target"))
        target = f"{trial.side}_target"
        rows.append((trial.target, target, EVENT_CODES[target], "n/a"))
        if not math.isnan(trial.rt):
            value = f"{trial.press_side}_buttonPress"
            rows.append((round(trial.target + trial.rt, 3), value, EVENT_CODES[value],
                         "smiley_face" if trial.correct else "sad_face"))
        if not math.isnan(trial.extra):
            value = f"{trial.press_side}_buttonPress"
            rows.append((trial.extra, value, EVENT_CODES[value], "non_target"))
    rows.append((round(trials["stop"].iloc[-1] + 1.0, 3), "9999", "9999", "n/a"))
    frame = pd.DataFrame(rows, columns=["onset", "value", "event_code", "feedback"])
    return frame.assign(duration="n/a")[["onset", "duration", "value", "event_code", "feedback"]]


def _events_frame(events: list[tuple[float, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(events, columns=["onset", "value", "event_code"])
    return frame.assign(duration="n/a", feedback="n/a")[["onset", "duration", "value", "event_code", "feedback"]]


def _write_recording(folder: Path, subject: str, task: str, run: str, data: np.ndarray, events: pd.DataFrame) -> None:
    """The four files of one recording: ``_eeg.bdf``, ``_eeg.json``, ``_events.tsv``, ``_channels.tsv``."""
    bdf = recording_path(folder, subject, task, run)
    write_bdf(bdf, data, CHANNEL_NAMES, SFREQ)
    recording_path(folder, subject, task, run, "eeg.json").write_text(json.dumps({
        "TaskName": task, "SamplingFrequency": SFREQ, "EEGReference": "Cz", "PowerLineFrequency": 60,
        "EEGChannelCount": len(CHANNEL_NAMES), "RecordingDuration": data.shape[1] / SFREQ,
        "SoftwareFilters": {"HighPass": "0.5 Hz (simulated)"},
    }, indent=2) + "\n")
    events.to_csv(recording_path(folder, subject, task, run, "events.tsv"), sep="\t", index=False,
                  float_format="%.3f")
    pd.DataFrame({"name": CHANNEL_NAMES, "type": "EEG", "units": "uV"}).to_csv(
        recording_path(folder, subject, task, run, "channels.tsv"), sep="\t", index=False)
