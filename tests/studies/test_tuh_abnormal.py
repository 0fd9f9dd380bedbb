"""TUAB: the reader on EDF files in the corpus's v3.0.1 layout (TUH channel names with non-EEG channels, a file at
256 Hz, a file too short for a crop, a stray file), its eval split as the test set, and the pathology task."""
from __future__ import annotations

import datetime

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import SkippedWarning
from neuroarena.studies.tuh_abnormal import TuhAbnormal

EEG = ["FP1", "FP2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8", "T3", "T4", "T5", "T6", "FZ",
       "CZ", "PZ", "T1", "T2"]
OTHER = ["EEG EKG1-REF", "EMG-REF", "PHOTIC-REF", "IBI", "BURSTS", "SUPPR"]


def write_edf(path, seconds: float, abnormal: bool, rng, sfreq: float = 250.0) -> None:
    """One TUAB-like recording: 10-20 EEG (abnormal: strong 2 Hz slowing) and the non-EEG channels."""
    import edfio

    n = int(seconds * sfreq)
    t = np.arange(n) / sfreq
    signals = []
    for name in EEG:
        data = 20 * rng.standard_normal(n) + 15 * np.sin(2 * np.pi * 10 * t + rng.uniform(0, 6))
        if abnormal:
            data += 60 * np.sin(2 * np.pi * 2 * t + rng.uniform(0, 6))
        signals.append(edfio.EdfSignal(data, sfreq, label=f"EEG {name}-REF", physical_dimension="uV"))
    signals += [edfio.EdfSignal(rng.standard_normal(n), sfreq, label=name, physical_dimension="uV")
                for name in OTHER]
    path.parent.mkdir(parents=True, exist_ok=True)
    edfio.Edf(signals, starttime=datetime.time(10, 0), data_record_duration=1.0).write(path)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("tuab")
    rng = np.random.default_rng(0)
    edf = root / "v3.0.1" / "edf"
    letters = "abcdefghijklmnop"
    for i, subject in enumerate(letters):
        split = "eval" if i >= 12 else "train"
        status = "abnormal" if i % 2 else "normal"
        write_edf(edf / split / status / "01_tcp_ar" / f"aaaaaa{subject}a_s00{1 + i % 3}_t000.edf", 120.0,
                  status == "abnormal", rng, sfreq=256.0 if i == 3 else 250.0)
    write_edf(edf / "train" / "normal" / "01_tcp_ar" / "aaaaaaza_s001_t001.edf", 30.0, False, rng)  # too short
    (edf / "train" / "normal" / "01_tcp_ar" / "notes.edf").write_bytes(b"")  # stray
    return root


def test_recordings_channels_crops_and_the_eval_split(corpus):
    study = TuhAbnormal(corpus)
    with pytest.warns(SkippedWarning, match="notes.edf"):
        recordings = study.recordings()
    assert len(recordings) == 17 and all(r.subject.isalpha() for r in recordings)
    assert {r.session for r in recordings} == {"001", "002", "003"}
    by_stem = {r.path.stem: r for r in recordings}
    recording = by_stem["aaaaaada_s001_t000"]
    raw = recording.load()
    assert set(raw.get_channel_types()) == {"eeg"} and len(raw.ch_names) == 19  # T1, T2: not 10-05 sites
    assert {"Fp1", "Cz", "O2"} <= set(raw.ch_names)  # braindecode's 10-05 names
    assert raw.info["sfreq"] == 256.0
    events = recording.events()
    assert events["onset"].tolist() == [60.0, 70.0, 80.0, 90.0, 100.0, 110.0]
    assert (events["kind"] == "crop").all() and (events["category"] == "abnormal").all()
    assert (events["split"] == "train").all() and (events["stimulus"] == "aaaaaada_s001_t000").all()
    assert set(by_stem["aaaaaama_s001_t000"].events()["split"]) == {"test"}
    with pytest.warns(SkippedWarning, match="30 s long"):
        assert by_stem["aaaaaaza_s001_t001"].events().empty


def test_a_missing_corpus_says_how_to_get_access(tmp_path):
    with pytest.raises(NeuroarenaError, match="no TUAB recording") as err:
        TuhAbnormal(tmp_path).recordings()
    assert "request access" in str(err.value)
    with pytest.raises(NeuroarenaError, match="licence"):
        TuhAbnormal(tmp_path).download()


def test_pathology_runs_end_to_end_on_the_eval_split(corpus):
    from neuroarena.runner.api import run

    frame = run("pathology", ["cov_ts_lr"], dataset="tuab", dataset_params={"root": str(corpus)},
                seeds=[0]).set_index("model")
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    assert frame.loc["dummy", "score"] == pytest.approx(0.5)
    assert frame.loc["cov_ts_lr", "score"] >= 0.9  # 2 Hz slowing in every abnormal recording
