"""A small copy of two HBN challenge releases, in eegdash's competition-era cache layout, with their irregularities.

Facts and sources (see ``neuroarena/studies/hbn_files.py``): folders ``<cache>/<dsid>-bdf[-mini]/`` (sccn/EEGDash
``eegdash/dataset/dataset.py`` @091bfd06; a real copy: hkevin01/eeg2025 ``data/ds005509-bdf-mini/`` @5bd480cf);
no ``ses-`` level, ``_run-N`` for contrastChangeDetection only; 129 channels E1..E128 + Cz at 100 Hz as BDF;
participants.tsv with the R5-mini copy's 24 columns, ``n/a`` factors and ``available``/``unavailable`` flags;
events.tsv columns ``onset, duration, value, event_code, feedback`` with ``break cnt``, ``9999`` and
``contrastChangeB1_start`` rows among the trials (braininahat/cerebro task notes @f929f96a).

What is on disk:

- R1 = ``ds005505-bdf``: ``NDARAA111AAA`` (CCD runs 1-2; run 3 missing and marked unavailable; a RestingState of
  3 s, shorter than a Challenge 2 window), ``NDARBB222BBB`` (``n/a`` factors; CCD run 1; run 2 marked available but
  missing).
- R5 = ``ds005509-bdf``: ``NDARCC333CCC`` (CCD runs 1-2, ThePresent), and ``NDARDD444DDD``'s CCD run 1, a subject
  participants.tsv does not list.
- R5 mini = ``ds005509-bdf-mini``: ``NDARCC333CCC``'s CCD run 1.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from neuroarena.studies.hbn_files import CHANNEL_NAMES, PARTICIPANT_COLUMNS, write_bdf

CCD = "contrastChangeDetection"
#: A contrast-change run's events.tsv, rows out of order, with the challenge's traps (see test_hbn_trials.py).
CCD_EVENTS = """onset\tduration\tvalue\tevent_code\tfeedback
0.000\tn/a\tbreak cnt\tbreak cnt\tn/a
0.002\tn/a\tcontrastChangeB1_start\t94\tn/a
4.500\tn/a\tcontrastTrial_start\t5\tn/a
1.000\tn/a\tcontrastTrial_start\t5\tn/a
3.000\tn/a\tright_target\t9\tn/a
3.900\tn/a\tright_buttonPress\t13\tsmiley_face
4.100\tn/a\tright_buttonPress\t13\tnon_target
5.000\tn/a\tleft_buttonPress\t12\tnon_target
6.700\tn/a\tleft_target\t8\tn/a
7.900\tn/a\tright_buttonPress\t13\tsad_face
8.300\tn/a\tcontrastTrial_start\t5\tn/a
10.800\tn/a\tleft_target\t8\tn/a
11.500\tn/a\t9999\t9999\tn/a
12.000\tn/a\tcontrastTrial_start\t5\tn/a
14.400\tn/a\tright_target\t9\tn/a
16.000\tn/a\tright_buttonPress\t13\tsmiley_face
16.500\tn/a\tcontrastTrial_start\t5\tn/a
18.500\tn/a\tleft_target\t8\tn/a
19.200\tn/a\tleft_buttonPress\t12\tsmiley_face
"""
#: Expected Challenge 1 rows of every CCD run above: target onsets, rt, correct.
CCD_STIMULI = [3.0, 6.7, 10.8, 14.4]
CCD_RT = [0.9, 1.2, np.nan, 1.6]
CCD_CORRECT = [1.0, 0.0, np.nan, 1.0]
MOVIE_EVENTS = "onset\tduration\tvalue\tevent_code\tfeedback\n0.000\tn/a\t9999\t9999\tn/a\n" \
               "1.500\tn/a\tvideo_start\t84\tn/a\n11.500\tn/a\tvideo_stop\t104\tn/a\n"
REST_EVENTS = "onset\tduration\tvalue\tevent_code\tfeedback\n0.000\tn/a\tresting_start\t90\tn/a\n"
#: Seconds of each recording written.
SECONDS = {CCD: 20, "ThePresent": 14, "RestingState": 3}
#: participants.tsv values: (release, sex, age, factors as written, availability overrides).
SUBJECTS = {
    "ds005505": [
        ("NDARAA111AAA", "R1", "M", "9.3427", ("0.317", "0.8190000000000001", "0.485", "-0.22399999999999998"),
         {"contrastChangeDetection_3": "unavailable", "ThePresent": "unavailable"}),
        ("NDARBB222BBB", "R1", "F", "18.8954", ("n/a", "n/a", "n/a", "n/a"),
         {"contrastChangeDetection_3": "unavailable", "RestingState": "unavailable", "ThePresent": "unavailable"}),
    ],
    "ds005509": [
        ("NDARCC333CCC", "R5", "F", "5.4878", ("0.084", "1.227", "0.271", "0.115"),
         {"contrastChangeDetection_3": "unavailable", "RestingState": "unavailable"}),
    ],
}
#: Files written: (folder, subject, task, run).
FILES = [
    ("ds005505-bdf", "NDARAA111AAA", CCD, "1"), ("ds005505-bdf", "NDARAA111AAA", CCD, "2"),
    ("ds005505-bdf", "NDARAA111AAA", "RestingState", ""),
    ("ds005505-bdf", "NDARBB222BBB", CCD, "1"),
    ("ds005509-bdf", "NDARCC333CCC", CCD, "1"), ("ds005509-bdf", "NDARCC333CCC", CCD, "2"),
    ("ds005509-bdf", "NDARCC333CCC", "ThePresent", ""),
    ("ds005509-bdf", "NDARDD444DDD", CCD, "1"),
    ("ds005509-bdf-mini", "NDARCC333CCC", CCD, "1"),
]


def signal(folder: str, subject: str, task: str, run: str) -> np.ndarray:
    """The volts written for one recording, shape (129, seconds * 100): noise of some 20 µV, Cz flat."""
    seed = [sum(map(ord, folder + subject + task)), int(run or 0)]
    data = 20e-6 * np.random.default_rng(seed).standard_normal((len(CHANNEL_NAMES), SECONDS[task] * 100))
    data[-1] = 0.0
    return data


def write_release_copy(root: Path) -> Path:
    """Write the releases above under ``root`` (eegdash's ``cache_dir``) and return it."""
    for folder in ("ds005505-bdf", "ds005509-bdf", "ds005509-bdf-mini"):
        out = root / folder
        out.mkdir(parents=True)
        dsid = folder.split("-")[0]
        (out / "dataset_description.json").write_text(json.dumps({
            "Name": f"Healthy Brain Network (HBN) EEG - Release {dsid} (BDF Converted)", "BIDSVersion": "1.9.0",
            "DatasetDOI": f"10.18112/openneuro.{dsid}.v1.0.1"}))
        rows = SUBJECTS[dsid] if not folder.endswith("mini") else SUBJECTS[dsid][:1]
        lines = ["\t".join(PARTICIPANT_COLUMNS)]
        for subject, release, sex, age, factors, overrides in rows:
            values = {"participant_id": f"sub-{subject}", "release_number": release, "sex": sex, "age": age,
                      "ehq_total": "60.03", "commercial_use": "Yes", "full_pheno": "No",
                      **dict(zip(("p_factor", "attention", "internalizing", "externalizing"), factors))}
            values.update({column: overrides.get(column, "available") for column in PARTICIPANT_COLUMNS[11:]})
            lines.append("\t".join(values[column] for column in PARTICIPANT_COLUMNS))
        (out / "participants.tsv").write_text("\n".join(lines) + "\n")
    for folder, subject, task, run in FILES:
        eeg = root / folder / f"sub-{subject}" / "eeg"
        stem = f"sub-{subject}_task-{task}" + (f"_run-{run}" if run else "")
        write_bdf(eeg / f"{stem}_eeg.bdf", signal(folder, subject, task, run), CHANNEL_NAMES, 100.0)
        (eeg / f"{stem}_eeg.json").write_text(json.dumps({"TaskName": task, "SamplingFrequency": 100,
                                                           "EEGReference": "Cz"}))
        events = {CCD: CCD_EVENTS, "ThePresent": MOVIE_EVENTS, "RestingState": REST_EVENTS}[task]
        (eeg / f"{stem}_events.tsv").write_text(events)
        (eeg / f"{stem}_channels.tsv").write_text(
            "name\ttype\tunits\n" + "".join(f"{name}\tEEG\tuV\n" for name in CHANNEL_NAMES))
    return root
