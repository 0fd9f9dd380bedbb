"""Simulated CHB-MIT: the release's files read by the real reader (HED-SCORE events, bckg rows, sub-01's second
session, a run without its events file, the same bytes on every build), the oracle's ceiling, and the seizure task
end to end."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import SkippedWarning
from neuroarena.studies.chb_mit import ChbMit, seizure_intervals
from neuroarena.studies.simulated_chbmit import CLASSES, SimulatedChbMit, runs

BIPOLAR = ["FP1-F7", "F7-T7", "T7-P7", "P7-O1", "FP1-F3", "F3-C3", "C3-P3", "P3-O1", "FP2-F4", "F4-C4", "C4-P4",
           "P4-O2", "FP2-F8", "F8-T8", "T8-P8", "P8-O2", "FZ-CZ", "CZ-PZ"]
HED_SCORE = ["onset", "duration", "eventType", "confidence", "channels", "dateTime", "recordingDuration"]
SMALL = {"n_subjects": 3, "max_runs": 2, "run_minutes": 3.0}  # 7 runs of ~3 min


@pytest.fixture(scope="module")
def tiny() -> SimulatedChbMit:
    from neuroarena.studies.registry import get_study

    study = get_study("simulated-chbmit-tiny")
    study.download()
    return study


def _events_frame(study: SimulatedChbMit) -> pd.DataFrame:
    """The crops of every recording, as a window store's metadata lists them (recording, onset, category)."""
    return pd.concat([r.events().assign(recording=r.id) for r in study.recordings()], ignore_index=True)


def test_the_simulated_files_are_the_release_read_by_the_real_reader(tiny):
    root = tiny.root
    assert root.name == "BIDS_CHB-MIT"
    participants = pd.read_csv(root / "participants.tsv", sep="\t")
    assert participants["participant_id"].tolist() == [f"sub-{i:02d}" for i in range(1, 16)]
    assert {"age", "sex"} <= set(participants.columns)
    assert json.loads((root / "dataset_description.json").read_text())["DatasetType"] == "raw"
    assert set(json.loads((root / "events.json").read_text())) == set(HED_SCORE)
    assert sorted(p.name for p in (root / "sub-01").iterdir()) == ["ses-01", "ses-02"]
    edfs = sorted(root.glob("sub-*/ses-*/eeg/*_task-szMonitoring_run-*_eeg.edf"))
    assert all(p.with_name(p.name.replace("_eeg.edf", "_eeg.json")).is_file() for p in edfs)
    tables = {p: pd.read_csv(p, sep="\t") for p in root.glob("sub-*/ses-*/eeg/*_events.tsv")}
    assert len(tables) == len(edfs) - 1
    bckg = [t for t in tables.values() if (t["eventType"] == "bckg").any()]
    assert bckg and all(len(t) == 1 and t["onset"][0] == 0 and t["duration"][0] == t["recordingDuration"][0]
                        for t in bckg)  # a seizure-free recording: one bckg row as long as it
    for table in tables.values():
        assert table.columns.tolist() == HED_SCORE
        assert set(table["eventType"]) <= {"sz", "sz-foc", "bckg"}

    study = ChbMit(root, background_per_hour=120)  # the real reader
    with pytest.warns(SkippedWarning, match=r"sub-02_ses-01_task-szMonitoring_run-0\d_events.tsv is absent"):
        recordings = study.recordings()
    assert len(recordings) == len(edfs) - 1
    assert {r.session for r in recordings if r.subject == "01"} == {"01", "02"}
    first = next(r for r in recordings if (seizure_intervals(pd.read_csv(r.files[1], sep="\t")).size))
    raw, events = first.load(), first.events()
    assert raw.ch_names == BIPOLAR and raw.info["sfreq"] == 256.0
    assert 10e-6 < raw.get_data().std() < 200e-6  # written in µV, read back in volts
    assert set(events["category"]) == {"seizure", "background"} and (events["kind"] == "crop").all()
    annotated = seizure_intervals(pd.read_csv(first.files[1], sep="\t"))
    for onset, category in zip(events["onset"], events["category"]):
        inside = sum(max(0.0, min(onset + 10, b) - max(onset, a)) for a, b in annotated)
        assert (inside >= 5) if category == "seizure" else (inside == 0)


def test_a_second_build_writes_the_same_bytes(tmp_path):
    def digests(root):
        return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}

    first = SimulatedChbMit(tmp_path / "a" / "BIDS_CHB-MIT", preset="tiny", config=SMALL)
    second = SimulatedChbMit(tmp_path / "b" / "BIDS_CHB-MIT", preset="tiny", config=SMALL)
    first.download()
    second.download()
    written = digests(first.root)
    assert len(written) > 20 and written == digests(second.root)
    other = SimulatedChbMit(first.root, preset="tiny", config={**SMALL, "seed": 1})
    with pytest.raises(NeuroarenaError, match="does not hold this simulated CHB-MIT release"):
        other.download()


@pytest.mark.filterwarnings("ignore::neuroarena.studies.base.SkippedWarning")
def test_the_oracle_reads_the_true_seizures(tiny):
    from neuroarena.runner.api import prepare
    from neuroarena.tasks.config import load_task

    metadata = prepare("seizure", "simulated-chbmit-tiny", progress=False).metadata
    config = load_task("seizure").prepare
    scores = tiny.oracle_outputs(metadata, config, classes=list(CLASSES))
    assert scores.shape == (len(metadata), 2)
    guess = np.asarray(CLASSES)[scores.argmax(axis=1)]
    wrong = guess != metadata["category"].to_numpy()
    assert 0 < wrong.sum() and wrong.mean() < 0.05  # the annotator moves seizure edges by up to 5 s
    truth = {run.name: run.seizures for run in runs(tiny.config)}
    for recording, onset in metadata.loc[wrong, ["recording", "onset"]].itertuples(index=False):
        edges = truth[recording].ravel()  # only a crop within the jitter of a true edge can be mislabelled
        jitter = tiny.config.jitter_seconds
        assert (np.abs(edges - onset) <= jitter).any() or (np.abs(edges - onset - 10) <= jitter).any()
    other = tiny.oracle_outputs(metadata, config, classes=["seizure", "spike", "background"])
    np.testing.assert_array_equal(other[:, [0, 2]], scores[:, [1, 0]])
    assert np.isneginf(other[:, 1]).all()
    assert tiny.oracle_outputs(metadata, config, target="age") is None
    assert tiny.oracle_outputs(metadata, config, stimuli=["a"], classes=list(CLASSES)) is None

    exact = SimulatedChbMit(preset="tiny", config={**SMALL, "jitter_seconds": 0})
    windows = _events_frame(exact)
    assert set(windows["category"]) == set(CLASSES)
    scores = exact.oracle_outputs(windows, config, classes=list(CLASSES))
    assert (np.asarray(CLASSES)[scores.argmax(axis=1)] == windows["category"].to_numpy()).all()


@pytest.mark.filterwarnings("ignore::neuroarena.studies.base.SkippedWarning")
def test_seizure_runs_end_to_end_below_its_ceiling(tiny):
    from neuroarena.runner.api import run

    frame = run("seizure", ["cov_ts_lr"], dataset="simulated-chbmit-tiny", seeds=[0]).set_index("model")
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    assert frame.loc["dummy", "score"] == pytest.approx(0.5)
    assert frame.loc["cov_ts_lr", "score"] > 0.75  # measured 0.91, the ceiling 0.99
    assert frame.loc["cov_ts_lr", "ceiling"] >= frame.loc["cov_ts_lr", "score"]
