"""EEG Foundation Challenge 2025: a submission zip from two trained runs, run by PyTorch alone, and scored
locally as the organisers' ``local_scoring.py`` does, on the tiny simulated HBN releases."""
from __future__ import annotations

import dataclasses
import json
import pickle
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from neuroarena.challenges.eeg2025_export import export_torchscript
from neuroarena.challenges.eeg2025_scoring import challenge_windows, score_submission
from neuroarena.challenges.eeg2025_submission import (
    MANIFEST_FILE, SUBMISSION_FILE, WEIGHTS, package_submission,
)
from neuroarena.cli import main
from neuroarena.errors import NeuroarenaError
from neuroarena.home import results_dir
from neuroarena.prepare.config import MICROVOLTS
from neuroarena.results.lookup import resolve_run
from neuroarena.results.records import ResultStore
from neuroarena.runner.checkpoints import load_checkpoint, rebuild_net
from neuroarena.runner.job import JobSpec, open_store, run_job
from neuroarena.splits.splitters import make_splitter
from neuroarena.studies.hbn import Hbn2025Challenge
from neuroarena.tasks.config import SplitConfig

DATASET, MODEL = "simulated-hbn-tiny", "eegnet"  # eegnex trains 4x slower on 2 cores
#: The tiny preset's training releases hold 8 subjects, one without factors: val needs 2 with one (0.4 -> 3).
SPLIT = SplitConfig(name="by_release", params={"test_releases": ["R5"], "val_fraction": 0.4, "seed": 0})
BLOCKED = ("neuroarena", "braindecode", "mne", "lightning", "sklearn")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The rt and externalizing runs of eegnet (1 epoch), recorded in a private home, and their zip."""
    home = tmp_path_factory.mktemp("eeg2025-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEUROARENA_HOME", str(home))
        store = ResultStore(results_dir() / "records")
        specs = {task: JobSpec(task=task, dataset=DATASET, model=MODEL, seed=0, home=str(home),
                               recipe_overrides={"max_epochs": 1}, split=split)
                 for task, split in (("rt", None), ("externalizing", SPLIT))}
        records = {}
        for task, spec in specs.items():
            record = run_job(spec)
            assert record.status == "ok", record.error
            store.write(record)
            records[task] = record
        c1 = resolve_run(f"rt/{DATASET}/{MODEL}/0")
        c2 = resolve_run(str(store.path(records["externalizing"].key)))
        assert (c1, c2) == (records["rt"], records["externalizing"])
        zip_path = package_submission(c1, c2, home / "submission.zip")
        data_dir = specs["rt"].dataset.open().root
        yield {"home": home, "records": records, "specs": specs, "zip": zip_path, "data_dir": data_dir}


@pytest.fixture(scope="module")
def scored(runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("eeg2025-scored")
    return score_submission(runs["zip"], runs["data_dir"], output_dir=out), out


def _payload(record):
    return load_checkpoint(results_dir() / record.training["checkpoint"])


def test_the_zip_runs_with_pytorch_alone_and_predicts_what_the_nets_do(runs, tmp_path):
    with zipfile.ZipFile(runs["zip"]) as archive:
        assert sorted(archive.namelist()) == sorted([SUBMISSION_FILE, MANIFEST_FILE, *WEIGHTS.values()])
        archive.extractall(tmp_path / "unzipped")
        manifest = json.loads(archive.read(MANIFEST_FILE))
    records = runs["records"]
    assert [manifest[c]["task"] for c in WEIGHTS] == ["rt", "externalizing"]
    assert [manifest[c]["config_hash"] for c in WEIGHTS] == [records[t].key.config_hash for t in records]
    assert manifest["input"] == {"shape": [129, 200], "sfreq": 100.0, "dtype": "float32"}
    # four real R5 windows of each challenge, and what the rebuilt nets give in the targets' units
    recordings = Hbn2025Challenge(root=runs["data_dir"], releases=["R5"]).recordings()
    expected, inputs = {}, {}
    for challenge, task in zip(WEIGHTS, records):
        windows = [w for _, w in zip(range(4), challenge_windows(recordings, challenge))]
        inputs[challenge] = torch.from_numpy(np.stack([X for X, _, _ in windows]))
        payload = _payload(records[task])
        assert manifest[challenge]["standardization"] == payload["standardization"]
        mean, scale = (payload["standardization"][k][0] for k in ("mean", "scale"))
        with torch.inference_mode():
            # the net was trained on microvolts; the submission is fed volts and scales them itself
            assert payload["scaling"] == "microvolts" and manifest[challenge]["input_scale"] == MICROVOLTS
            microvolts = inputs[challenge] * MICROVOLTS
            expected[challenge] = rebuild_net(payload)(microvolts).numpy() * scale + mean
    torch.save(inputs, tmp_path / "inputs.pt")
    site = str(Path(torch.__file__).resolve().parent.parent)
    stdlib = sysconfig.get_paths()["stdlib"]
    path = [str(tmp_path / "unzipped"), stdlib, str(Path(stdlib) / "lib-dynload"), site]
    script = f"""
import sys
sys.path[:] = {path!r}
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ModuleNotFoundError(f"{{name}} is refused in this test")
        return None
sys.meta_path.insert(0, Refuse())
import torch
from submission import Submission
inputs = torch.load({str(tmp_path / 'inputs.pt')!r})
model = Submission(100, "cpu").get_model_challenge_1()
out = {{"challenge_1": model(inputs["challenge_1"])}}
del model
out["challenge_2"] = Submission(100, "cpu").get_model_challenge_2()(inputs["challenge_2"])
out["single"] = Submission(100, "cpu").get_model_challenge_1()(inputs["challenge_1"][:1])
out["modules"] = sorted(m for m in sys.modules if m.split(".")[0] in {BLOCKED!r})
torch.save(out, {str(tmp_path / 'outputs.pt')!r})
"""
    done = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    out = torch.load(tmp_path / "outputs.pt")
    assert out["modules"] == []
    for challenge in WEIGHTS:
        assert tuple(out[challenge].shape) == (4, 1)
        np.testing.assert_allclose(out[challenge].detach().numpy(), expected[challenge], rtol=1e-5, atol=1e-6)
    # a batch of one gives the same as the first row of a batch of four
    np.testing.assert_allclose(out["single"].detach().numpy(), expected["challenge_1"][:1], rtol=1e-5, atol=1e-6)
    # response times in seconds: the training mean (~1.5 s) is folded in
    assert 0.5 < float(expected["challenge_1"].mean()) < 3.0


def test_local_scoring_gives_each_runs_own_test_nrmse(runs, scored):
    scores, _ = scored
    rt, ext = runs["records"]["rt"], runs["records"]["externalizing"]
    assert scores["challenge_1"] == pytest.approx(rt.metrics["nrmse"], abs=1e-5)
    assert scores["challenge_2"] == pytest.approx(ext.metrics["nrmse"], abs=1e-5)
    assert scores["overall"] == pytest.approx(0.3 * scores["challenge_1"] + 0.7 * scores["challenge_2"], abs=1e-12)
    assert scores["n_windows"] == {"challenge_1": rt.data["n_evaluated"]["test"],
                                   "challenge_2": ext.data["n_evaluated"]["test"]} == {"challenge_1": 33,
                                                                                     "challenge_2": 96}
    assert scores["n_subjects"] == {"challenge_1": 2, "challenge_2": 2}
    # the scorer's windows are exactly those the neuroarena store holds for the test windows with a value
    recordings = Hbn2025Challenge(root=runs["data_dir"], releases=["R5"]).recordings()
    for challenge, (task, column) in zip(WEIGHTS, (("rt", "rt"), ("externalizing", "externalizing"))):
        spec = runs["specs"][task]
        _, store = open_store(spec, spec.task_config())
        test = make_splitter("by_release", **SPLIT.params).split(store.metadata).test
        test = test[np.isfinite(store.metadata[column].to_numpy(dtype=float)[test])]
        ours = np.stack([X for X, _, _ in challenge_windows(recordings, challenge)])
        # the scorer feeds volts; the store holds them in microvolts (the exported net multiplies by 1e6)
        assert ours.dtype == np.float32 and np.allclose(ours * MICROVOLTS, store.take(test), rtol=1e-6, atol=0)


def test_predictions_pickle_has_the_official_layout(runs, scored):
    scores, out = scored
    assert scores["predictions"] == str(out / "predictions.pickle")
    predictions = pickle.loads((out / "predictions.pickle").read_bytes())
    assert set(predictions) == {"challenge_1", "challenge_2"}
    for challenge, task in zip(WEIGHTS, ("rt", "externalizing")):
        assert set(predictions[challenge]) == {"y_preds", "y_trues"}
        y_preds, y_trues = predictions[challenge]["y_preds"], predictions[challenge]["y_trues"]
        assert isinstance(y_preds, np.ndarray) and y_preds.shape == y_trues.shape == (scores["n_windows"][challenge],)
        items = runs["records"][task].test_items  # the same windows in the same order as the run's test
        np.testing.assert_allclose(y_trues, items["y_true"], rtol=1e-6)
        np.testing.assert_allclose(y_preds, items["y_pred"], rtol=1e-5, atol=1e-6)
        rmse = np.sqrt(np.mean((y_trues - y_preds) ** 2))
        assert rmse / np.std(y_trues) == pytest.approx(scores[challenge], rel=1e-9)


def _zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def _constant_submission(c1: str, c2: str) -> str:
    """submission.py whose models return ``c1`` / ``c2`` (Python expressions of the batch ``x``)."""
    return f"""
import torch
class Model(torch.nn.Module):
    def __init__(self, expression):
        super().__init__()
        self.expression = expression
    def forward(self, x):
        return eval(self.expression)
class Submission:
    def __init__(self, SFREQ, DEVICE):
        pass
    def get_model_challenge_1(self):
        return Model({c1!r})
    def get_model_challenge_2(self):
        return Model({c2!r})
"""


def test_a_mean_predictor_scores_one_and_the_cli_prints_it(runs, scored, tmp_path, capsys):
    _, out = scored
    predictions = pickle.loads((out / "predictions.pickle").read_bytes())
    means = [float(predictions[c]["y_trues"].mean()) for c in WEIGHTS]
    path = _zip(tmp_path / "mean.zip", {SUBMISSION_FILE: _constant_submission(
        f"torch.full((x.shape[0], 1), {means[0]!r})", f"torch.full((x.shape[0], 1), {means[1]!r})")})
    main(["score", "eeg2025", str(path), "--data-dir", str(runs["data_dir"]), "--json"])
    scores = json.loads(capsys.readouterr().out)
    assert scores["challenge_1"] == pytest.approx(1.0, abs=1e-6)
    assert scores["challenge_2"] == pytest.approx(1.0, abs=1e-6)
    assert scores["overall"] == pytest.approx(1.0, abs=1e-6)
    # the first subject only: its Challenge 2 truth is one factor value, so that score is undefined
    fast = score_submission(path, runs["data_dir"], fast_dev_run=True)
    assert fast["n_subjects"] == {"challenge_1": 1, "challenge_2": 1}
    assert fast["n_windows"]["challenge_1"] < 33 and np.isnan(fast["challenge_2"])


def test_a_submission_may_import_its_own_modules_while_its_models_load(runs, tmp_path):
    helper = "import torch\nclass Zero(torch.nn.Module):\n    def forward(self, x):\n        return x[:, :1, 0] * 0\n"
    lazy = ("class Submission:\n    def __init__(self, SFREQ, DEVICE):\n        pass\n"
            "    def get_model_challenge_1(self):\n        from neuroarena_test_helper import Zero\n        return Zero()\n"
            "    get_model_challenge_2 = get_model_challenge_1\n")
    path = _zip(tmp_path / "lazy.zip", {SUBMISSION_FILE: lazy, "neuroarena_test_helper.py": helper})
    scores = score_submission(path, runs["data_dir"], fast_dev_run=True)
    assert scores["challenge_1"] > 1.0 and scores["n_windows"]["challenge_1"] == 15  # zero seconds: far off
    assert "neuroarena_test_helper" not in sys.modules and "submission" not in sys.modules


def test_submit_command_writes_the_same_zip(runs, tmp_path, capsys):
    out = tmp_path / "cli.zip"
    main(["submit", "eeg2025", "--c1", f"rt/{DATASET}/{MODEL}/seed-0", "--c2", f"externalizing/{DATASET}/{MODEL}/0",
          "-o", str(out)])
    printed = capsys.readouterr().out
    assert f"written: {out}" in printed and runs["records"]["rt"].key.config_hash in printed
    with zipfile.ZipFile(out) as new, zipfile.ZipFile(runs["zip"]) as old:
        assert json.loads(new.read(MANIFEST_FILE)) == json.loads(old.read(MANIFEST_FILE))
        assert new.read(SUBMISSION_FILE) == old.read(SUBMISSION_FILE)


def _one_line_error(call, match: str) -> str:
    with pytest.raises(NeuroarenaError, match=match) as err:
        call()
    assert "\n" not in str(err.value)
    return str(err.value)


def test_bad_submissions_give_one_line_errors(runs, tmp_path):
    data = runs["data_dir"]

    def score(path):
        return lambda: score_submission(path, data, fast_dev_run=True)

    (tmp_path / "text.zip").write_text("not a zip")
    _one_line_error(score(tmp_path / "text.zip"), "not a zip file")
    nested = _zip(tmp_path / "nested.zip", {"my_submission/submission.py": "x = 1\n"})
    _one_line_error(score(nested), r"folder inside \(my_submission/submission.py\)")
    _one_line_error(score(_zip(tmp_path / "empty.zip", {"weights.pt": b"0"})), "no submission.py")
    broken = _zip(tmp_path / "import.zip", {SUBMISSION_FILE: "import braindecode_is_not_there\n"})
    _one_line_error(score(broken), "fails to import: ModuleNotFoundError: No module named 'braindecode_is_not_there'")
    with zipfile.ZipFile(runs["zip"]) as archive:
        files = {name: archive.read(name) for name in archive.namelist() if name != WEIGHTS["challenge_1"]}
    _one_line_error(score(_zip(tmp_path / "noweights.zip", files)),
                    "get_model_challenge_1\\(\\) misses a weights file: .*weights_challenge_1.pt not found")
    wide = _zip(tmp_path / "wide.zip", {SUBMISSION_FILE: _constant_submission("torch.zeros(x.shape[0], 2)", "x")})
    _one_line_error(score(wide), r"challenge_1 model returns \(1, 2\) for a \(1, 129, 200\) batch, not \(B, 1\)")
    flat = _zip(tmp_path / "flat.zip", {SUBMISSION_FILE: _constant_submission("x.mean(dim=(1, 2))", "x")})
    _one_line_error(score(flat), r"returns \(1,\) for")
    nan = _zip(tmp_path / "nan.zip", {SUBMISSION_FILE: _constant_submission(
        "torch.zeros(x.shape[0], 1)", "torch.full((x.shape[0], 1), float('nan'))")})
    _one_line_error(score(nan), r"challenge_2 model gives a non-finite output \(nan\) for window 0")
    assert "submission" not in sys.modules and not any(str(tmp_path) in p for p in sys.path)


def test_runs_that_cannot_be_submitted_give_one_line_errors(runs, tmp_path):
    rt, ext = runs["records"]["rt"], runs["records"]["externalizing"]
    out = tmp_path / "s.zip"
    _one_line_error(lambda: package_submission(ext, ext, out), "c1 .* must be a run of task rt, not externalizing")
    _one_line_error(lambda: package_submission(rt, rt, out), "c2 .* must be a run of task externalizing or "
                                                             "externalizing-<factor>, not rt")
    estimator = dataclasses.replace(ext, training={"fitted": "estimator.fit"})
    _one_line_error(lambda: package_submission(rt, estimator, out), "c2 run of eegnet is not a net")
    failed = dataclasses.replace(rt, status="failed", error="boom")
    _one_line_error(lambda: package_submission(failed, ext, out), r"c1 run failed \(boom\)")
    # a net trained on 4 s windows
    payload = _payload(rt)
    payload["n_times"] = 400
    torch.save(payload, results_dir() / "long.pt")
    long = dataclasses.replace(rt, training={"checkpoint": "long.pt"})
    _one_line_error(lambda: package_submission(long, ext, out),
                    "c1 net eegnet takes windows of 129 x 400 at 100.0 Hz; the challenge feeds 129 x 200 at 100 Hz")
    assert not out.exists()


class _DeviceBound(torch.nn.Module):
    """Script cannot compile its lambda; a trace bakes ``x.device`` (the CPU) into the graph."""

    def __init__(self):
        super().__init__()
        self.head = lambda t: t

    def forward(self, x):
        return self.head(x.mean(dim=(1, 2)).unsqueeze(1)) + torch.zeros(x.shape[0], 1, device=x.device)


def test_a_net_that_would_fail_on_the_gpu_is_not_exported():
    _one_line_error(lambda: export_torchscript(_DeviceBound(), 129, 200, "the bound net"),
                    r"cannot export the bound net as TorchScript \(script: .*; trace: the CPU device is baked into "
                    r"the graph \(it would fail on the GPU\)\)")


def test_resolve_run_lists_several_matches(runs, tmp_path):
    rt = runs["records"]["rt"]
    store = ResultStore(tmp_path / "records")
    for config_hash in ("aaaa11112222", "bbbb33334444"):
        store.write(dataclasses.replace(rt, key=dataclasses.replace(rt.key, config_hash=config_hash)))
    message = _one_line_error(lambda: resolve_run(f"rt/{DATASET}/{MODEL}/0", root=tmp_path), "2 records of run")
    assert "seed-0_aaaa11112222 (ok)" in message and "seed-0_bbbb33334444 (ok)" in message
    assert resolve_run(f"rt/{DATASET}/{MODEL}/seed-0_bbbb33334444", root=tmp_path).key.config_hash == "bbbb33334444"
    _one_line_error(lambda: resolve_run(f"rt/{DATASET}/{MODEL}/7", root=tmp_path), "no record of run")
    _one_line_error(lambda: resolve_run("rt/eegnet", root=tmp_path), "cannot read run 'rt/eegnet'")
    _one_line_error(lambda: resolve_run(str(tmp_path / "missing.json"), root=tmp_path), "result record not found")
