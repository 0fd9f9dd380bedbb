"""Multitask jobs: one net with a head per regression task (and an auxiliary correctness head), trained once
for the whole group on the tiny simulated HBN releases, each task scored through its own head."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from neuroarena.challenges.eeg2025_scoring import score_submission
from neuroarena.challenges.eeg2025_submission import package_submission
from neuroarena.errors import NeuroarenaError
from neuroarena.home import results_dir
from neuroarena.runner.api import expand_jobs
from neuroarena.runner.checkpoints import load_checkpoint, rebuild_net
from neuroarena.runner.job import JobSpec, _joint_tasks, open_store, run_job
from neuroarena.runner.multitask import AUX_COLUMN, JointTasks
from neuroarena.runner.targets import make_targets
from neuroarena.splits.splitters import make_splitter
from neuroarena.tasks.config import SplitConfig
from neuroarena.training.data import WindowBatches
from neuroarena.training.multitask import JointBatches, JointObjective

DATASET, GROUP = "simulated-hbn-tiny", ("rt", "externalizing")
#: The tiny preset's training releases hold 8 subjects, one without factors: val needs 2 with one (0.4 -> 3).
SPLIT = SplitConfig(name="by_release", params={"test_releases": ["R5"], "val_fraction": 0.4, "seed": 0})


class _Windows:
    """Window ``i`` is filled with the value ``i``, shape (2, 3)."""

    def take(self, indices):
        return np.repeat(np.asarray(indices, np.float32)[:, None, None], 2, axis=1).repeat(3, axis=2)


def test_joint_batches_put_each_target_in_its_tasks_column():
    first = WindowBatches(_Windows(), np.array([10, 11, 12]), np.array([[0.5], [1.5], [2.5]], np.float32))
    second = WindowBatches(_Windows(), np.array([20, 21]), np.array([[-1.0], [-2.0]], np.float32))
    joint = JointBatches([first, second], [np.array([0, 1, 1]), np.array([2, 0])],
                         [np.array([1.0, np.nan, 0.0]), None])
    assert len(joint) == 5
    batch = joint[[4, 0, 3, 2]]
    assert batch["positions"].tolist() == [0, 2, 3, 4]
    assert batch["X"][:, 0, 0].tolist() == [10, 12, 20, 21]  # the windows of both parts, in position order
    y = batch["y"].numpy()
    assert y[:2, 0].tolist() == [0.5, 2.5] and np.isnan(y[:2, 1]).all()
    assert y[2:, 1].tolist() == [-1.0, -2.0] and np.isnan(y[2:, 0]).all()
    assert batch["subject"].tolist() == [0, 1, 2, 0]
    assert batch["aux"][:2].tolist() == [1.0, 0.0] and torch.isnan(batch["aux"][2:]).all()
    mine, local = joint.part_positions(np.array([4, 0, 3]), 1)
    assert mine.tolist() == [True, False, True] and local.tolist() == [1, 0]


def test_joint_objective_sums_each_heads_error_on_its_own_windows():
    outputs = torch.tensor([[1.0, 9.0, 2.0], [3.0, 9.0, -1.0], [9.0, 0.5, 0.3]])
    nan = float("nan")
    batch = {"y": torch.tensor([[0.0, nan], [1.0, nan], [nan, 1.5]]), "aux": torch.tensor([1.0, 0.0, nan])}
    objective = JointObjective(["rt", "externalizing"], aux_weight=0.1)
    rt = ((1 - 0) ** 2 + (3 - 1) ** 2) / 2
    externalizing = (0.5 - 1.5) ** 2
    aux = F.binary_cross_entropy_with_logits(torch.tensor([2.0, -1.0]), torch.tensor([1.0, 0.0])).item()
    assert objective(outputs, batch).item() == pytest.approx(rt + externalizing + 0.1 * aux)
    only_rt = {"y": batch["y"][:2], "aux": torch.tensor([nan, nan])}  # a batch without the other task's windows
    assert objective(outputs[:2], only_rt).item() == pytest.approx(rt)
    assert JointObjective(["rt", "externalizing"]).names == ["mse:rt", "mse:externalizing"]
    with pytest.raises(NeuroarenaError, match="weight must be 0 or more"):
        JointObjective(["rt"], aux_weight=-1.0)


def test_multitask_requests_are_checked_before_any_job_runs(tmp_path):
    jobs = expand_jobs(list(GROUP), ["eegnet", "cov_ts_ridge"], DATASET, seeds=[0], home=tmp_path,
                       multitask=True, aux_weight=0.1)
    grouped = {(job.task, job.model): job.multitask for job in jobs}
    assert grouped[("rt", "eegnet")] == grouped[("externalizing", "eegnet")] == GROUP
    assert grouped[("rt", "cov_ts_ridge")] == grouped[("rt", "dummy")] == ()  # no net: each task alone
    for tasks, kwargs, message in ((["rt"], {"multitask": True}, "two tasks or more"),
                                   (["rt", "category"], {"multitask": True}, "category is classification"),
                                   (list(GROUP), {"aux_weight": 0.1}, "add --multitask"),
                                   (list(GROUP), {"multitask": True, "aux_weight": -0.5}, "0 or more")):
        with pytest.raises(NeuroarenaError, match=message):
            expand_jobs(tasks, ["eegnet"], DATASET, seeds=[0], home=tmp_path, **kwargs)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The rt and externalizing jobs of one eegnet with both heads and the correctness head (1 epoch)."""
    home = tmp_path_factory.mktemp("multitask-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEUROARENA_HOME", str(home))
        specs = {task: JobSpec(task=task, dataset=DATASET, model="eegnet", seed=0, home=str(home), split=SPLIT,
                               recipe_overrides={"max_epochs": 1}, multitask=GROUP, aux_weight=0.1)
                 for task in GROUP}
        records = {}
        for task in GROUP:
            records[task] = run_job(specs[task])
            assert records[task].status == "ok", records[task].error
        yield {"home": home, "specs": specs, "records": records}


def test_one_fit_serves_every_task_of_the_group(trained):
    rt, ext = trained["records"]["rt"], trained["records"]["externalizing"]
    assert rt.key.model == ext.key.model == "eegnet+multitask+aux"
    first, second = rt.training["multitask"], ext.training["multitask"]
    assert (first["reused"], second["reused"]) == (False, True)  # the second job trained nothing
    assert rt.training["gradient_flow"] == ext.training["gradient_flow"]  # kept with the shared weights
    assert rt.training["gradient_flow"]["layers"] and rt.training["gradient_flow"]["grad_norm"]
    assert first["shared_fit"] == second["shared_fit"] and (first["column"], second["column"]) == (0, 1)
    assert rt.training["objective"] == {"terms": ["mse:rt", "mse:externalizing", f"bce:{AUX_COLUMN}"],
                                        "weights": [1.0, 1.0, 0.1]}
    shared = torch.load(results_dir() / first["shared_fit"], weights_only=False)["state_dict"]
    for record in (rt, ext):
        payload = load_checkpoint(results_dir() / record.training["checkpoint"])
        assert payload["n_outputs"] == 3 and payload["output"] == record.training["multitask"]["column"]
        assert all(torch.equal(shared[k], v) for k, v in payload["state_dict"].items())
    assert np.isfinite([rt.metrics["nrmse"], ext.metrics["nrmse"]]).all()


def test_a_tasks_checkpoint_answers_with_its_own_head(trained):
    rt = trained["records"]["rt"]
    payload = load_checkpoint(results_dir() / rt.training["checkpoint"])
    net = rebuild_net(payload)
    full = rebuild_net({**payload, "output": None})
    x = torch.randn(4, 129, 200)
    with torch.no_grad():
        assert net(x).shape == (4, 1)
        assert torch.allclose(net(x), full(x)[:, :1])


def test_a_multitask_submission_scores_each_runs_own_test_nrmse(trained, tmp_path):
    rt, ext = trained["records"]["rt"], trained["records"]["externalizing"]
    zip_path = package_submission(rt, ext, tmp_path / "submission.zip")
    scores = score_submission(zip_path, trained["specs"]["rt"].dataset.open().root, fast_dev_run=False)
    assert scores["challenge_1"] == pytest.approx(rt.metrics["nrmse"], abs=1e-5)
    assert scores["challenge_2"] == pytest.approx(ext.metrics["nrmse"], abs=1e-5)


def test_tasks_that_test_different_subjects_cannot_train_together(trained):
    spec = trained["specs"]["rt"]
    task = spec.task_config()
    _, store = open_store(spec, task)
    joint = _joint_tasks(spec, task, store, trained_targets(store, task, ["R5"]))
    assert [m.task.name for m in joint.members] == list(GROUP) and len(joint.subjects) == 10
    other = dataclasses.replace(joint.members[0], targets=trained_targets(store, task, ["R4"]))
    with pytest.raises(NeuroarenaError, match="is a test subject of one task and trains another"):
        JointTasks([other, joint.members[1]], 0)


def trained_targets(store, task, test_releases):
    split = make_splitter("by_release", test_releases=test_releases, val_fraction=0.4, seed=0).split(store.metadata)
    return make_targets(task, store.metadata, split, None, str(store.root))
