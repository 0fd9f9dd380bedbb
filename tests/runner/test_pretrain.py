"""Cross-subject pretraining on the simulated HBN movies, and fine-tuning a task from it (--init)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neuroarena.errors import NeuroarenaError
from neuroarena.home import cache_dir
from neuroarena.prepare.build import build_store
from neuroarena.runner.checkpoints import load_checkpoint
from neuroarena.runner.home import use_home
from neuroarena.runner.job import JobSpec, run_job
from neuroarena.runner.pretrain import MOVIE_PREPARE, PretrainSpec, initialise_from, pretrain_movies
from neuroarena.studies.spec import dataset_spec
from neuroarena.training.cross_subject import pair_batches


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    home = tmp_path_factory.mktemp("pretrain")
    spec = PretrainSpec(dataset="simulated-hbn-tiny", model="eegnex", seed=0, home=str(home),
                        recipe_overrides={"max_epochs": 2, "batch_size": 16})
    return home, pretrain_movies(spec)


def test_pretraining_pairs_subjects_at_one_movie_time_and_leaves_the_test_release_out(pretrained):
    home, summary = pretrained
    use_home(home)
    study = dataset_spec("simulated-hbn-tiny", {"tasks": ["ThePresent", "DespicableMe"]}).open()
    metadata = build_store(study, MOVIE_PREPARE, cache_dir(), progress=False).metadata
    test_subjects = set(metadata.loc[metadata["release"] == "R5", "subject"])
    assert test_subjects and not test_subjects & set(summary["subjects"] + summary["val_subjects"])
    train = metadata[~metadata["subject"].isin(test_subjects | set(summary["val_subjects"]))]
    stimulus, subject = train["stimulus"].to_numpy(), train["subject"].to_numpy()
    for batch in pair_batches(stimulus, subject, 16, seed=0)[:3]:
        pairs = np.asarray(batch).reshape(-1, 2)
        assert (stimulus[pairs[:, 0]] == stimulus[pairs[:, 1]]).all()  # one movie at one time
        assert (subject[pairs[:, 0]] != subject[pairs[:, 1]]).all()  # seen by two subjects
        times = train["movie_time"].to_numpy()
        assert (times[pairs[:, 0]] == times[pairs[:, 1]]).all()
    payload = load_checkpoint(summary["path"])
    assert (payload["model"], payload["n_chans"], payload["n_times"], payload["n_outputs"]) == ("eegnex", 129, 200, 128)
    assert payload["pretraining"]["config_hash"] == summary["config_hash"] and summary["epochs"] == 2
    assert 0 <= summary["best_val_top1"] <= 1 and summary["chance"] < 0.2


def test_a_task_starts_from_the_pretrained_encoder_and_says_so(pretrained):
    home, summary = pretrained
    base = dict(task="rt", dataset="simulated-hbn-tiny", model="eegnex", seed=0, home=str(home), debug=True)
    started = run_job(JobSpec(**base, init=summary["path"]))
    assert started.status == "ok", started.error
    init = started.training["init"]
    assert init["config_hash"] == summary["config_hash"] and init["loaded"] > 10
    assert all(name.startswith("final_layer") for name in init["left_as_built"])  # sized for another target
    scratch = run_job(JobSpec(**base))
    assert "init" not in scratch.training and scratch.key.config_hash != started.key.config_hash
    assert scratch.key.model == "eegnex" and started.key.model.startswith("eegnex+init-")  # never one row
    payload = load_checkpoint(summary["path"])
    from neuroarena.models.registry import build_model, get_model

    other = build_model(get_model("eegnet"), n_chans=129, n_outputs=1, n_times=200, sfreq=100.0, chs_info=None,
                        target_kind="regression")
    with pytest.raises(NeuroarenaError, match="checkpoint is of model 'eegnex', not 'eegnet'"):
        initialise_from(other, payload, "eegnet", 129, 200, 100.0)
    net = build_model(get_model("eegnex"), n_chans=129, n_outputs=1, n_times=200, sfreq=100.0, chs_info=None,
                      target_kind="regression")
    with pytest.raises(NeuroarenaError, match="takes 129 channels x 200 samples"):
        initialise_from(net, payload, "eegnex", 129, 400, 100.0)
    info = initialise_from(net, payload, "eegnex", 129, 200, 100.0)
    first = next(k for k in payload["state_dict"] if not k.startswith("final_layer"))
    assert torch.equal(net.state_dict()[first], payload["state_dict"][first]) and info["loaded"] == init["loaded"]
