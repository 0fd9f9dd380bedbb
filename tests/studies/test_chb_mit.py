"""CHB-MIT: the reader on its BIDS release's layout (HED-SCORE events with sz-foc and bckg rows, a second session
for sub-01, a run without its events file), the labelled crops, and the seizure task end to end."""
from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.base import SkippedWarning
from neuroarena.studies.chb_mit import ChbMit, labelled_crops

BIPOLAR = ["FP1-F7", "F7-T7", "T7-P7", "P7-O1", "FP1-F3", "F3-C3", "C3-P3", "P3-O1", "FP2-F4", "F4-C4", "C4-P4",
           "P4-O2", "FP2-F8", "F8-T8", "T8-P8", "P8-O2", "FZ-CZ", "CZ-PZ"]
SFREQ, SECONDS = 256.0, 300.0


def write_run(folder, name, seizures, rng, events=True) -> None:
    import edfio

    n = int(SECONDS * SFREQ)
    t = np.arange(n) / SFREQ
    data = 30 * rng.standard_normal((len(BIPOLAR), n))
    for start, stop in seizures:  # 3 Hz spike-and-wave, large
        inside = (t >= start) & (t < stop)
        data[:, inside] += 150 * np.sign(np.sin(2 * np.pi * 3 * t[inside]))
    folder.mkdir(parents=True, exist_ok=True)
    edfio.Edf([edfio.EdfSignal(data[c], SFREQ, label=label, physical_dimension="uV")
               for c, label in enumerate(BIPOLAR)], starttime=datetime.time(13, 43, 4)).write(
        folder / f"{name}_eeg.edf")
    if events:
        rows = [(start, stop - start, "sz-foc" if i % 2 else "sz") for i, (start, stop) in enumerate(seizures)]
        rows = rows or [(0.0, SECONDS, "bckg")]
        pd.DataFrame([{"onset": o, "duration": d, "eventType": e, "confidence": "n/a", "channels": "n/a",
                       "dateTime": "2016-11-06 13:43:04", "recordingDuration": SECONDS} for o, d, e in rows]).to_csv(
            folder / f"{name}_events.tsv", sep="\t", index=False)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("chb") / "BIDS_CHB-MIT"
    rng = np.random.default_rng(0)
    root.mkdir()
    pd.DataFrame({"participant_id": [f"sub-{i:02d}" for i in range(1, 7)], "age": 10, "sex": "F"}).to_csv(
        root / "participants.tsv", sep="\t", index=False)
    for i in range(1, 7):
        eeg = root / f"sub-{i:02d}" / "ses-01" / "eeg"
        write_run(eeg, f"sub-{i:02d}_ses-01_task-szMonitoring_run-00", [(60.0, 100.0), (200.0, 231.0)], rng)
        write_run(eeg, f"sub-{i:02d}_ses-01_task-szMonitoring_run-01", [], rng)
    write_run(root / "sub-01" / "ses-02" / "eeg", "sub-01_ses-02_task-szMonitoring_run-00", [(10.0, 40.0)], rng)
    write_run(root / "sub-02" / "ses-01" / "eeg", "sub-02_ses-01_task-szMonitoring_run-02", [], rng, events=False)
    return root


def test_crops_cover_every_seizure_and_draw_the_background():
    onsets, seizure = labelled_crops(np.array([[60.0, 100.0], [204.0, 216.0]]), 3600.0, 10.0, 20.0, seed=1)
    assert onsets[seizure].tolist() == [60.0, 70.0, 80.0, 90.0, 200.0, 210.0]  # half or more inside
    background = onsets[~seizure]
    assert len(background) == 20 and not ((background > 50) & (background < 100)).any()
    assert not ((background > 194) & (background < 216)).any()  # touching a seizure: neither class
    again, _ = labelled_crops(np.array([[60.0, 100.0], [204.0, 216.0]]), 3600.0, 10.0, 20.0, seed=1)
    np.testing.assert_array_equal(onsets, again)


def test_the_release_layout_is_read(release):
    study = ChbMit(release, background_per_hour=60)
    with pytest.warns(SkippedWarning, match="run-02_events.tsv is absent"):
        recordings = study.recordings()
    assert len(recordings) == 13
    assert {(r.subject, r.session) for r in recordings if r.subject == "01"} == {("01", "01"), ("01", "02")}
    events = recordings[0].events()
    assert events["category"].value_counts().to_dict() == {"seizure": 7, "background": 5}  # 4 + 3 crops
    assert (events["kind"] == "crop").all()
    assert set(recordings[1].events()["category"]) == {"background"}  # a bckg-only recording
    raw = recordings[0].load()
    assert raw.ch_names == BIPOLAR and raw.info["sfreq"] == SFREQ


def test_a_folder_that_is_not_the_release_says_so(tmp_path):
    with pytest.raises(NeuroarenaError, match="no participants.tsv"):
        ChbMit(tmp_path).recordings()


def test_seizure_runs_end_to_end(release):
    from neuroarena.runner.api import run

    frame = run("seizure", ["cov_ts_lr"], dataset="chb_mit",
                dataset_params={"root": str(release), "background_per_hour": 60}, seeds=[0]).set_index("model")
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    assert frame.loc["dummy", "score"] == pytest.approx(0.5)
    assert frame.loc["cov_ts_lr", "score"] >= 0.9  # spike-and-wave at 150 µV
