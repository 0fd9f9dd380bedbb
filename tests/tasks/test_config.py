from pathlib import Path

import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.tasks.config import load_task, load_task_file, task_files


def test_builtin_tasks_load_with_their_choices():
    assert {"image", "category"} <= set(task_files())
    image = load_task("image")
    assert image.target.kind == "embedding"
    assert [t.loss for t in image.objective.terms] == ["clip"]
    assert image.monitor == "top5" and image.primary_metric == "top5"
    assert image.prepare.n_times == 100
    category = load_task("category")
    assert category.target.kind == "classification"
    assert category.primary_metric == "balanced_accuracy"
    assert category.recipe.lr == 1e-4 and category.recipe.weight_decay == 0.05
    assert category.recipe.max_epochs == 50 and category.recipe.patience == 10


def test_hash_is_stable_and_tracks_content(tmp_path):
    text = Path(task_files()["category"]).read_text()
    a = tmp_path / "a.yaml"
    a.write_text(text)
    b = tmp_path / "b.yaml"
    b.write_text(text.replace("sfreq: 100.0", "sfreq: 120.0"))
    assert load_task_file(a).hash == load_task("category").hash
    assert load_task_file(b).hash != load_task("category").hash


def test_malformed_yaml_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nmetrics: [top1,\n  primary: :\n")
    with pytest.raises(NeuroarenaError) as info:
        load_task_file(bad)
    message = str(info.value)
    assert str(bad) in message and "malformed YAML" in message and "line" in message
    assert "\n" not in message


def test_yaml_cannot_execute_code(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("name: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(NeuroarenaError, match="malformed YAML"):
        load_task_file(evil)


def test_invalid_field_and_unknown_task(tmp_path):
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(Path(task_files()["image"]).read_text().replace("primary_metric: top5", "primary_metric: auc"))
    with pytest.raises(NeuroarenaError, match="wrong.yaml"):
        load_task_file(wrong)
    with pytest.raises(NeuroarenaError, match="did you mean 'image'"):
        load_task("imag")


@pytest.mark.parametrize("name", sorted(task_files()))
def test_every_builtin_task_loads_and_names_a_registered_dataset(name):
    from neuroarena.studies.registry import STUDIES

    task = load_task(name)
    assert task.name == name
    assert task.default_dataset in STUDIES, f"{name}: default_dataset {task.default_dataset!r} is not registered"
    prepare = task.prepare
    if prepare.baseline is not None:  # the baseline lies inside the window
        assert prepare.window_start <= prepare.baseline[0] < prepare.baseline[1]
        assert prepare.baseline[1] <= prepare.window_start + prepare.window_duration
