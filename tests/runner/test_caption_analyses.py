"""Caption analyses are per subject, like the caption metrics, with the pooled figures beside them."""
from __future__ import annotations

import numpy as np
import pytest

from neuroarena.runner.analyses import caption_analyses
from neuroarena.runner.job import JobSpec, _tables, open_store
from neuroarena.runner.stimulus_spaces import job_spaces
from neuroarena.runner.targets import make_targets
from neuroarena.splits.splitters import make_splitter
from neuroarena.studies.spec import dataset_spec


@pytest.fixture(scope="module")
def caption_targets(tmp_path_factory):
    dataset = dataset_spec("simulated-tiny", {})
    spec = JobSpec(task="caption", dataset=dataset, model="dummy", seed=0, home=str(tmp_path_factory.mktemp("cap")))
    task = spec.task_config()
    study, store = open_store(spec, task)
    split = make_splitter(task.split.name, **task.split.params).split(store.metadata)
    stimuli = study.stimuli()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEUROARENA_HOME", spec.home)
        table = _tables(task, study, job_spaces(task, study, spec.embedder), stimuli)["target"]
    return make_targets(task, store.metadata, split, table, str(store.root)), stimuli["caption"]


def test_one_perfect_subject_and_one_guessing_subject_average_to_the_middle(caption_targets):
    targets, captions = caption_targets
    positions = np.arange(len(targets.windows["test"]))
    subject = targets.subject["test"]
    first = subject == np.unique(subject)[0]
    rng = np.random.default_rng(0)
    outputs = targets.y["test"].astype(float).copy()  # the first subject predicts its captions exactly
    # the second guesses, with outputs so small that averaged with the first they change nothing
    outputs[~first] = 1e-3 * rng.standard_normal((int((~first).sum()), outputs.shape[1]))
    out = caption_analyses(targets, outputs, positions, captions)
    assert set(out) == {"map_per_class", "bertscore", "clipscore",
                        "map_per_class_pooled", "bertscore_pooled", "clipscore_pooled"}
    alone = caption_analyses(targets, outputs[first], positions[first], captions)
    guess = caption_analyses(targets, outputs[~first], positions[~first], captions)
    # a subject alone is its own mean and its own pool
    assert alone["map_per_class"] == alone["map_per_class_pooled"]
    assert alone["bertscore"]["mean"] == pytest.approx(1.0, abs=1e-4)  # its own caption comes first
    for name in ("map_per_class", "clipscore"):
        for key, value in out[name].items():
            assert value == pytest.approx((alone[name][key] + guess[name][key]) / 2), (name, key)
    assert out["bertscore"]["share_above"] == pytest.approx(
        (alone["bertscore"]["share_above"] + guess["bertscore"]["share_above"]) / 2)
    # pooling the repeats of both subjects lets the perfect one carry the guesser: it inflates the score
    assert np.mean(list(out["map_per_class_pooled"].values())) > np.mean(list(out["map_per_class"].values())) + 0.1
