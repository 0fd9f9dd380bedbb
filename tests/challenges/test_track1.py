from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from neuroarena.challenges.commands import add_score_parser, run_score
from neuroarena.challenges.track1 import score_track1
from neuroarena.errors import NeuroarenaError

TARGETS = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
IDS = np.array(["i0", "i1", "i2", "i3", "i4", "i5"])
# Cosine rankings of each prediction (own target marked *):
#   i0 (1, 0.1):   i0* first                        -> rank 0
#   i1 (1, 0.5):   i4, i0, i1*                       -> rank 2
#   i2 (-1, -1):   i2* ties i3                       -> rank 1 (ties count against)
#   i3 (1, 1.2):   i4, i1, i0, i5, i2, i3*           -> rank 5
#   i4 (1, 1):     i4* first                        -> rank 0
#   i5 (-0.2, 1):  i1, i5*                           -> rank 1
PRED = np.array([[1.0, 0.1], [1.0, 0.5], [-1.0, -1.0], [1.0, 1.2], [1.0, 1.0], [-0.2, 1.0]])
EXPECTED = {"top1": 2 / 6, "top5": 5 / 6, "n_test": 6, "n_predictions": 6}


@pytest.fixture
def files(tmp_path):
    np.save(tmp_path / "targets.npy", TARGETS)
    np.savez(tmp_path / "targets.npz", stimulus=IDS, embedding=TARGETS)
    np.save(tmp_path / "pred.npy", PRED.astype(np.float32))
    return tmp_path


def test_npy_predictions_against_npy_and_npz_targets(files):
    assert score_track1(files / "pred.npy", files / "targets.npy") == pytest.approx(EXPECTED)
    assert score_track1(files / "pred.npy", files / "targets.npz") == pytest.approx(EXPECTED)


def test_npz_predictions_average_rows_sharing_an_id(files):
    # i0 as (1, 0.2) and (1, 0): mean (1, 0.1); i3 as (2, 0) and (0, 2.4): mean (1, 1.2); same ranks as PRED
    rows = np.vstack([PRED[1:3], [[1.0, 0.2], [2.0, 0.0], [0.0, 2.4]], PRED[4:], [[1.0, 0.0]]])
    stimulus = np.array(["i1", "i2", "i0", "i3", "i3", "i4", "i5", "i0"])
    np.savez(files / "pred.npz", stimulus=stimulus, embedding=rows)
    scores = score_track1(files / "pred.npz", files / "targets.npz")
    assert scores == pytest.approx({**EXPECTED, "n_predictions": 8})
    # against .npy targets the ids are the row numbers
    np.savez(files / "pred_rows.npz", stimulus=np.array([5, 4, 3, 2, 1, 0]), embedding=PRED[::-1])
    assert score_track1(files / "pred_rows.npz", files / "targets.npy") == pytest.approx(EXPECTED)


def test_perfect_submission_scores_one(files):
    np.save(files / "perfect.npy", TARGETS * 3.0)
    scores = score_track1(files / "perfect.npy", files / "targets.npz")
    assert scores["top1"] == 1.0 and scores["top5"] == 1.0


@pytest.mark.parametrize(("name", "content", "message"), [
    ("dim.npy", np.zeros((6, 3)),
     r"predictions have dim 3 but the targets dim 2 -> predict embeddings in the targets' space \(dim 2\)"),
    ("rows.npy", np.ones((5, 2)), "predictions have 5 rows for 6 test images"),
    ("nan.npy", np.where(np.arange(12).reshape(6, 2) == 7, np.nan, 1.0),
     r"predictions embedding has NaN or infinite values in 1 rows \(first: row 3\)"),
    ("int.npy", np.ones((6, 2), dtype=int), "predictions embedding has shape \\(6, 2\\) and dtype int64"),
    ("unknown.npz", {"stimulus": np.r_[IDS, ["zz"]], "embedding": np.ones((7, 2))},
     r"1 prediction ids are not test images \(e.g. 'zz'\) -> predict only the test images listed in targets.npz"),
    ("missing.npz", {"stimulus": IDS[:4], "embedding": np.ones((4, 2))},
     r"2 test images have no prediction \(e.g. 'i4'\)"),
    ("keys.npz", {"ids": IDS, "embedding": np.ones((6, 2))}, "predictions .npz lacks stimulus \\(has "),
    ("objects.npz", {"stimulus": np.array([None] * 6, dtype=object), "embedding": np.ones((6, 2))},
     "cannot read predictions"),
])
def test_bad_predictions_name_the_file_and_the_fix(files, name, content, message):
    path = files / name
    if isinstance(content, dict):
        np.savez(path, **content)
    else:
        np.save(path, content)
    with pytest.raises(NeuroarenaError, match=message) as err:
        score_track1(path, files / "targets.npz")
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value) and " -> " in str(err.value)


def test_bad_targets_and_paths(files):
    np.savez(files / "dupes.npz", stimulus=np.array(["a", "a"]), embedding=np.eye(2))
    with pytest.raises(NeuroarenaError, match="targets list 1 stimulus ids twice"):
        score_track1(files / "pred.npy", files / "dupes.npz")
    with pytest.raises(NeuroarenaError, match="targets file not found"):
        score_track1(files / "pred.npy", files / "absent.npy")
    (files / "pred.csv").write_text("1,2\n")
    with pytest.raises(NeuroarenaError, match="predictions file must be .npy or .npz, got '.csv'"):
        score_track1(files / "pred.csv", files / "targets.npy")
    (files / "broken.npy").write_bytes(b"not numpy")
    with pytest.raises(NeuroarenaError, match="cannot read predictions"):
        score_track1(files / "broken.npy", files / "targets.npy")


def _parse(argv):
    parser = argparse.ArgumentParser(prog="neuroarena")
    add_score_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_command_prints_json_and_a_table(files, capsys):
    args = _parse(["score", "track1", str(files / "pred.npy"), "--targets", str(files / "targets.npz"), "--json"])
    assert (args.command, args.challenge) == ("score", "track1")
    assert run_score(args) == 0
    assert json.loads(capsys.readouterr().out) == pytest.approx(EXPECTED)
    assert run_score(_parse(["score", "track1", str(files / "pred.npy"), "--targets", str(files / "targets.npy")])) == 0
    out = capsys.readouterr().out
    assert "Top-1" in out and "0.3333" in out and "Top-5" in out and "0.8333" in out


def test_command_requires_targets(files, capsys):
    with pytest.raises(SystemExit):
        _parse(["score", "track1", str(files / "pred.npy")])
    assert "--targets" in capsys.readouterr().err
