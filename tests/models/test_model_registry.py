from __future__ import annotations

import sys

import pytest
import torch

from neuroarena.errors import NeuroarenaError
from neuroarena.models import ModelSpec, build_model, expand_models, get_model, list_models, registry
from neuroarena.models.registry import load_entry_points, register_model

CLASSIC = ["eegnet", "shallow_fbcsp_net", "ctnet", "deep4net", "bdtcn", "atcnet", "eegconformer", "eegnex",
           "signal_jepa", "simpleconv_time_agg"]
FOUNDATION = ["bendr", "labram", "biot", "cbramod", "luna", "reve", "eegpt"]
BASELINES = ["dummy", "chance", "cov_ts_lr", "xdawn_ts_lr", "cov_ts_ridge"]
BUILTIN_NAMES = [*BASELINES, *CLASSIC, "multisubject_transformer", *FOUNDATION]
SIGNAL = dict(n_chans=4, n_outputs=3, n_times=50, sfreq=100.0, chs_info=None)


@pytest.fixture
def fresh_registry(monkeypatch):
    """User registrations made by a test are dropped after it."""
    monkeypatch.setattr(registry, "_user_specs", {})
    monkeypatch.setattr(registry, "_entry_points_loaded", False)


def test_builtin_table_order_and_groups():
    assert [spec.name for spec in list_models()] == BUILTIN_NAMES
    assert expand_models(["all_baseline", "eegnet"]) == [*BASELINES, "eegnet"]
    assert expand_models(["eegnet", "all_classic", "dummy"]) == [*CLASSIC, "dummy"]
    assert expand_models(["all_fm"]) == FOUNDATION
    assert expand_models(["all_handcrafted"]) == ["cov_ts_lr", "xdawn_ts_lr", "cov_ts_ridge"]
    assert expand_models(["all"]) == BUILTIN_NAMES
    assert get_model("chance").trainable is False
    assert get_model("cov_ts_ridge").targets == frozenset({"embedding", "regression"})


def test_unknown_name_suggests_close_match():
    with pytest.raises(NeuroarenaError, match=r"unknown model 'eegnett'.*'eegnet'.*neuroarena list models"):
        get_model("eegnett")
    with pytest.raises(NeuroarenaError, match="all_baseline"):
        expand_models(["all_baselines"])


def test_spec_validation():
    with pytest.raises(NeuroarenaError, match="unknown family 'deep'"):
        ModelSpec("x", "deep", "net", frozenset({"classification"}), "a.b:c", "x")
    with pytest.raises(NeuroarenaError, match="non-empty subset"):
        ModelSpec("x", "classic", "net", frozenset({"ordinal"}), "a.b:c", "x")
    with pytest.raises(NeuroarenaError, match="'package.module:function'"):
        ModelSpec("x", "classic", "net", frozenset({"embedding"}), "a.b.c", "x")


def test_register_model_is_found_listed_and_built(fresh_registry):
    @register_model("mean_net", family="classic", kind="net", targets={"embedding"}, description="mean",
                    params={"scale": 2.0})
    def build_mean_net(*, n_chans, n_outputs, n_times, scale, **signal):
        layer = torch.nn.Linear(n_chans * n_times, n_outputs)
        torch.nn.init.constant_(layer.weight, scale)
        torch.nn.init.zeros_(layer.bias)
        return torch.nn.Sequential(torch.nn.Flatten(), layer)

    spec = get_model("mean_net")
    assert spec.builder is build_mean_net and spec.params == {"scale": 2.0}
    assert expand_models(["all_classic"]) == [*CLASSIC, "mean_net"]
    assert expand_models(["all"])[-1] == "mean_net"
    net = build_model("mean_net", **SIGNAL, target_kind="embedding", params={"scale": 0.5})
    out = net(torch.ones(2, 4, 50))
    assert out.shape == (2, 3)
    assert torch.allclose(out, torch.full((2, 3), 0.5 * 200))
    with pytest.raises(NeuroarenaError, match="taken by neuroarena"):
        register_model("eegnet", family="classic", kind="net", targets={"embedding"}, description="x")(
            build_mean_net)
    with pytest.raises(NeuroarenaError, match="registered twice"):
        register_model("mean_net", family="classic", kind="net", targets={"embedding"}, description="x")(len)


def test_net_with_wrong_output_shape_is_refused(fresh_registry):
    @register_model("flat_net", family="classic", kind="net", targets={"classification"}, description="x")
    def build_flat_net(*, n_chans, n_times, **signal):
        return torch.nn.Flatten()

    with pytest.raises(NeuroarenaError, match=r"to shape \(1, 200\), expected \(1, 3\)"):
        build_model("flat_net", **SIGNAL, target_kind="classification")


def test_build_model_refuses_bad_requests(biosemi16_chs):
    with pytest.raises(NeuroarenaError, match="does not predict 'embedding'"):
        build_model("cov_ts_lr", **SIGNAL, target_kind="embedding")
    with pytest.raises(NeuroarenaError, match="chs_info lists 16 channels but n_chans=4"):
        build_model("eegnet", **{**SIGNAL, "chs_info": biosemi16_chs}, target_kind="classification")
    with pytest.raises(NeuroarenaError, match="n_times must be a positive integer"):
        build_model("dummy", **{**SIGNAL, "n_times": 0}, target_kind="classification")
    with pytest.raises(NeuroarenaError, match=r"bad parameters \['gamma'\]"):
        build_model("cov_ts_lr", **SIGNAL, target_kind="classification", params={"gamma": 1.0})
    with pytest.raises(NeuroarenaError, match=r"does not take parameter\(s\) \['gamma'\]"):
        build_model("eegnet", **SIGNAL, target_kind="classification", params={"gamma": 1.0})
    assert build_model("cov_ts_lr", **SIGNAL, target_kind="classification", params={"C": 0.1})[-1].C == 0.1
    assert build_model("eegnet", **SIGNAL, target_kind="classification", params={"drop_prob": 0.1}).drop_prob == 0.1


def test_entry_point_plugin_is_loaded(fresh_registry, tmp_path, monkeypatch):
    (tmp_path / "neuroarena_plugin_demo.py").write_text(
        "from neuroarena.models import ModelSpec\n"
        "SPEC = ModelSpec('plugin_dummy', 'baseline', 'estimator', frozenset({'classification'}),\n"
        "                 'neuroarena.models.baselines:build_dummy', 'from a plugin')\n"
    )
    dist_info = tmp_path / "neuroarena_plugin_demo-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: neuroarena-plugin-demo\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text("[neuroarena.models]\nplugin_dummy = neuroarena_plugin_demo:SPEC\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "neuroarena_plugin_demo", raising=False)

    assert get_model("plugin_dummy").description == "from a plugin"
    assert expand_models(["all_baseline"]) == [*BASELINES, "plugin_dummy"]
    load_entry_points()  # loading twice registers the same spec again, without error
    assert [spec.name for spec in list_models()] == [*BUILTIN_NAMES, "plugin_dummy"]

    (dist_info / "entry_points.txt").write_text("[neuroarena.models]\nbroken = neuroarena_plugin_demo:MISSING\n")
    with pytest.raises(NeuroarenaError, match="entry point 'broken'.*fails to load"):
        load_entry_points()
