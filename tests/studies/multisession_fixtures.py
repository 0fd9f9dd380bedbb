"""Small copies of OpenNeuro ds005589, laid out as its BIDS release and as the CMU 11-685 course files.

Both writers put the same trials in: per (subject, session) one slow run of ``TRIALS`` images,
and for subject 02, session 01 one rapid run (two sequences of three images, with an inserted
target image and an answer code). The EEG of trial k is 500 samples at 1000 Hz, in microvolts;
the release's continuous recording is those epochs end to end, each image event at its first sample.

As in the release, most subjects have 5 sessions (``SUBJECTS``) but some only 1 to 3
(``FEW_SESSIONS``: sub-07 has 1, sub-11 has 3 on OpenNeuro). The BIDS copy also reproduces
sub-03 ses-03 of the release in sub-05 ses-03: a ``task-rsvpAndLowSpeed`` recording holding
several runs, and a run whose ``_image.csv`` has no recording of its own; ``stimuli=False``
writes a release without ``stimuli/``.
"""
from __future__ import annotations

import json
from pathlib import Path

import mne
import numpy as np
from PIL import Image

CH_NAMES = ["Fz", "Cz", "Pz", "Oz", "O1", "O2"]
SUBJECTS = ("02", "05")
SESSIONS = ("01", "02", "03", "04", "05")
#: Subjects with fewer sessions than the session split needs (slow runs only).
FEW_SESSIONS = {"07": ("01",), "11": ("01", "02", "03")}
#: (subject, session) holding the recording of several runs and the run without a recording of its own.
COMBINED = ("05", "03")
TRIALS = 4
N_TIMES = 500
RAPID = ("02", "01")  # (subject, session) with a rapid run
RAPID_SEQUENCES = 2
RAPID_LENGTH = 3
#: (category, image id, caption); the images of the last two are not on disk.
IMAGES = [
    ("bird", "n01530575_1009", "A small brown bird perched on a branch"),
    ("aeroplane", "2008_000716", "A white airliner, wheels down, over a runway"),
    ("diningtable", "n03201208_14446", "A wooden table set for dinner"),
    ("flower", "000668", "Red flowers\tin a clay pot"),
    ("dog", "n02085620_7", "A terrier sitting on grass"),
    ("tvmonitor", "2009_000920", "A flat screen showing a football match"),
    ("sheep", "n02412080_100", "Three sheep in a green field"),
]
ON_DISK = {image for _, image, _ in IMAGES[:-2]}
WINDOWS_PATH = "C:\\Users\\Huawei\\Desktop\\eeg_pascal_imagenet\\pic_10000_resized\\{}\\{}_resized.jpg"


def run_images(subject: str, session: str, task: str) -> list[tuple[str, str, str]]:
    """Images of one run, in trial order."""
    n = TRIALS if task == "lowSpeed" else RAPID_SEQUENCES * RAPID_LENGTH
    start = (SUBJECTS + tuple(FEW_SESSIONS)).index(subject) * 3 + int(session) + (2 if task == "rsvp" else 0)
    return [IMAGES[(start + k) % len(IMAGES)] for k in range(n)]


def run_epochs(subject: str, session: str, task: str) -> np.ndarray:
    """EEG of one run in microvolts, float32, shape (n_trials, n_channels, N_TIMES)."""
    n = len(run_images(subject, session, task))
    rng = np.random.default_rng([int(subject), int(session), len(task)])
    times = np.arange(N_TIMES) / 1000.0
    wave = 8.0 * np.sin(2 * np.pi * 10 * times)
    return (20.0 * rng.standard_normal((n, len(CH_NAMES), N_TIMES)) + wave).astype(np.float32)


def runs() -> list[tuple[str, str, str]]:
    """(subject, session, task) of every run of the fixture."""
    slow = [(subject, session, "lowSpeed") for subject in SUBJECTS for session in SESSIONS]
    few = [(subject, session, "lowSpeed") for subject, sessions in FEW_SESSIONS.items() for session in sessions]
    return slow + [(*RAPID, "rsvp")] + few


def write_bids(root: Path, stimuli: bool = True) -> Path:
    """The release's layout: Curry 8 recordings, sample-count events, image tables, stimuli, captions."""
    root.mkdir(parents=True)
    (root / "dataset_description.json").write_text(json.dumps(
        {"Name": "A multi-subject and multi-session EEG dataset for modelling human visual object recognition",
         "BIDSVersion": "1.10.0", "DatasetType": "raw"}, indent=4))
    subjects = sorted(SUBJECTS + tuple(FEW_SESSIONS))
    (root / "participants.tsv").write_text("participant_id\n" + "".join(f"sub-{s}\n" for s in subjects))
    (root / "README").write_text("MSS: 122-channel EEG, RSVP and low-speed presentation.\n")
    (root / ".bidsignore").write_text("derivatives/\nstimuli/\n*.cdt\n*.cdt.ceo\n*.cdt.dpa\n*.npy\n*.csv")
    for category, image, _ in IMAGES if stimuli else []:
        folder = root / "stimuli" / category
        folder.mkdir(parents=True, exist_ok=True)
        if image in ON_DISK:
            _write_jpeg(folder / f"{image}_resized.jpg")
    write_captions(root / "captions.txt")
    for subject, session, task in runs():
        folder = root / f"sub-{subject}" / f"ses-{session}"
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / f"sub-{subject}_ses-{session}_task-{task}_run-01_"
        write_curry(Path(f"{stem}eeg.cdt"), run_epochs(subject, session, task))
        Path(f"{stem}events.tsv").write_text(_events_tsv(task, len(run_images(subject, session, task))))
        write_image_table(Path(f"{stem}image.csv"), run_images(subject, session, task), task)
    folder = root / f"sub-{COMBINED[0]}" / f"ses-{COMBINED[1]}"
    prefix = f"sub-{COMBINED[0]}_ses-{COMBINED[1]}_task-"
    write_curry(folder / f"{prefix}rsvpAndLowSpeed_run-01_eeg.cdt", run_epochs(*COMBINED, "lowSpeed"))
    (folder / f"{prefix}rsvpAndLowSpeed_run-01_eeg.cdt.ceo").write_text("EVENT_LIST START\nEVENT_LIST END\n")
    write_image_table(folder / f"{prefix}lowSpeed_run-02_image.csv", run_images(*COMBINED, "lowSpeed"), "lowSpeed")
    return root


def write_course(root: Path) -> Path:
    """The course's layout: captions.txt, images/, and per run ``_1000Hz.npy/.json`` beside ``_image.csv``."""
    root.mkdir(parents=True)
    write_captions(root / "captions.txt")
    (root / "images").mkdir()
    for image in sorted(ON_DISK):
        _write_jpeg(root / "images" / f"{image}.jpg")
    from neuroarena.studies.multisession import CATEGORIES

    for subject, session, task in runs():
        folder = root / "ds005589" / f"sub-{subject}" / f"ses-{session}"
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / f"sub-{subject}_ses-{session}_task-{task}_run-01_"
        np.save(f"{stem}1000Hz.npy", run_epochs(subject, session, task))
        images = run_images(subject, session, task)
        Path(f"{stem}1000Hz.json").write_text(json.dumps([CATEGORIES.index(c) for c, _, _ in images], indent=2))
        write_image_table(Path(f"{stem}image.csv"), images, task)
    return root


def write_captions(path: Path) -> None:
    lines = ["dataset\tcategory\timage_name\tabstracted"]
    lines += [f"{'PASCAL' if image[:1].isdigit() else 'ImageNet'}\t{category}\t{image}\t{caption}"
              for category, image, caption in IMAGES]
    path.write_text("\n".join(lines) + "\n")


def write_image_table(path: Path, images: list[tuple[str, str, str]], task: str) -> None:
    """``FilePath`` header, one Windows path per trial; rapid runs mark each sequence."""
    lines = ["FilePath"]
    for k, (category, image, _) in enumerate(images):
        if task == "rsvp" and k % RAPID_LENGTH == 0:
            lines.append(f"Sequence:,{k // RAPID_LENGTH + 1}")
        lines.append(WINDOWS_PATH.format(category, image))
    path.write_text("\r\n".join(lines) + "\r\n")


def write_curry(path: Path, epochs: np.ndarray) -> None:
    """A Curry 8 recording: float32 samples x channels (``.cdt``) and its text header (``.cdt.dpa``)."""
    data = np.ascontiguousarray(np.concatenate(list(epochs), axis=1).T, dtype="<f4")
    data.tofile(path)
    positions = mne.channels.make_standard_montage("colin27_1005").get_positions()["ch_pos"]
    sensors = "\n".join(" ".join(f"{1000 * v:.4f}" for v in positions[name]) for name in CH_NAMES)
    Path(f"{path}.dpa").write_text(f"""FileVersion          =  804
DATA_PARAMETERS START
   NumSamples           =  {len(data)}
   NumChannels          =  {len(CH_NAMES)}
   NumTrials            =  1
   SampleFreqHz         =  1000
   TriggerOffsetUsec    =  0
   DataFormat           =  BINARY
   DataSampOrder        =  SAMPLE
   SampleTimeUsec       =  1000
   DataByteOrder        =  LITTLE_ENDIAN
   StartYear            =  2023
   StartMonth           =  5
   StartDay             =  4
   StartHour            =  10
   StartMin             =  0
   StartSec             =  0
   StartMillisec        =  0
   AmplifierInfo        =  SynAmps2
DATA_PARAMETERS END

DEVICE_PARAMETERS START
   DataUnit             =  uV
   NumChanThisGroup     =  {len(CH_NAMES)}
DEVICE_PARAMETERS END

LABELS START
   ListDescription      =  channel labels
LABELS END
LABELS START_LIST
{chr(10).join(CH_NAMES)}
LABELS END_LIST

SENSORS START
   ListDescription      =  sensor positions (mm)
SENSORS END
SENSORS START_LIST
{sensors}
SENSORS END_LIST
""")


def _events_tsv(task: str, n_images: int) -> str:
    """Onsets in samples: image k at k * N_TIMES, answers (252/254) and rapid targets (99) in between."""
    rows = []
    for k in range(n_images):
        onset = k * N_TIMES
        if task == "lowSpeed":
            rows += [(onset, k + 1), (onset + 400, 252 if k % 2 == 0 else 254)]
        else:
            position = k % RAPID_LENGTH + 1
            rows.append((onset, position))
            if position == 2:
                rows.append((onset + 250, 99))
            if position == RAPID_LENGTH:
                rows.append((onset + 450, 252))
    return "onset\tduration\teventnumber\n" + "".join(f"{onset}\t0\t{code}\n" for onset, code in rows)


def _write_jpeg(path: Path) -> None:
    Image.new("RGB", (8, 8), (120, 60, 30)).save(path, format="JPEG")
