"""--dataset as a name, a BIDS folder or a dataset YAML; parameters checked, labelled and hashed."""
from __future__ import annotations

from pathlib import Path

import pytest

from erp_bids_fixture import TASK, write_erp_bids
from neuroarena.errors import NeuroarenaError
from neuroarena.studies.bids import BidsStudy
from neuroarena.studies.simulated.study import Simulated
from neuroarena.studies.spec import DatasetSpec, dataset_spec, parse_params


@pytest.fixture(scope="module")
def erp_root(tmp_path_factory) -> Path:
    return write_erp_bids(tmp_path_factory.mktemp("erp"), n_subjects=3)


def test_a_registered_name_with_parameters():
    spec = dataset_spec("Simulated-Tiny", {"subjects": ["01"]})
    assert spec.name == "simulated-tiny" and spec.label == "simulated-tiny[subjects=01]"
    study = spec.open()
    assert isinstance(study, Simulated) and study.config.n_subjects == 2
    assert study.params()["subjects"] == ["01"]
    assert dataset_spec("simulated-tiny").label == "simulated-tiny"


def test_a_bids_folder_reads_through_the_generic_study(erp_root):
    spec = dataset_spec(erp_root, {"event_columns": {"trial_type": "category"}})
    assert spec.name == "bids" and spec.label == f"bids:{erp_root.name}[event_columns=trial_type:category]"
    study = spec.open()
    assert isinstance(study, BidsStudy) and study.task == TASK  # the folder's only task
    recordings = study.recordings()
    assert [r.subject for r in recordings] == ["01", "02", "03"]
    events = recordings[0].events()
    # trial_type holds the class; no column says what an event is, so each one is a stimulus
    assert set(events["category"]) == {"left", "right", "up", "down"}
    assert set(events["kind"]) == {"stimulus"}


def test_a_bids_folder_with_two_tasks_needs_one_named(erp_root, tmp_path):
    import shutil

    root = tmp_path / "two"
    shutil.copytree(erp_root, root)
    for path in list((root / "sub-01" / "eeg").glob(f"*task-{TASK}*")):
        shutil.copy(path, path.with_name(path.name.replace(f"task-{TASK}", "task-rest")))
    with pytest.raises(NeuroarenaError, match="holds tasks erp, rest -> name the task: --dataset-param task="):
        dataset_spec(root).open()
    assert dataset_spec(root, {"task": "rest"}).open().recordings()[0].task == "rest"


def test_a_dataset_yaml_names_a_study_and_its_parameters(tmp_path):
    folder = tmp_path / "configs"
    folder.mkdir()
    path = folder / "mine.yaml"
    path.write_text("study: simulated-tiny\nlabel: two-sessions\nsessions: [1, 2]\nroot: ../sim\n")
    spec = dataset_spec(path)
    assert spec.label == "two-sessions" and spec.source == str(path)
    assert spec.params == {"sessions": [1, 2], "root": str((tmp_path / "sim").resolve())}
    merged = dataset_spec(path, {"sessions": [3]})
    assert merged.params["sessions"] == [3] and merged.label == "two-sessions[sessions=3]"
    study = merged.open()
    assert study.root == tmp_path / "sim" and study.sessions == ["3"]
    assert {r.session for r in study.recordings()} == {"3"}


@pytest.mark.parametrize("text, expected", [
    ("study: [unclosed\n", "not valid YAML at line 2 -> fix the syntax"),
    ("root: /data\n", "a mapping with a 'study' key"),
    ("study: simulatd\n", "unknown dataset 'simulatd'"),
    ("study: simulated-tiny\nsubjcts: [1]\n", "study simulated-tiny takes no parameter 'subjcts' -> use some of: root"),
    ("!!python/object/apply:os.system ['echo hacked']\n", "not valid YAML"),
])
def test_bad_dataset_yaml_gives_one_line(tmp_path, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(NeuroarenaError) as info:
        dataset_spec(path)
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_bad_paths_and_parameters(tmp_path):
    with pytest.raises(NeuroarenaError, match="no such dataset folder or YAML file"):
        dataset_spec(tmp_path / "nowhere" / "data")
    with pytest.raises(NeuroarenaError, match="dataset YAML not found"):
        dataset_spec(tmp_path / "missing.yaml")
    with pytest.raises(NeuroarenaError, match="not a BIDS dataset .no dataset_description.json."):
        dataset_spec(tmp_path)
    with pytest.raises(NeuroarenaError, match="takes no parameter 'layout'"):
        dataset_spec("simulated-tiny", {"layout": "course"})
    with pytest.raises(NeuroarenaError, match="is not KEY=VALUE"):
        parse_params(["layout"])
    assert parse_params(["subjects=[1, 2]", "layout=course", "event_columns={trial_type: category}"]) == {
        "subjects": [1, 2], "layout": "course", "event_columns": {"trial_type": "category"}}


def test_labels_stay_short_and_distinct():
    many = [f"{i:02d}" for i in range(1, 30)]
    long = DatasetSpec(name="ds005589", params={"subjects": many}).label
    assert long.startswith("ds005589[") and len(long) < 30
    assert long != DatasetSpec(name="ds005589", params={"subjects": many[:-1]}).label
    assert DatasetSpec(name="ds005589", params={"root": "/x", "subjects": None}).label == "ds005589"
