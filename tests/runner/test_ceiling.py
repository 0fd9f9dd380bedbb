"""The ceiling is the oracle scored like a model: same windows, same aggregation, same candidates."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score

from neuroarena.runner.job import JobSpec, open_store, run_job
from neuroarena.runner.targets import make_targets
from neuroarena.splits.splitters import make_splitter
from neuroarena.studies.spec import dataset_spec

# tiny, 2 subjects x 3 sessions; the image task's oracle works on the 20 unseen test images
SMALL = {"n_subjects": 2, "n_sessions": 3}


def _job(task: str, home, **config) -> JobSpec:
    dataset = dataset_spec("simulated-tiny", {"config": {**SMALL, **config}})
    return JobSpec(task=task, dataset=dataset, model="dummy", seed=0, home=str(home))


def _test_part(spec: JobSpec):
    """The study, store metadata and targets the job scored, rebuilt from its parts."""
    task = spec.task_config()
    study, store = open_store(spec, task)
    split = make_splitter(task.split.name, **task.split.params).split(store.metadata)
    table = study.stimulus_features() if task.target.kind == "embedding" else None
    return task, study, store.metadata, make_targets(task, store.metadata, split, table, str(store.root))


def test_image_ceiling_is_the_oracle_ranked_per_subject_by_hand(tmp_path):
    spec = _job("image", tmp_path)
    record = run_job(spec)
    assert record.status == "ok", record.error
    oracle = record.analyses["oracle"]
    assert oracle["source"] == "oracle" and record.ceiling == oracle["metrics"]["top5"]
    task, study, metadata, targets = _test_part(spec)
    test = targets.windows["test"]
    stimuli = np.unique(targets.stimulus["test"])
    scores = study.oracle_outputs(metadata.iloc[test], spec.prepare_config(task), stimuli=stimuli)
    assert scores.shape == (len(test), len(stimuli))
    # by hand: average the oracle's scores of each subject's repeats, rank its own stimulus (ties against)
    per_subject, pooled = [], []
    for subject in np.unique(targets.subject["test"]):
        mine = targets.subject["test"] == subject
        averaged = np.stack([scores[mine & (targets.stimulus["test"] == s)].mean(axis=0) for s in stimuli])
        ranks = (averaged >= np.diag(averaged)[:, None]).sum(axis=1) - 1
        per_subject.append([np.mean(ranks < 1), np.mean(ranks < 5)])
    averaged = np.stack([scores[targets.stimulus["test"] == s].mean(axis=0) for s in stimuli])
    ranks = (averaged >= np.diag(averaged)[:, None]).sum(axis=1) - 1
    pooled = [np.mean(ranks < 1), np.mean(ranks < 5)]
    assert [oracle["metrics"]["top1"], oracle["metrics"]["top5"]] == pytest.approx(np.mean(per_subject, axis=0))
    assert [oracle["metrics"]["top1_pooled"], oracle["metrics"]["top5_pooled"]] == pytest.approx(pooled)
    # the model's per-subject score is the mean of the per-subject scores in its record
    per_subject_record = [s["top5"] for s in record.analyses["per_subject"].values()]
    assert record.metrics["top5"] == pytest.approx(np.mean(per_subject_record))
    # the dummy's reference scores: its own score, normalized 0, ceiling-normalized 0
    assert record.reference["dummy"] == pytest.approx(record.metrics["top5"])
    assert record.reference["normalized"] == pytest.approx(0.0)
    assert record.reference["ceiling_normalized"] == pytest.approx(0.0)


def test_category_ceiling_decodes_the_test_session_only(tmp_path):
    spec = _job("category", tmp_path)
    record = run_job(spec)
    assert record.status == "ok", record.error
    task, study, metadata, targets = _test_part(spec)
    test = targets.windows["test"]
    assert set(metadata.iloc[test]["session"]) == {"3"}  # by_session: the last session tests
    logits = study.oracle_outputs(metadata.iloc[test], spec.prepare_config(task), classes=targets.classes)
    expected = balanced_accuracy_score(targets.y["test"], logits.argmax(axis=1))
    assert record.ceiling == pytest.approx(expected)
    assert record.analyses["oracle"]["metrics"]["balanced_accuracy"] == record.ceiling
    assert 0.25 < record.ceiling <= 1.0


def test_ceiling_is_perfect_without_noise_and_near_chance_without_signal(tmp_path):
    loud = run_job(_job("image", tmp_path / "loud", snr=200.0))
    assert loud.analyses["oracle"]["metrics"]["top1"] == 1.0 and loud.ceiling == 1.0
    silent = run_job(_job("image", tmp_path / "silent", snr=1e-3))
    # 20 candidates: top-5 chance is 0.25
    assert silent.ceiling <= 0.5


def test_debug_runs_score_the_ceiling_on_the_windows_the_model_saw(tmp_path):
    # a signal weak enough that the Bayes decoder errs, so that its score depends on the windows scored
    full = run_job(_job("image", tmp_path, snr=0.05))
    debug = run_job(JobSpec(task="image", dataset=_job("image", tmp_path, snr=0.05).dataset, model="dummy", seed=0,
                            home=str(tmp_path), recipe_overrides={"limit_eval_batches": 1, "batch_size": 16}))
    assert debug.data["n_evaluated"]["test"] == 16 < full.data["n_evaluated"]["test"]
    assert full.ceiling < 1.0
    assert debug.analyses["oracle"]["metrics"] != full.analyses["oracle"]["metrics"]
