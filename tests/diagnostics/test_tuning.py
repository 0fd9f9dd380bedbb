"""``neuroarena tune``: the learning-rate range test and the batch-size search of EEGNet on the tiny simulated study
(category task: 4 classes, 400 training windows, batches of 64)."""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pytest

from neuroarena.diagnostics import tuning
from neuroarena.cli import _parser
from neuroarena.diagnostics.tune_command import run_tune
from neuroarena.diagnostics.tuning import find_batch_size, find_lr, plot_lr
from neuroarena.errors import NeuroarenaError
from neuroarena.runner import api
from neuroarena.runner.job import JobSpec

N_STEPS = 20  # a short range test: the net starts to learn only past lr 1e-2, so the loss still falls at lr 1


@pytest.fixture(scope="module")
def home(neuroarena_home) -> Path:
    api.prepare("category", "simulated-tiny", home=neuroarena_home, progress=False)
    return Path(neuroarena_home)


@pytest.fixture(scope="module")
def lr_result(home) -> dict:
    spec = JobSpec(task="category", dataset="simulated-tiny", model="eegnet", seed=33, home=str(home))
    return find_lr(spec, num_training=N_STEPS)


def _args(*argv: str) -> argparse.Namespace:
    """``neuroarena tune ...`` as the command's own parser reads it."""
    return _parser().parse_args(["tune", *argv, "--task", "category", "--dataset", "simulated-tiny"])


def test_find_lr_sweeps_the_range_and_suggests_a_rate_inside_it(lr_result):
    lrs, raw, losses = (np.array(lr_result[k]) for k in ("lrs", "raw_losses", "losses"))
    assert len(lrs) == len(raw) == len(losses) == N_STEPS  # lr 1 does not make the loss diverge in 20 steps
    assert lrs[0] == pytest.approx(1e-6) and lrs[-1] == pytest.approx(1.0)
    assert np.all(np.diff(np.log10(lrs)) > 0)
    assert np.isfinite(raw).all() and np.isfinite(losses).all()
    assert raw[:8].mean() == pytest.approx(math.log(4), abs=0.02)  # an untrained 4-class net: chance cross-entropy
    assert losses[-1] < losses[0] - 0.05  # it learns at the largest rates
    assert 1e-6 < lr_result["suggestion"] < 1.0 and lr_result["suggestion"] in lr_result["lrs"]
    assert lr_result["suggestion"] > 1e-2  # where the loss falls fastest, not in the flat start
    assert lr_result["current_lr"] == 1e-4 and lr_result["batch_size"] == 64
    assert lr_result["n_train_windows"] == 400


def test_plot_lr_writes_a_png(lr_result, tmp_path):
    path = plot_lr(lr_result, tmp_path / "sub" / "lr.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_tune_lr_prints_the_override_and_writes_the_default_plot(home, lr_result, capsys):
    args = _args("lr", "-m", "eegnet", "--num-training", str(N_STEPS), "--lr", "3e-3")
    assert run_tune(args) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == f"override: --lr {lr_result['suggestion']:.1e}"  # same seed, same sweep
    assert "3.0e-03" in out  # --lr shapes the recipe shown, not the sweep
    plot = home / "results" / "tune" / "category_simulated-tiny_eegnet_lr.png"
    assert f"written: {plot}" in out and plot.stat().st_size > 5000


def test_tune_batch_size_without_a_gpu_says_so_in_one_line(home, capsys, monkeypatch):
    monkeypatch.setattr(tuning, "_has_cuda", lambda: False)
    assert run_tune(_args("batch-size", "-m", "eegnet", "--batch-size", "32")) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [f"tune batch-size: {tuning.NO_GPU}; keep the recipe's --batch-size 32"]


def test_batch_size_search_runs_and_stops_at_the_training_set(home, monkeypatch):
    """Lightning's search itself, let run on CPU where no batch runs out of memory: 256 trains, so does 512, which
    already holds the 400 training windows (the answer)."""
    monkeypatch.setattr(tuning, "_has_cuda", lambda: True)
    spec = JobSpec(task="category", dataset="simulated-tiny", model="eegnet", seed=33, home=str(home))
    result = find_batch_size(spec, init_val=256, max_trials=2)
    assert result == {"available": True, "batch_size": 400, "current_batch_size": 64, "device": "cpu",
                      "n_train_windows": 400}


@pytest.mark.parametrize("model, what", [("dummy", "an estimator"), ("cov_ts_lr", "an estimator"),
                                         ("chance", "a net that never trains")])
def test_a_model_that_is_no_trainable_net_is_refused(model, what, tmp_path):
    spec = JobSpec(task="category", dataset="simulated-tiny", model=model, seed=33, home=str(tmp_path))
    with pytest.raises(NeuroarenaError, match=f"tune needs a trainable net; '{model}' is {what} -> pass a net"):
        find_lr(spec)
    with pytest.raises(NeuroarenaError, match="tune needs a trainable net"):
        run_tune(_args("batch-size", "-m", model))


def test_bad_ranges_are_refused_before_any_training(tmp_path):
    spec = JobSpec(task="category", dataset="simulated-tiny", model="eegnet", seed=33, home=str(tmp_path))
    with pytest.raises(NeuroarenaError, match="make no range"):
        find_lr(spec, min_lr=1e-2, max_lr=1e-3)
    with pytest.raises(NeuroarenaError, match="too few steps"):
        find_lr(spec, num_training=3)
    with pytest.raises(NeuroarenaError, match=r"lr 0\.0 \(--lr\)"):
        run_tune(_args("lr", "-m", "eegnet", "--lr", "0"))
