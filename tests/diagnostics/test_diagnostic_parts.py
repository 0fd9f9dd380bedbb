"""The autopsy's parts on hand-made inputs: scalp regions, gradient-flow flags, flatness, latency error, the
atomic folder write and the leaderboard's links."""
from __future__ import annotations

import json

import mne
import numpy as np
import pandas as pd
import pytest

from neuroarena.diagnostics.advice import recommendations
from neuroarena.diagnostics.attributions import flatness
from neuroarena.diagnostics.autopsy import AutopsyOptions, find_autopsies
from neuroarena.diagnostics.gradients import gradient_flow
from neuroarena.diagnostics.regions import channel_regions, region_groups
from neuroarena.diagnostics.truth import latency_error_ms
from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import replace_folder
from neuroarena.report.html import to_html
from neuroarena.training.gradient_flow import layer_of


def _chs(montage: str, names: list[str] | None = None) -> list[dict]:
    positions = mne.channels.make_standard_montage(montage).get_positions()["ch_pos"]
    return [{"ch_name": n, "loc": np.r_[positions[n], np.zeros(9)]} for n in (names or positions)]


def test_ten_twenty_names_decide_their_region():
    names = ["Fp1", "AFz", "F7", "FC1", "Cz", "FT9", "T7", "TP10", "CP1", "Pz", "P8", "PO7", "POz", "O2", "Iz"]
    expected = ["frontal", "frontal", "frontal", "central", "central", "temporal", "temporal", "temporal",
                "parietal", "parietal", "parietal", "occipital", "occipital", "occipital", "occipital"]
    assert channel_regions([{"ch_name": n, "loc": np.zeros(12)} for n in names]) == expected


def test_egi_channels_get_their_region_from_their_position():
    # HydroCel GSN 129 equivalents of 10-20 sites (EGI's own table): Fz E11, Cz E129 ("Cz"), Pz E62, Oz E75,
    # T7 E45, T8 E108, F3 E24, C3 E36, P3 E52, O1 E70.
    regions = dict(zip([c["ch_name"] for c in _chs("GSN-HydroCel-129")], channel_regions(_chs("GSN-HydroCel-129"))))
    assert [regions[n] for n in ("E11", "E24", "Cz", "E36", "E62", "E52", "E75", "E70", "E45", "E108")] == \
        ["frontal", "frontal", "central", "central", "parietal", "parietal", "occipital", "occipital", "temporal",
         "temporal"]
    groups = region_groups(_chs("GSN-HydroCel-129"))
    assert list(groups) == ["frontal", "central", "temporal", "parietal", "occipital"]
    assert sum(len(g) for g in groups.values()) == 129  # every channel has a region


def test_channels_without_name_or_position_have_no_region():
    assert channel_regions([{"ch_name": "EXG1", "loc": np.zeros(12)}]) == [None]
    assert region_groups([{"ch_name": "EXG1", "loc": np.zeros(12)}]) == {}


def test_parametrized_weights_belong_to_their_layer():
    assert layer_of("conv_spatial.parametrizations.weight.original") == "conv_spatial"
    assert layer_of("final_layer.linearconstraint.bias") == "final_layer.linearconstraint"
    assert layer_of("temperature") == "(net)"


def _flow(norms, ratios, types=None, nonfinite=None):
    norms, ratios = np.asarray(norms, float), np.asarray(ratios, float)
    return {"layers": [f"l{i}" for i in range(norms.shape[1])], "epochs": list(range(len(norms))),
            "grad_norm": norms.tolist(), "ratio": ratios.tolist(), "types": types or ["Conv2d"] * norms.shape[1],
            "nonfinite": nonfinite if nonfinite is not None else np.zeros(norms.shape, int).tolist()}


def test_gradient_flags_follow_the_last_epochs():
    norms = [[1.0, 1.0, np.nan, 1e-9, 1.0]] * 4
    ratios = [[1e-2, 2e-2, np.nan, 1e-8, 1e-2]] * 4
    nonfinite = [[0, 0, 0, 0, 0]] * 3 + [[0, 0, 0, 0, 5]]
    summary = gradient_flow(_flow(norms, ratios, nonfinite=nonfinite))
    assert [layer["flag"] for layer in summary["layers"]] == ["", "", "no gradient", "vanishing", "exploding"]
    assert summary["median_ratio"] == pytest.approx(1e-2) and summary["last_epochs"] == 3
    assert summary["layers"][4]["nonfinite_steps"] == 5
    # an exploding norm, and a norm layer's tiny ratio (by design, not vanishing)
    summary = gradient_flow(_flow([[1.0, 5e3, 1e-6]] * 2, [[1e-2, 1e-2, 1e-9]] * 2,
                                  types=["Conv2d", "Linear", "BatchNorm2d"]))
    assert [layer["flag"] for layer in summary["layers"]] == ["", "exploding", ""]
    assert gradient_flow(None) == {"available": False, "layers": []}


def test_each_flag_gets_its_advice_and_the_number_behind_it():
    summary = gradient_flow(_flow([[1.0, np.nan, 1e-9]] * 3, [[1e-2, np.nan, 1e-9]] * 3))
    report = {"gradients": summary, "activations": {"elu": {"type": "ELU", "dead": 0.68, "saturated": 0.0}},
              "predictions": {"spread_ratio": 0.05}}
    training = {"history": [{"epoch": e, "val_loss": v} for e, v in enumerate([1.0, 0.8, 0.9, 1.1])],
                "epochs": 4, "best_epoch": 1}
    advice = {a["rule"]: a for a in recommendations(report, training, 0.3, max_epochs=50)}
    assert set(advice) == {"no_gradient", "vanishing_gradients", "dead_units", "collapsed", "overfitting"}
    assert "68 % of the units after elu" in advice["dead_units"]["finding"]
    assert "rose 38 % after its minimum at epoch 1" in advice["overfitting"]["finding"]
    assert "5 %" in advice["collapsed"]["finding"]
    diverged = recommendations({}, {"history": [{"epoch": 0, "val_loss": 1.0}, {"epoch": 1, "val_loss": None}]},
                               None)
    assert [a["rule"] for a in diverged] == ["diverged"] and "epoch 1" in diverged[0]["finding"]
    late = recommendations({}, {"history": [], "epochs": 20, "best_epoch": 19}, None, max_epochs=20)
    assert [a["rule"] for a in late] == ["undertrained"]


def test_dummy_level_advice_depends_on_the_attributions():
    flat = {"attributions": {"flatness": {"spatial": 0.995, "temporal": 0.999}}}
    shaped = {"attributions": {"flatness": {"spatial": 0.9, "temporal": 0.95}}}
    zero = {"attributions": {"flatness": {"spatial": None, "temporal": None}}}
    assert [a["rule"] for a in recommendations(flat, {}, 0.01)] == ["absent_signal"]
    assert [a["rule"] for a in recommendations(shaped, {}, 0.01)] == ["no_generalisation"]
    assert [a["rule"] for a in recommendations(zero, {}, 0.0)] == ["input_ignored"]
    assert recommendations(flat, {}, 0.5) == []


def test_flatness_and_latency_error():
    assert flatness(np.ones(10)) == pytest.approx(1.0)
    assert flatness(np.r_[1.0, np.zeros(9)]) == pytest.approx(0.0)
    assert np.isnan(flatness(np.zeros(5)))
    assert latency_error_ms(0.2, (0.1, 0.3)) == 0.0
    assert latency_error_ms(0.05, (0.1, 0.3)) == pytest.approx(50.0)
    assert latency_error_ms(0.42, (0.1, 0.3)) == pytest.approx(120.0)


def test_bad_options_are_one_line_errors():
    with pytest.raises(NeuroarenaError, match="n_windows must be at least 1"):
        AutopsyOptions(n_windows=0)


def test_a_failed_write_leaves_the_old_folder(tmp_path):
    root = tmp_path / "autopsy" / "seed-1_x"
    replace_folder(root, lambda tmp: (tmp / "autopsy.md").write_text("first"))

    def broken(tmp):
        (tmp / "autopsy.md").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        replace_folder(root, broken)
    assert (root / "autopsy.md").read_text() == "first"
    replace_folder(root, lambda tmp: (tmp / "autopsy.md").write_text("second"))
    assert (root / "autopsy.md").read_text() == "second"
    assert sorted(p.name for p in root.parent.iterdir()) == ["seed-1_x"]  # no temporary left


def test_the_leaderboard_links_each_autopsy(tmp_path):
    folder = tmp_path / "records" / "category" / "simulated" / "eegnet" / "autopsy" / "seed-33_abc"
    folder.mkdir(parents=True)
    run = {"task": "category", "dataset": "simulated", "model": "eegnet", "seed": 33, "score": 0.5}
    (folder / "autopsy.json").write_text(json.dumps({"run": run, "recommendations": [{"rule": "x"}]}))
    (folder.parent / "seed-34_def").mkdir()
    (folder.parent / "seed-34_def" / "autopsy.json").write_text("{not json")  # damaged: left out
    found = find_autopsies(tmp_path / "records")
    assert [(a["model"], a["seed"], a["recommendations"]) for a in found] == [("eegnet", 33, 1)]
    assert found[0]["path"] == folder / "autopsy.md"
    empty = pd.DataFrame()
    page = to_html(pd.DataFrame(columns=["task"]), empty, empty, empty,
                   autopsies=[{**found[0], "path": "../records/x/autopsy.md"}])
    assert '<a href="../records/x/autopsy.md">seed 33</a>' in page and "<td>0.500</td>" in page
