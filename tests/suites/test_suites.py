"""Suites: shipped files match their published versions, every entry names a real task and datasets, the
cross-task ranking, and a suite run end to end on offline counterparts."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.registry import study_class
from neuroarena.suites.ranking import suite_agreement, suite_ranking
from neuroarena.suites.suite import PUBLISHED, SUITE_DIR, Suite, load_suite, suite_names
from neuroarena.tasks.config import load_task


@pytest.mark.parametrize("name", [n for n in suite_names() if n != "core"])
def test_every_shipped_suite_is_published_at_its_version_and_names_real_tasks(name):
    suite = load_suite(name)
    assert PUBLISHED[(suite.name, suite.version)] == suite.content_hash  # a change needs a new version
    for entry in suite.entries:
        load_task(entry.task)
        study_class(entry.dataset), study_class(entry.simulated)


def test_changing_a_suite_without_a_version_bump_is_refused(tmp_path):
    data = yaml.safe_load((SUITE_DIR / "neuroarena-eeg-core.yaml").read_text())
    data["entries"][0]["dataset"] = "xu2024alljoined"
    edited = tmp_path / "core.yaml"
    edited.write_text(yaml.safe_dump(data))
    version = data["version"]
    with pytest.raises(NeuroarenaError, match=f"neuroarena-eeg-core v{version} was published with other entries"):
        load_suite(str(edited))
    data["version"] = version + 1  # a new, unpublished version
    edited.write_text(yaml.safe_dump(data))
    assert load_suite(str(edited)).version == version + 1
    assert load_suite("core").description == Suite.model_validate(
        yaml.safe_load((SUITE_DIR / "neuroarena-eeg-core.yaml").read_text())).description


def _suite(entries):
    return Suite(name="t", version=1, entries=[dict(task=t, category=c, dataset=d, simulated=d) for t, c, d in entries])


def test_the_core_suite_spans_the_categories_each_task_once_on_an_offline_counterpart_with_a_ceiling():
    core = load_suite("core")
    tasks = [entry.task for entry in core.entries]
    assert len(tasks) == len(set(tasks)) >= 22  # one dataset per task
    assert {entry.category for entry in core.entries} == {"visual decoding", "BCI", "evoked responses", "sleep",
                                                          "clinical", "phenotyping"}
    for entry in core.entries:
        assert entry.simulated.startswith("simulated"), entry  # a simulation, not MOABB's noise generator


def test_ranking_averages_ranks_within_the_suite_with_categories_and_an_interval():
    table = pd.DataFrame([  # three tasks; a fourth task outside the suite must not count
        ("a", "x", "m1", 1), ("a", "x", "m2", 2), ("b", "x", "m1", 2), ("b", "x", "m2", 1),
        ("c", "y", "m1", 1), ("c", "y", "m2", 2), ("z", "x", "m2", 1), ("z", "x", "m1", 2)],
        columns=["task", "dataset", "model", "rank"])
    suite = _suite([("a", "bci", "x"), ("b", "bci", "x"), ("c", "sleep", "y")])
    ranking = suite_ranking(table, suite).set_index("model")
    assert ranking.loc["m1", "mean_normalized_rank"] == pytest.approx((0.5 + 1.0 + 0.5) / 3)
    assert ranking.loc["m2", "mean_normalized_rank"] == pytest.approx((1.0 + 0.5 + 1.0) / 3)
    assert ranking.index[0] == "m1" and (ranking["n_tasks"] == 3).all()
    assert ranking.loc["m1", "bci"] == pytest.approx(0.75) and ranking.loc["m1", "sleep"] == pytest.approx(0.5)
    assert (ranking["ci_low"] <= ranking["mean_normalized_rank"]).all()
    assert (ranking["mean_normalized_rank"] <= ranking["ci_high"]).all()
    flagged = table.assign(caveats=["", "", "", "", "the test windows hold one class only", "", "", ""])
    without_c = suite_ranking(flagged, suite).set_index("model")  # a caveat on one row leaves task c out
    assert (without_c["n_tasks"] == 2).all() and "sleep" not in without_c.columns
    assert without_c.loc["m1", "mean_normalized_rank"] == pytest.approx(0.75)
    four = pd.DataFrame([(t, "x", m, r) for t, order in (("a", "1234"), ("b", "1234"), ("c", "4321"), ("d", "4321"))
                         for m, r in zip(("m1", "m2", "m3", "m4"), map(int, order))],
                        columns=["task", "dataset", "model", "rank"])  # tau needs 4 models
    first, second = _suite([("a", "bci", "x"), ("b", "bci", "x")]), _suite([("c", "bci", "x"), ("d", "bci", "x")])
    assert suite_agreement(four, first, first)[0] == pytest.approx(1.0)
    assert suite_agreement(four, first, second)[:2][0] == pytest.approx(-1.0)  # the model order reversed


def test_a_suite_runs_every_entry_on_its_offline_counterpart(tmp_path, capsys):
    from neuroarena.cli import main
    from neuroarena.runner.api import run_suite

    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump({"name": "mini", "version": 1, "entries": [
        {"task": "motor_imagery", "category": "BCI", "dataset": "stieger2021", "simulated": "moabb-fake-imagery"},
        {"task": "category", "category": "visual decoding", "dataset": "wang2025multisession",
         "simulated": "simulated-tiny"}]}))
    frame = run_suite(str(path), ["cov_ts_lr"], simulated=True, seeds=[7])  # a seed no other test runs: no reuse
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    assert set(zip(frame["task"], frame["dataset"])) == {("motor_imagery", "moabb-fake-imagery"),
                                                         ("category", "simulated-tiny")}
    from neuroarena.home import results_dir
    from neuroarena.results.records import ResultStore

    ran = set(frame["config_hash"])
    records = [r for r in ResultStore(results_dir() / "records")  # the dummy's records may be an earlier test's
               if r.key.config_hash in ran and r.key.model == "cov_ts_lr" and r.key.seed == 7]
    assert len(records) == 2 and all(r.data["job"]["suite"] == "mini v1" for r in records)
    with pytest.raises(SystemExit):
        main(["eeg", str(path), "--dataset", "simulated"])
    assert "names its own tasks and datasets" in capsys.readouterr().err
