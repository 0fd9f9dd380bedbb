"""A trained net's weights are kept beside its record, and the net rebuilt from them predicts what it did."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neuroarena.errors import NeuroarenaError
from neuroarena.home import results_dir
from neuroarena.runner.checkpoints import load_checkpoint, rebuild_net
from neuroarena.runner.job import JobSpec, open_store, run_job
from neuroarena.splits.splitters import make_splitter
from neuroarena.studies.spec import dataset_spec


def test_a_trained_net_is_kept_and_rebuilt(tmp_path):
    dataset = dataset_spec("simulated-tiny", {"config": {"n_subjects": 2, "n_sessions": 3}})
    spec = JobSpec(task="category", dataset=dataset, model="eegnet", seed=0, home=str(tmp_path), debug=True)
    record = run_job(spec)
    assert record.status == "ok", record.error
    path = results_dir(tmp_path) / record.training["checkpoint"]
    assert path.name == record.key.relpath.with_suffix(".pt").name
    payload = load_checkpoint(path)
    assert (payload["model"], payload["n_outputs"], payload["target_kind"]) == ("eegnet", 4, "classification")
    net = rebuild_net(payload)
    # the rebuilt net predicts the record's test labels on the same windows
    task = spec.task_config()
    _, store = open_store(spec, task)
    test = make_splitter(task.split.name, **task.split.params).split(store.metadata).test
    predicted = record.test_items["y_pred"]
    X = torch.as_tensor(np.asarray(store.take(test[:len(predicted)]), dtype=np.float32))
    with torch.inference_mode():
        assert net(X).argmax(dim=1).tolist() == predicted
    with pytest.raises(NeuroarenaError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(NeuroarenaError, match="cannot read checkpoint"):
        load_checkpoint(tmp_path / "bad.pt")
    # an estimator keeps no checkpoint
    assert "checkpoint" not in run_job(JobSpec(task="category", dataset=dataset, model="dummy", seed=0,
                                               home=str(tmp_path))).training
