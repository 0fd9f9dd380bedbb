"""The studies ``--dataset`` can name, resolved lazily so listing them imports nothing heavy."""
from __future__ import annotations

import difflib
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    from neuroarena.studies.base import Study

_SIMULATED = "neuroarena.studies.simulated.study:Simulated"
_MULTISESSION = "neuroarena.studies.multisession:Wang2025Multisession"
_HBN = "neuroarena.studies.hbn:Hbn2025Challenge"
_MOABB = "neuroarena.studies.moabb_study:MoabbStudy"
_SIMULATED_HBN = "neuroarena.studies.simulated_hbn.study:SimulatedHbn"

#: ``--dataset`` name -> (``module:Class``, constructor parameters, one-line description).
STUDIES: dict[str, tuple[str, dict, str]] = {
    "bids": (
        "neuroarena.studies.bids:BidsStudy", {},
        "A BIDS EEG dataset of your own: --dataset PATH (task, event_columns through --dataset-param).",
    ),
    "simulated": (
        _SIMULATED, {"preset": "default"},
        "Built-in THINGS-like visual experiment, simulated and written as BIDS on first use (offline).",
    ),
    "simulated-tiny": (
        _SIMULATED, {"preset": "tiny"},
        "A tiny version of the simulated experiment, for tests and smoke runs (seconds).",
    ),
    "simulated-neuralbench": (
        _SIMULATED, {"preset": "neuralbench"},
        "8 subjects x 4 min of 22-channel EEG at 250 Hz, 4 classes: the speed benchmark's dataset.",
    ),
    "wang2025multisession": (
        _MULTISESSION, {},
        "OpenNeuro ds005589: 122-channel EEG at 1000 Hz, 1-5 sessions per subject (default: those with 5), "
        "20 categories, captioned images.",
    ),
    "ds005589": (_MULTISESSION, {}, "Alias of wang2025multisession (OpenNeuro ds005589)."),
    "gifford2022large": (
        "neuroarena.studies.things_eeg2:Gifford2022Large", {},
        "THINGS-EEG2 (OSF): 10 subjects x 4 sessions of raw 63-channel RSVP EEG at 1000 Hz, 16,740 THINGS images.",
    ),
    "things-eeg2": ("neuroarena.studies.things_eeg2:Gifford2022Large", {}, "Alias of gifford2022large (THINGS-EEG2)."),
    "grootswagers2022human": (
        "neuroarena.studies.things_eeg1:Grootswagers2022Human", {},
        "THINGS-EEG1 (OpenNeuro ds003825): 50 subjects, 63-channel RSVP EEG to 22,248 THINGS images.",
    ),
    "things-eeg1": (
        "neuroarena.studies.things_eeg1:Grootswagers2022Human", {}, "Alias of grootswagers2022human (THINGS-EEG1).",
    ),
    "xu2024alljoined": (
        "neuroarena.studies.alljoined:Xu2024Alljoined", {},
        "Alljoined-1 (HuggingFace): 8 subjects, 64-channel BioSemi EEG epochs to 10,000 NSD/COCO images each.",
    ),
    "alljoined-1": ("neuroarena.studies.alljoined:Xu2024Alljoined", {}, "Alias of xu2024alljoined (Alljoined-1)."),
    "xu2025alljoined": (
        "neuroarena.studies.alljoined_16m:Xu2025Alljoined", {},
        "Alljoined-1.6M (HuggingFace): 20 subjects, raw 32-channel consumer-grade EEG to THINGS-EEG2 images.",
    ),
    "alljoined-1.6m": (
        "neuroarena.studies.alljoined_16m:Xu2025Alljoined", {}, "Alias of xu2025alljoined (Alljoined-1.6M).",
    ),
    "hbn2025challenge": (
        _HBN, {},
        "HBN-EEG releases R1-R11 of the EEG Foundation Challenge 2025 (eegdash cache, BDF): 129 channels at 100 Hz, "
        "response times (Challenge 1) and psychopathology factors (Challenge 2).",
    ),
    "hbn": (_HBN, {}, "Alias of hbn2025challenge (the EEG Foundation Challenge 2025's HBN releases)."),
    "simulated-hbn": (
        _SIMULATED_HBN, {"preset": "default"},
        "The HBN challenge releases R1-R5 simulated offline (40 subjects, 129-channel BDF, written on first use).",
    ),
    "simulated-ssvep": (
        "neuroarena.studies.simulated_ssvep.study:SimulatedSsvep", {"preset": "default"},
        "Simulated SSVEP speller as Wang2016 (10 subjects, 64-channel BIDS, 8 targets of 8-15 Hz; offline).",
    ),
    "simulated-ssvep-tiny": (
        "neuroarena.studies.simulated_ssvep.study:SimulatedSsvep", {"preset": "tiny"},
        "A tiny simulated SSVEP study (5 subjects x 32 trials, 16 channels), for tests and smoke runs (seconds).",
    ),
    "simulated-cvep": (
        "neuroarena.studies.simulated_cvep.study:SimulatedCvep", {"preset": "default"},
        "Simulated c-VEP as Thielen2021 (10 subjects, 8-channel BIDS, one event per code bit; offline).",
    ),
    "simulated-cvep-tiny": (
        "neuroarena.studies.simulated_cvep.study:SimulatedCvep", {"preset": "tiny"},
        "A tiny simulated c-VEP study (5 subjects, one event per code bit), for tests and smoke runs (seconds).",
    ),
    "moabb": (
        _MOABB, {},
        "Any MOABB dataset: --dataset-param dataset=BNCI2014_001 (MOABB's download code, raws and events).",
    ),
    "moabb-fake-imagery": (
        _MOABB, {"dataset": "FakeDataset", "dataset_params": {
            "paradigm": "imagery", "event_list": ["left_hand", "right_hand"], "n_subjects": 5, "n_sessions": 2,
            "n_runs": 1, "n_events": 40, "duration": 100, "seed": 0, "sfreq": 128,
            "channels": ["C3", "Cz", "C4", "FC3", "FC4", "CP3", "CP4", "Pz"]}},
        "MOABB's FakeDataset as a motor-imagery study (noise around random cues; offline, through the MOABB adapter).",
    ),
    "moabb-fake-execution": (
        _MOABB, {"dataset": "FakeDataset", "dataset_params": {
            "paradigm": "imagery", "n_subjects": 5, "n_sessions": 1, "n_runs": 1, "n_events": 64,
            "duration": 160, "seed": 0, "sfreq": 128, "channels": ["C3", "Cz", "C4", "FC3", "FC4", "CP3", "CP4", "Pz"],
            "event_list": [f"{d}_{s}_{n}" for d in ("up", "down", "left", "right") for s in ("slow", "fast")
                           for n in ("near", "far")]}, "interval": [0.0, 4.0]},
        "MOABB's FakeDataset with BNCI2025_001's 16 reach conditions (noise; offline, through the MOABB adapter).",
    ),
    "stieger2021": (_MOABB, {"dataset": "Stieger2021"}, "Stieger et al. 2021: 62 subjects, motor imagery (MOABB)."),
    "sleep_physionet": (
        "neuroarena.studies.sleep_edf:SleepPhysionet", {},
        "Sleep-EDF cassette (PhysioNet, MNE's fetcher): 78 subjects x 2 nights, Fpz-Cz and Pz-Oz, 30 s stages.",
    ),
    "sleep-edf": ("neuroarena.studies.sleep_edf:SleepPhysionet", {}, "Alias of sleep_physionet (Sleep-EDF)."),
    "simulated-sleep": (
        "neuroarena.studies.simulated_sleep:SimulatedSleep", {"preset": "default"},
        "Sleep-EDF nights simulated offline in the release's EDF files (10 subjects x 2 nights of 3 h).",
    ),
    "simulated-sleep-tiny": (
        "neuroarena.studies.simulated_sleep:SimulatedSleep", {"preset": "tiny"},
        "A tiny simulated Sleep-EDF study (5 subjects x 2 nights of 44 min), for tests and smoke runs.",
    ),
    "mne_sample": (
        "neuroarena.studies.mne_sample:MneSample", {},
        "MNE's sample dataset: one subject, 60-channel EEG (with MEG), auditory/visual x left/right stimuli.",
    ),
    "simulated-sample": (
        "neuroarena.studies.simulated_sample:SimulatedSample", {"preset": "default"},
        "MNE's sample recording simulated offline in its FIF layout (450 lateralized auditory/visual ERPs).",
    ),
    "simulated-sample-tiny": (
        "neuroarena.studies.simulated_sample:SimulatedSample", {"preset": "tiny"},
        "A tiny simulated sample recording (240 stimuli), for tests and smoke runs (seconds).",
    ),
    "tuab": (
        "neuroarena.studies.tuh_abnormal:TuhAbnormal", {},
        "TUH Abnormal EEG v3.0.1 (licensed, read locally): 2,993 clinical recordings, normal/abnormal, eval split.",
    ),
    "tuh_abnormal": ("neuroarena.studies.tuh_abnormal:TuhAbnormal", {}, "Alias of tuab (TUH Abnormal EEG)."),
    "simulated-tuab": (
        "neuroarena.studies.simulated_tuab:SimulatedTuab", {"preset": "default"},
        "TUAB simulated offline in its v3.0.1 EDF layout (abnormal: focal and diffuse slowing, a known ceiling).",
    ),
    "simulated-tuab-tiny": (
        "neuroarena.studies.simulated_tuab:SimulatedTuab", {"preset": "tiny"},
        "A tiny simulated TUAB corpus, for tests and smoke runs (seconds).",
    ),
    "chb_mit": (
        "neuroarena.studies.chb_mit:ChbMit", {},
        "CHB-MIT in its BIDS release (Zenodo): 23 children, 982 h at 256 Hz, 198 seizures, cut into 10 s crops.",
    ),
    "simulated-chbmit": (
        "neuroarena.studies.simulated_chbmit:SimulatedChbMit", {"preset": "default"},
        "CHB-MIT simulated offline in its BIDS release layout (rhythmic seizure discharges, a known ceiling).",
    ),
    "simulated-chbmit-tiny": (
        "neuroarena.studies.simulated_chbmit:SimulatedChbMit", {"preset": "tiny"},
        "A tiny simulated CHB-MIT release, for tests and smoke runs (seconds).",
    ),
    "bnci2015_009": (
        _MOABB, {"dataset": "BNCI2015_009"},
        "Schreuder et al. 2011 (AMUSE): 21 subjects, auditory spatial P300 speller, Target/NonTarget (MOABB).",
    ),
    "bnci2015_004": (
        _MOABB, {"dataset": "BNCI2015_004"},
        "Scherer et al. 2015: 9 subjects x 2 sessions, five mental tasks (MOABB).",
    ),
    "bnci2025_001": (
        _MOABB, {"dataset": "BNCI2025_001"},
        "20 subjects, executed arm movements in 4 directions x 2 speeds x 2 distances (MOABB).",
    ),
    "wang2016": (
        _MOABB, {"dataset": "Wang2016"},
        "Wang et al. 2016 (Tsinghua SSVEP benchmark): 35 subjects, 40 frequencies 8-15.8 Hz (MOABB).",
    ),
    "thielen2021": (
        _MOABB, {"dataset": "Thielen2021"},
        "Thielen et al. 2021: 30 subjects, 8 channels, c-VEP with modulated Gold codes, one epoch per bit (MOABB).",
    ),
    "erpcore2021_p3": (
        _MOABB, {"dataset": "ErpCore2021_P3"},
        "ERP CORE (Kappenman et al. 2021), 40 subjects: the P3 (active visual oddball) task (MOABB).",
    ),
    "erpcore2021_n170": (
        _MOABB, {"dataset": "ErpCore2021_N170"},
        "ERP CORE (Kappenman et al. 2021), 40 subjects: the N170 (faces, cars) task (MOABB).",
    ),
    "erpcore2021_n400": (
        _MOABB, {"dataset": "ErpCore2021_N400"},
        "ERP CORE (Kappenman et al. 2021), 40 subjects: the N400 (word pairs) task (MOABB).",
    ),
    "erpcore2021_mmn": (
        _MOABB, {"dataset": "ErpCore2021_MMN"},
        "ERP CORE (Kappenman et al. 2021), 40 subjects: the MMN (passive auditory oddball) task (MOABB).",
    ),
    "erpcore2021_n2pc": (
        _MOABB, {"dataset": "ErpCore2021_N2pc"},
        "ERP CORE (Kappenman et al. 2021), 40 subjects: the N2pc (visual search) task (MOABB).",
    ),
    "erpcore2021_ern": (
        _MOABB, {"dataset": "ErpCore2021_ERN"},
        "ERP CORE (Kappenman et al. 2021), 40 subjects: the ERN (flanker errors) task (MOABB).",
    ),
    "erpcore2021_lrp": (
        _MOABB, {"dataset": "ErpCore2021_LRP"},
        "ERP CORE (Kappenman et al. 2021), 40 subjects: the LRP (flanker responses by hand) task (MOABB).",
    ),
    "simulated-hbn-tiny": (
        _SIMULATED_HBN, {"preset": "tiny"},
        "A tiny simulated HBN challenge dataset (10 subjects), for tests and smoke runs (seconds).",
    ),
    "simulated-mi": (
        "neuroarena.studies.simulated_mi.study:SimulatedMotorImagery", {"preset": "default"},
        "Simulated left/right-hand motor imagery (10 subjects, 22-channel BIDS, contralateral ERD; offline).",
    ),
    "simulated-mi-tiny": (
        "neuroarena.studies.simulated_mi.study:SimulatedMotorImagery", {"preset": "tiny"},
        "A tiny simulated motor-imagery study (5 subjects x 24 trials), for tests and smoke runs (seconds).",
    ),
    "simulated-mental-imagery": (
        "neuroarena.studies.simulated_mi.study:SimulatedMotorImagery", {"preset": "sessions"},
        "Simulated imagery across two sessions (9 subjects: hands, feet, rest; BNCI2015_004-like; offline).",
    ),
    "simulated-mental-imagery-tiny": (
        "neuroarena.studies.simulated_mi.study:SimulatedMotorImagery", {"preset": "sessions-tiny"},
        "A tiny two-session simulated imagery study (4 subjects x 40 trials a session), for tests (seconds).",
    ),
    "simulated-p3": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "p3"},
        "Simulated auditory P3 oddball as BNCI2015_009/AMUSE (21 subjects, overlapping epochs; offline).",
    ),
    "simulated-p3-tiny": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "p3-tiny"},
        "A tiny simulated P3 oddball study (5 subjects x 300 tones), for tests and smoke runs (seconds).",
    ),
    "simulated-n170": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "n170"},
        "Simulated N170 face/object study as ERP CORE (40 subjects, 30-channel BIDS; offline).",
    ),
    "simulated-n170-tiny": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "n170-tiny"},
        "A tiny simulated N170 study (5 subjects x 200 pictures), for tests and smoke runs (seconds).",
    ),
    "simulated-n400": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "n400"},
        "Simulated N400 word-pair study as ERP CORE (40 subjects, 30-channel BIDS; offline).",
    ),
    "simulated-n400-tiny": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "n400-tiny"},
        "A tiny simulated N400 study (5 subjects x 160 word pairs), for tests and smoke runs (seconds).",
    ),
    "simulated-mmn": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "mmn"},
        "Simulated mismatch negativity oddball as ERP CORE (40 subjects, overlapping epochs; offline).",
    ),
    "simulated-mmn-tiny": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "mmn-tiny"},
        "A tiny simulated MMN study (5 subjects x 300 tones), for tests and smoke runs (seconds).",
    ),
    "simulated-n2pc": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "n2pc"},
        "Simulated N2pc visual search as ERP CORE (40 subjects, lateralized by target side; offline).",
    ),
    "simulated-n2pc-tiny": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "n2pc-tiny"},
        "A tiny simulated N2pc study (5 subjects x 200 searches), for tests and smoke runs (seconds).",
    ),
    "simulated-ern": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "ern"},
        "Simulated error-related negativity, flanker responses as ERP CORE (40 subjects; offline).",
    ),
    "simulated-ern-tiny": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "ern-tiny"},
        "A tiny simulated ERN study (5 subjects x 300 responses), for tests and smoke runs (seconds).",
    ),
    "simulated-lrp": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "lrp"},
        "Simulated lateralized readiness potential, flanker responses as ERP CORE (40 subjects; offline).",
    ),
    "simulated-lrp-tiny": (
        "neuroarena.studies.simulated_erp.study:SimulatedErp", {"preset": "lrp-tiny"},
        "A tiny simulated LRP study (5 subjects x 200 responses), for tests and smoke runs (seconds).",
    ),
}


def study_class(name: str) -> type["Study"]:
    """Return the study class registered under ``name`` (case-insensitive)."""
    key = name.lower()
    if key not in STUDIES:
        close = difflib.get_close_matches(key, list(STUDIES), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise NeuroarenaError(
            f"unknown dataset '{name}'",
            fix=f"{hint}see `neuroarena list studies` (known: {', '.join(sorted(STUDIES))})",
        )
    module, _, cls = STUDIES[key][0].partition(":")
    return getattr(import_module(module), cls)


def get_study(name: str, root: str | Path | None = None) -> "Study":
    """Instantiate the study ``name``; ``root`` defaults to the study's own folder under the home."""
    cls = study_class(name)
    params = dict(STUDIES[name.lower()][1])
    if root is not None:
        params["root"] = root
    return cls(**params)
