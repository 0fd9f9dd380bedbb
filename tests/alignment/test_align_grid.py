"""``neuroarena align``: records like decoding's (resumable), layer selection on training images only, the
alignment report (tree, benchmark ranking, curves) and the command line."""
from __future__ import annotations

import numpy as np
import pytest

from neuroarena.alignment.api import align
from neuroarena.alignment.report import alignment_table, rank_benchmarks, score_tree
from neuroarena.cli import main
from neuroarena.home import results_dir
from neuroarena.results.records import ResultStore

DATASET = "simulated-tiny"
PARAMS = {"config": {"snr": 4.0, "train_repeats": 4}}  # as in test_benchmarks: training images seen 4 times
BENCHMARKS = ["gifford2022-encoding-ridgecv", "gifford2022-encoding-time", "things-odd-one-out"]


@pytest.fixture(scope="module")
def grid():
    return align(BENCHMARKS, ["pixels", "v1", "oracle", "random"], dataset=DATASET,
                 dataset_params=PARAMS, benchmark_params={"n_triplets": 3000})


def _records():
    return [r for r in ResultStore(results_dir() / "records") if r.model_family == "vision"]


def test_every_job_is_recorded_once_and_a_rerun_recomputes_nothing(grid):
    assert len(grid) == 12 and (grid["status"] == "ok").all(), grid[["task", "model", "error"]]
    before = {(r.key.task, r.key.model): r.created for r in _records()}
    again = align(BENCHMARKS, ["pixels", "v1", "oracle", "random"], dataset=DATASET,
                  dataset_params=PARAMS, benchmark_params={"n_triplets": 3000})
    assert (again["status"] == "ok").all()
    assert {(r.key.task, r.key.model): r.created for r in _records()} == before
    record = next(r for r in _records() if r.key.task == BENCHMARKS[0] and r.key.model == "pixels")
    assert record.primary_metric == "ceiled" and set(record.metrics) == {"raw", "ceiling", "ceiled", "error"}
    assert record.data["benchmark"]["version"] == 1 and "@article" in record.data["benchmark"]["bibtex"]
    assert record.analyses["alignment"]["normalisation"] == "r2/ceiling"


def test_layer_selection_is_recorded_and_uses_training_images_only(grid):
    record = next(r for r in _records() if r.key.task == BENCHMARKS[0] and r.key.model == "v1")
    commitment = record.data["commitment"]
    assert set(commitment["scores"]) == {"s1", "c1"} and commitment["layer"] in ("s1", "c1")
    assert commitment["layer"] == max(commitment["scores"], key=commitment["scores"].get)
    assert "training images" in commitment["selection"]
    activations = record.data["activations"]
    assert activations["layers_extracted"] + activations["layers_cached"] >= 2


def test_report_tree_ranking_and_curves(grid, tmp_path):
    from neuroarena.report.leaderboard import write_report

    table = alignment_table(_records())
    assert (table["score"] <= 1).all() and (table["score"] >= 0).all()
    oracle = table[(table["model"] == "oracle") & (table["benchmark"] == BENCHMARKS[0])].iloc[0]
    assert oracle["ceiled"] == pytest.approx(oracle["score"], abs=0.5)  # unclipped kept beside the clipped
    tree = score_tree(table).set_index("model")
    assert tree.loc["oracle", "average"] > tree.loc["pixels", "average"] > tree.loc["random", "average"]
    assert np.isclose(tree.loc["oracle", "average"],
                      np.mean([tree.loc["oracle", "neural"], tree.loc["oracle", "behavior"]]))
    ranking = rank_benchmarks(table)
    assert list(ranking["mean_score"]) == sorted(ranking["mean_score"])
    assert (ranking["ci_low"] <= ranking["mean_score"]).all() and (ranking["mean_score"] <= ranking["ci_high"]).all()
    _, paths = write_report(results_dir(), tmp_path)
    text = paths["alignment_markdown"].read_text()
    assert "Brain-Score tree" in text and "by difficulty" in text
    assert any(name.startswith("curve_gifford2022-encoding-time") for name in paths)


def test_command_line_align_and_rank(grid, capsys):
    main(["align", BENCHMARKS[0], "--dataset", DATASET, "--dataset-param", "config={snr: 4.0, train_repeats: 4}",
          "-m", "pixels", "oracle"])
    out = capsys.readouterr().out
    assert "oracle" in out and "pixels" in out
    main(["report", "--rank-benchmarks", "--out", str(results_dir() / "report-test")])
    assert "benchmarks by difficulty" in capsys.readouterr().out
    main(["list", "benchmarks"])
    assert "things-odd-one-out" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["align", "gifford2022-rsa", "--dataset", DATASET, "-m", "resnet18"])  # no weights: failed record
    err = capsys.readouterr()
    said = " ".join((err.out + err.err).split())  # the console wraps long lines
    assert "download https://download.pytorch.org/models/resnet18" in said and "--no-pretrained" in said


def test_worker_processes_run_alignment_jobs(grid):
    frame = align(["gifford2022-rsa"], ["random"], dataset=DATASET, dataset_params=PARAMS, executor="local",
                  workers=1)
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    record = next(r for r in _records() if r.key.task == "gifford2022-rsa" and r.key.model == "random")
    assert abs(record.metrics["ceiled"]) < 0.2 and len(record.analyses["alignment"]["curve"]["ceiled"]) == 60
