"""Jobs whose targets come from a model embedder: the simulated images and captions through real code paths."""
from __future__ import annotations

import numpy as np
import pytest

from neuroarena.runner.job import JobSpec, run_job


@pytest.fixture(scope="module")
def tiny_dinov2_folder(tmp_path_factory):
    """A DINOv2 with random weights, saved like a downloaded model (config, weights, image processor)."""
    import torch
    from transformers import BitImageProcessor, Dinov2Config, Dinov2Model

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("dinov2-tiny")
    Dinov2Model(Dinov2Config(hidden_size=24, num_hidden_layers=3, num_attention_heads=2, intermediate_size=48,
                             image_size=56, patch_size=14)).save_pretrained(folder)
    BitImageProcessor(size={"shortest_edge": 56}, crop_size={"height": 56, "width": 56}).save_pretrained(folder)
    return folder


def test_image_task_on_the_rendered_images_through_a_dinov2_folder(tiny_home, tiny_dinov2_folder):
    spec = JobSpec(task="image", dataset="simulated-tiny", model="cov_ts_ridge", seed=33, debug=True,
                   embedder=str(tiny_dinov2_folder), home=str(tiny_home))
    record = run_job(spec)
    assert record.status == "ok", record.error
    assert record.data["spaces"]["target"]["name"] == str(tiny_dinov2_folder)
    assert record.data["spaces"]["target"]["hash"] != "features"
    assert set(record.metrics) == {"top1", "top5", "top1_pooled", "top5_pooled", "top1_batch", "top5_batch"}
    assert set(record.analyses["per_subject"]) == {"01", "02"}
    # another space, another job: the default (the simulation's features) has another key
    default = JobSpec(task="image", dataset="simulated-tiny", model="cov_ts_ridge", seed=33, debug=True,
                      home=str(tiny_home))
    from neuroarena.runner.executor import job_key

    assert job_key(default).config_hash != job_key(spec).config_hash == record.key.config_hash


def test_caption_task_with_a_lora_text_encoder_counts_its_parameters(tiny_home):
    spec = JobSpec(task="caption", dataset="simulated-tiny", model="eegnet", seed=33, debug=True,
                   text_adaptation="lora", home=str(tiny_home))
    record = run_job(spec)
    assert record.status == "ok", record.error
    text = record.training["text_encoder"]
    # MiniLM: 6 blocks x (query, value) x rank 8 x (384 in + 384 out)
    assert text == {"adaptation": "lora", "n_trainable_params": 6 * 2 * 8 * (384 + 384)}
    frozen = run_job(JobSpec(task="caption", dataset="simulated-tiny", model="eegnet", seed=33, debug=True,
                             home=str(tiny_home)))
    assert frozen.status == "ok" and "text_encoder" not in frozen.training
    assert record.n_trainable_params == frozen.n_trainable_params + text["n_trainable_params"]
    assert record.key.config_hash != frozen.key.config_hash
    assert np.isfinite(record.metrics["recall5"])


def test_category_record_has_a_confusion_matrix_and_per_subject_accuracy(tiny_home):
    record = run_job(JobSpec(task="category", dataset="simulated-tiny", model="cov_ts_lr", seed=33, debug=True,
                             home=str(tiny_home)))
    assert record.status == "ok", record.error
    matrix = record.analyses["confusion_matrix"]
    assert matrix["classes"] == ["animal", "food", "tool", "vehicle"]
    counts = np.array(matrix["counts"])
    assert counts.shape == (4, 4) and counts.sum() == record.data["n_evaluated"]["test"]
    assert np.trace(counts) / counts.sum() == pytest.approx(record.metrics["accuracy"])
    per_subject = record.analyses["per_subject"]
    assert set(per_subject) == {"01", "02"} and set(per_subject["01"]) == {"accuracy", "balanced_accuracy"}
