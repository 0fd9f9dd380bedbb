"""A job's record key follows the files of its data: after an edit the job runs again, on the new store."""
from __future__ import annotations

import shutil

import pytest

from neuroarena.prepare.build import store_key
from neuroarena.results.records import ResultStore
from neuroarena.runner.executor import InProcessExecutor, job_key
from neuroarena.runner.job import JobSpec, run_job
from neuroarena.runner.progress import GridProgress
from neuroarena.studies.simulated.study import Simulated
from neuroarena.studies.spec import dataset_spec

EVENTS = "sub-01/ses-2/eeg/sub-01_ses-2_task-things_events.tsv"


@pytest.fixture(scope="module")
def tiny_bids(tmp_path_factory):
    study = Simulated(root=tmp_path_factory.mktemp("simulated") / "tiny", preset="tiny")
    study.download()
    return study.root


def test_the_job_key_follows_the_files(tiny_bids, tmp_path, neuroarena_home):
    root = tmp_path / "bids"
    shutil.copytree(tiny_bids, root)
    spec = JobSpec(task="category", dataset=dataset_spec(root, {"subjects": ["01"]}), model="dummy", seed=0,
                   debug=True, home=str(neuroarena_home))
    first = job_key(spec)
    assert job_key(spec) == first  # untouched files, same key
    record = run_job(spec)
    assert record.status == "ok", record.error
    assert record.key == first  # the key of the record is the planned one

    events = root / EVENTS
    lines = events.read_text().splitlines(keepends=True)
    events.write_text("".join(lines[:1] + lines[1::2]))  # half the trials of one recording removed
    edited = job_key(spec)
    assert edited != first and edited.config_hash != first.config_hash
    assert (edited.task, edited.dataset, edited.model, edited.seed) == (first.task, first.dataset, first.model, 0)
    study = spec.dataset.open()
    assert store_key(study, spec.prepare_config(spec.task_config())) in str(run_job(spec).data["store"])


def test_a_grid_reruns_a_finished_job_on_edited_data(tiny_bids, tmp_path, neuroarena_home):
    root = tmp_path / "bids"
    shutil.copytree(tiny_bids, root)
    spec = JobSpec(task="category", dataset=dataset_spec(root, {"subjects": ["01"]}), model="dummy", seed=1,
                   debug=True, home=str(neuroarena_home))
    records = ResultStore(tmp_path / "records")
    [before] = InProcessExecutor().run([spec], records)
    with GridProgress() as progress:
        InProcessExecutor().run([spec], records, progress=progress)
    assert progress.counts.skipped == 1  # nothing changed: the finished job is not run again

    events = root / EVENTS
    lines = events.read_text().splitlines(keepends=True)
    events.write_text("".join(lines[:1] + lines[1::2]))
    with GridProgress() as progress:
        [after] = InProcessExecutor().run([spec], records, progress=progress)
    assert (progress.counts.skipped, progress.counts.done) == (0, 1)
    assert before.status == after.status == "ok" and after.key != before.key
    assert after.data["store"] != before.data["store"]
    assert records.get(before.key) == before and records.get(after.key) == after
