"""The autopsy tells the truth: on the simulated study, whose information map is known, a trained net's
attributions and ablations point where the signal is, and broken runs get the advice that fits them."""
from __future__ import annotations

import json

import lightning as L
import numpy as np
import pytest

from neuroarena.diagnostics.advice import recommendations
from neuroarena.diagnostics.attributions import attributions
from neuroarena.diagnostics.gradients import gradient_flow
from neuroarena.diagnostics.sample import draw_sample
from neuroarena.diagnostics.truth import truth_check
from neuroarena.models.registry import build_model, get_model
from neuroarena.runner.job import JobSpec, _parts, job_context
from neuroarena.training.fit import fit_net
from neuroarena.training.objective import make_objective

pytestmark = pytest.mark.timeout(600)
LR_RULES = {"dead_units", "diverged", "exploding_gradients", "input_ignored", "collapsed"}


def _rules(report: dict) -> set[str]:
    return {a["rule"] for a in report["recommendations"]}


def _context(run: dict):
    return job_context(JobSpec.from_dict(run["record"].data["job"]))


def test_the_trained_net_is_well_above_dummy(healthy_run):
    run = healthy_run["report"]["run"]
    assert run["dummy"] == pytest.approx(0.25)
    assert run["score"] > 0.6 and run["normalized"] > 0.45


def test_spatial_attributions_follow_the_true_pattern_better_than_an_untrained_net(healthy_run):
    truth = healthy_run["report"]["truth"]
    assert truth["target"] == "category" and truth["true_peak_channel"] in ("O1", "O2", "Oz", "POz", "Pz")
    trained = truth["spatial_spearman"]
    context = _context(healthy_run)
    L.seed_everything(33, verbose=False)
    store = context.store
    untrained = build_model(get_model("eegnet"), n_chans=store.n_chans, n_outputs=context.targets.n_outputs,
                            n_times=store.n_times, sfreq=store.sfreq, chs_info=store.chs_info,
                            target_kind="classification", params={})
    sample = draw_sample(untrained, context, n_windows=100)
    baseline = truth_check(sample, attributions(sample, n_steps=8), None)["spatial_spearman"]
    assert trained > 0.35, trained
    assert trained > baseline + 0.2, (trained, baseline)


def test_the_temporal_profile_peaks_inside_the_true_latency_window(healthy_run):
    report = healthy_run["report"]
    start, stop = report["truth"]["true_window_s"]
    assert 0.05 < start < stop < 0.6
    assert start <= report["attributions"]["peak_time_s"] <= stop
    assert report["truth"]["latency_error_ms"] == 0.0
    times, profile = np.array(report["attributions"]["times"]), np.array(report["attributions"]["temporal"])
    inside = (times >= start) & (times <= stop)
    assert profile[inside].mean() > 1.5 * profile[times < 0].mean()  # the baseline period carries no signal


def test_ablating_the_true_region_costs_the_most(healthy_run):
    report = healthy_run["report"]
    truth, regions = report["truth"], report["ablations"]["regions"]
    assert truth["true_region_costs_most"], (truth["region_snr_energy"], regions)
    drops = sorted((r["drop"] for r in regions.values()), reverse=True)
    assert regions[truth["true_region"]]["drop"] == drops[0] > 2 * drops[1]
    assert report["ablations"]["all"] == pytest.approx(report["ablations"]["intact"] - 0.25, abs=0.05)


def test_a_healthy_run_gets_no_learning_rate_or_gradient_advice(healthy_run):
    report = healthy_run["report"]
    assert not _rules(report) & (LR_RULES | {"no_gradient", "vanishing_gradients", "absent_signal"})
    assert all(layer["flag"] == "" for layer in report["gradients"]["layers"])
    assert all(a["dead"] < 0.2 for a in report["activations"].values())


def test_a_learning_rate_far_too_high_gets_told_to_lower_it(broken_run):
    report = broken_run["report"]
    dead = [a for a in report["recommendations"] if a["rule"] == "dead_units"]
    assert dead and "lower the learning rate" in dead[0]["advice"]
    worst = max(report["activations"].values(), key=lambda a: a["dead"])
    assert worst["dead"] > 0.5 and any(f"{100 * worst['dead']:.0f} %" in a["finding"] for a in dead)
    assert report["predictions"]["largest_predicted_share"] > 0.9 and "collapsed" in _rules(report)


def test_a_frozen_first_layer_is_flagged_as_receiving_no_gradient(healthy_run, tmp_path):
    context = _context(healthy_run)
    store, targets, task = context.store, context.targets, context.task
    L.seed_everything(0, verbose=False)
    net = build_model(get_model("eegnet"), n_chans=store.n_chans, n_outputs=targets.n_outputs, n_times=store.n_times,
                      sfreq=store.sfreq, chs_info=store.chs_info, target_kind="classification", params={})
    for parameter in net.conv_temporal.parameters():
        parameter.requires_grad = False
    parts = _parts(store, targets)
    objective = make_objective(task.objective, dim=targets.n_outputs, n_classes=targets.n_outputs,
                               available_keys={"y", "subject"})
    recipe = task.recipe.with_overrides(max_epochs=2, limit_train_batches=3, limit_eval_batches=2, lr=3e-3)
    fit = fit_net(net, parts["train"], parts["val"], objective, lambda out, pos: 0.0, recipe, 0, tmp_path)
    summary = gradient_flow(fit.gradient_flow)
    flags = {layer["layer"]: layer["flag"] for layer in summary["layers"]}
    assert flags["conv_temporal"] == "no gradient"
    assert sum(flag == "no gradient" for flag in flags.values()) == 1
    advice = recommendations({"gradients": summary}, {}, None)
    assert [a["rule"] for a in advice] == ["no_gradient"] and "conv_temporal" in advice[0]["finding"]


def test_the_autopsy_files_are_complete(healthy_run):
    folder, report = healthy_run["folder"], healthy_run["report"]
    assert folder.parent.name == "autopsy" and folder.name == healthy_run["path"].stem
    for name in ("predictions", "gradients", "activations", "attributions", "ablations"):
        png = folder / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        assert report["figures"][name] == png.name
    text = (folder / "autopsy.md").read_text()
    assert f"Test balanced_accuracy {report['run']['score']:.3f}" in text
    assert f"Spearman ρ = {report['truth']['spatial_spearman']:.3f}" in text
    assert report["run"]["n_windows"] == 200 and len(report["predictions"]["confusion"]) == 4
    assert np.sum(report["predictions"]["confusion"]) == 200
    assert report["seconds"]["total"] > 0 and healthy_run["record"].training["autopsy"]["seconds"] > 0
    assert json.loads((folder / "autopsy.json").read_text())["run"]["config_hash"] == \
        healthy_run["record"].key.config_hash
