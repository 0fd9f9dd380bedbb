"""A tiny copy of THINGS-EEG1 (OpenNeuro ds003825 1.2.0) with each subject's irregularities.

Sources: the GitHub mirror OpenNeuroDatasets/ds003825 (events.tsv headers at commit 68c3406, CHANGES,
.bidsignore), the authors' MATLAB ``preprocessing_things.m`` (sub-49/50 workspace and reference), neuralset's
``Grootswagers2022Human`` (channel counts) and BonnerLab/bonner-libraries (excluded subjects).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from things_fixtures import write_image

#: (stim path, isteststim) per event: Windows separators as in the release (sub-01 row "stimuli\\...\\...jpg").
EEG1_EVENTS = [
    ("stimuli\\carousel\\carousel_11s.jpg", 0), ("stimuli\\piano\\piano_05n.jpg", 0),
    ("stimuli\\oatmeal\\oatmeal_16s.jpg", 1), ("stimuli\\carousel\\carousel_02s.jpg", 0),
    ("stimuli\\oatmeal\\oatmeal_16s.jpg", 1),
]
EEG1_ONSETS = [1.724, 1.824, 1.924, 2.024, 2.124]  # 10 Hz RSVP (README: "streams at 10Hz rates")
#: 63 channels of subjects 1-48 (neuralset: "Subjects 1-48 have 63 channels", online reference Cz "not recorded").
#: The names and order are illustrative (actiCAP 64 with FCz recorded and Cz the reference): the release's
#: channels.tsv could not be read.
EEG1_CHANNELS = [
    "Fp1", "Fz", "F3", "F7", "FT9", "FC5", "FC1", "C3", "T7", "TP9", "CP5", "CP1", "Pz", "P3", "P7", "O1", "Oz",
    "O2", "P4", "P8", "TP10", "CP6", "CP2", "FCz", "C4", "T8", "FT10", "FC6", "FC2", "F4", "F8", "Fp2", "AF7",
    "AF3", "AFz", "F1", "F5", "FT7", "FC3", "C1", "C5", "TP7", "CP3", "P1", "P5", "PO7", "PO3", "POz", "PO4", "PO8",
    "P6", "P2", "CPz", "CP4", "TP8", "C6", "C2", "FC4", "FT8", "F6", "AF8", "AF4", "F2",
]
#: sub-49/50: "recorded with a 128 workspace and different ref" (preprocessing_things.m), 127 channels (neuralset);
#: the authors keep channels 1:63. The 64 extra names are illustrative.
EEG1_EXTRA_CHANNELS = [f"{row}{n}h" for row in ("AFF", "FFC", "FCC", "CCP", "CPP", "PPO", "POO", "OI")
                       for n in range(1, 9)]
#: Online reference per subject (preprocessing_things.m: setref FCz for 49 and 50, Cz for the others).
EEG1_REFERENCE = {49: "FCz", 50: "FCz"}
EEG1_SFREQ = 1000.0  # events: sample == onset x 1000
EEG1_N_SAMPLES = 4000
#: Subjects participants.tsv marks excluded (BonnerLab EXCLUDED_SUBJECTS = [1, 6, 18, 23]); the column name
#: ``exclude`` and its 1/0 values are unconfirmed (participants.tsv is not in the mirror).
EEG1_EXCLUDED = (1, 6, 18, 23)
#: events.tsv headers, in file order (mirror commit 68c3406): sub-01 (20 columns), sub-06 (15), sub-49/50 (22).
EEG1_COLUMNS_SUB01 = [
    "onset", "duration", "eventnumber", "objectnumber", "object", "sequencenumber", "presentationnumber",
    "blocksequencenumber", "withinsequencenumber", "stimnumber", "stim", "istarget", "stimname", "response", "rt",
    "correct", "time_stimon", "time_stimoff", "stimdur", "sample",
]
EEG1_COLUMNS_SUB06 = [
    "onset", "duration", "eventnumber", "blocksequencenumber", "isteststim", "object", "objectnumber",
    "presentationnumber", "sequencenumber", "stim", "stimnumber", "teststimnumber", "withinsequencenumber",
    "istarget", "sample",
]
EEG1_COLUMNS_LATER = [
    "onset", "duration", "eventnumber", "blocksequencenumber", "isteststim", "object", "objectnumber",
    "presentationnumber", "sequencenumber", "stim", "stimnumber", "teststimnumber", "withinsequencenumber",
    "istarget", "stimname", "response", "rt", "correct", "time_stimon", "time_stimoff", "stimdur", "sample",
]


def eeg1_stimdur(row: int) -> float:
    """Measured image duration written in row ``row`` of the fixture events, seconds."""
    return 0.0499 + row * 1e-5


def eeg1_channels(subject: int) -> list[str]:
    """The channels of a fixture subject's recording."""
    return EEG1_CHANNELS + EEG1_EXTRA_CHANNELS if subject in EEG1_REFERENCE else list(EEG1_CHANNELS)


def eeg1_signal(subject: int) -> np.ndarray:
    """EEG of a fixture subject, shape (n_chans, EEG1_N_SAMPLES), volts, seeded."""
    return 1e-5 * np.random.default_rng(subject).standard_normal((len(eeg1_channels(subject)), EEG1_N_SAMPLES))


def eeg1_columns(subject: int) -> list[str]:
    """The events.tsv header of a fixture subject: sub-01's, sub-06's, or the later one."""
    return {1: EEG1_COLUMNS_SUB01, 6: EEG1_COLUMNS_SUB06}.get(subject, EEG1_COLUMNS_LATER)


def events_lines(subject: int, samples: bool = False) -> list[str]:
    """Lines of a fixture events.tsv; ``samples``: onsets in samples, as before 1.2.0 (CHANGES 1.2.0)."""
    columns = eeg1_columns(subject)
    keep = [i for i, (_, test) in enumerate(EEG1_EVENTS) if "isteststim" in columns or not test]
    lines = ["\t".join(columns)]
    for number, index in enumerate(keep):
        (stim, test), onset = EEG1_EVENTS[index], EEG1_ONSETS[index]
        concept, name = stim.split("\\")[1], stim.split("\\")[2]
        sample = round(onset * EEG1_SFREQ)
        values = {
            "onset": str(sample) if samples else f"{onset}",
            "duration": "50",  # milliseconds, also in 1.2.0 (authors: duration = 50*ones(...))
            "eventnumber": str(number), "objectnumber": "-1" if test else "275",
            "object": "-1" if test else concept,  # test rows: object == -1
            "sequencenumber": "0", "presentationnumber": str(number), "blocksequencenumber": "0",
            "withinsequencenumber": "0", "stimnumber": "10", "stim": stim, "istarget": "0", "stimname": name,
            "response": "0", "rt": "0.0", "correct": "0",
            "time_stimon": f"{61.5 + onset}", "time_stimoff": f"{61.55 + onset}",  # stimulus-PC clock, not EEG time
            "stimdur": f"{eeg1_stimdur(number)}", "sample": str(sample), "isteststim": str(test),
            "teststimnumber": "160" if test else "-1",
        }
        lines.append("\t".join(values[c] for c in columns))
    return lines


def write_things_eeg1(root: Path, subjects=(1, 2, 6, 49), samples: bool = False, exclude_column: bool = True,
                      images: bool = True) -> None:
    """BIDS ds003825 copy under ``root``: recordings, sidecars, events, participants.tsv (+ ``stimuli/``)."""
    from pybv import write_brainvision

    root.mkdir(parents=True, exist_ok=True)
    (root / "dataset_description.json").write_text(json.dumps({
        "Name": "Human electroencephalography recordings from 50 subjects for 22,248 images from 1,854 object "
                "concepts", "BIDSVersion": "1.0.2", "License": "CC0"}))
    (root / ".bidsignore").write_text("derivatives/\nstimuli/\n*.csv\n*.py\n*.DS_Store\n")  # mirror commit 618e098
    header = "participant_id\texclude\n" if exclude_column else "participant_id\n"
    (root / "participants.tsv").write_text(header + "".join(
        f"sub-{s:02d}\t{int(s in EEG1_EXCLUDED)}\n" if exclude_column else f"sub-{s:02d}\n" for s in subjects))
    for subject in subjects:
        folder = root / f"sub-{subject:02d}" / "eeg"
        base = f"sub-{subject:02d}_task-rsvp"
        channels = eeg1_channels(subject)
        write_brainvision(data=eeg1_signal(subject), sfreq=EEG1_SFREQ, ch_names=channels, unit="µV",
                          fname_base=f"{base}_eeg", folder_out=folder)
        (folder / f"{base}_eeg.json").write_text(json.dumps({
            "TaskName": "rsvp", "SamplingFrequency": EEG1_SFREQ, "EEGChannelCount": len(channels),
            "EEGReference": EEG1_REFERENCE.get(subject, "Cz"),
            "PowerLineFrequency": 50,  # assumed (Sydney): the sidecar's value is unconfirmed
        }))
        (folder / f"{base}_channels.tsv").write_text("name\ttype\tunits\n" + "".join(
            f"{name}\tEEG\tµV\n" for name in channels))
        (folder / f"{base}_events.tsv").write_text("\n".join(events_lines(subject, samples)) + "\n")
    if images:
        for seed, stim in enumerate(sorted({s for s, _ in EEG1_EVENTS})):
            write_image(root.joinpath(*stim.split("\\")), seed)
