"""The ``score`` and ``submit`` commands: their arguments (no heavy imports) and their runs, which load the
scorers and the packager."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse


def add_score_parser(subparsers: "argparse._SubParsersAction") -> "argparse.ArgumentParser":
    """Add ``score track1 PREDICTIONS --targets TARGETS [--json]`` and ``score eeg2025 SUBMISSION.zip --data-dir
    DIR [--fast-dev-run] [--output-dir DIR] [--release R5] [--mini] [--device DEVICE] [--json]`` to a command's
    subparsers.

    Returns
    -------
    argparse.ArgumentParser
        The ``score`` parser.
    """
    score = subparsers.add_parser("score", help="score a competition submission",
                                  description="Score a competition submission file.")
    challenges = score.add_subparsers(dest="challenge", required=True, metavar="CHALLENGE")
    track1 = challenges.add_parser(
        "track1", help="EEG to image: Top-1/Top-5 retrieval over the full test set",
        description="EEG to image: Top-1/Top-5 retrieval by cosine similarity over the full test set.")
    track1.add_argument("predictions", metavar="PREDICTIONS",
                        help=".npy (n_test, dim) in the targets' row order, or .npz with stimulus (n,) "
                             "and embedding (n, dim); rows sharing an id are averaged")
    track1.add_argument("--targets", required=True, metavar="TARGETS",
                        help=".npy (n_test, dim), or .npz with stimulus (n_test,) and embedding (n_test, dim)")
    track1.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    eeg2025 = challenges.add_parser(
        "eeg2025", help="EEG Foundation Challenge 2025: a submission zip's C1, C2 and overall NRMSE",
        description="Score a submission zip as the challenge's local_scoring.py does: Challenge 1 (response time) "
                    "and Challenge 2 (externalizing) NRMSE on a release's windows, one window per batch; overall "
                    "= 0.3 C1 + 0.7 C2.")
    eeg2025.add_argument("submission", metavar="SUBMISSION.zip",
                         help="flat zip with submission.py (class Submission) and its weights")
    eeg2025.add_argument("--data-dir", required=True, metavar="DIR",
                         help="eegdash's cache folder holding the release (ds005509-bdf/ for R5) in the HBN layout")
    eeg2025.add_argument("--output-dir", metavar="DIR", help="write predictions.pickle here (default: not written)")
    eeg2025.add_argument("--fast-dev-run", action="store_true", help="the release's first subject only")
    eeg2025.add_argument("--release", default="R5", help="the release scored (default: R5, the local test release)")
    eeg2025.add_argument("--mini", action="store_true", help="read the release's 20-subject -bdf-mini folder")
    eeg2025.add_argument("--device", help="where the models run (default: cuda when available, else cpu)")
    eeg2025.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    return score


def add_submit_parser(subparsers: "argparse._SubParsersAction") -> "argparse.ArgumentParser":
    """Add ``submit eeg2025 --c1 RUN --c2 RUN [-o submission.zip]`` to a command's subparsers.

    Returns
    -------
    argparse.ArgumentParser
        The ``submit`` parser.
    """
    import argparse

    submit = subparsers.add_parser("submit", help="package trained runs as a competition submission",
                                   description="Package trained runs as a competition submission file.")
    challenges = submit.add_subparsers(dest="challenge", required=True, metavar="CHALLENGE")
    eeg2025 = challenges.add_parser(
        "eeg2025", help="EEG Foundation Challenge 2025: a flat zip of two TorchScript nets and submission.py",
        description="Write the flat submission zip of an rt run (Challenge 1) and an externalizing run "
                    "(Challenge 2): submission.py (PyTorch only), the two nets as TorchScript with their outputs "
                    "in the targets' units, and a manifest of the runs.")
    run_help = ("a record's .json path, or task/dataset/model/seed from the results store (seed-N_HASH picks one "
                "of several)")
    eeg2025.add_argument("--c1", required=True, metavar="RUN", help=f"the rt run: {run_help}")
    eeg2025.add_argument("--c2", required=True, metavar="RUN",
                         help=f"the externalizing (or externalizing-<factor>) run: {run_help}")
    eeg2025.add_argument("-o", "--out", default="submission.zip", metavar="ZIP",
                         help="the zip to write (default: submission.zip)")
    eeg2025.add_argument("--home", dest="sub_home", help=argparse.SUPPRESS)
    return submit


def run_submit(args: "argparse.Namespace") -> int:
    """Run a ``submit`` command parsed by :func:`add_submit_parser`; print what was written and return 0."""
    import json
    import zipfile

    from neuroarena.challenges.eeg2025_submission import MANIFEST_FILE, package_submission
    from neuroarena.results.lookup import resolve_run

    out = package_submission(resolve_run(args.c1), resolve_run(args.c2), Path(args.out))
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read(MANIFEST_FILE))
        size = sum(info.file_size for info in archive.infolist())
    for challenge in ("challenge_1", "challenge_2"):
        run = manifest[challenge]
        print(f"{challenge}: {run['task']}/{run['dataset']}/{run['model']}/seed-{run['seed']}_{run['config_hash']} "
              f"({run['export']}, test nrmse {run['test_metrics'].get('nrmse', float('nan')):.5f})")
    print(f"written: {out} ({size / 2**20:.1f} MiB unpacked)")
    return 0


def run_score(args: "argparse.Namespace") -> int:
    """Run a ``score`` command parsed by :func:`add_score_parser`; print the scores and return 0.

    Bad files raise :class:`~neuroarena.errors.NeuroarenaError`.
    """
    import json

    if args.challenge == "eeg2025":
        return _run_eeg2025_score(args)
    from neuroarena.challenges.track1 import TOPK, score_track1

    scores = score_track1(Path(args.predictions), Path(args.targets))
    if args.json:
        print(json.dumps(scores, sort_keys=True))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"track 1: {Path(args.predictions).name}")
    for column in ("metric", "score"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for k in TOPK:
        table.add_row(f"Top-{k}", f"{scores[f'top{k}']:.4f}")
    table.add_row("test images", str(scores["n_test"]))
    table.add_row("prediction rows", str(scores["n_predictions"]))
    Console().print(table)
    return 0


def _run_eeg2025_score(args: "argparse.Namespace") -> int:
    """``score eeg2025``: score the zip, print C1, C2 and overall (or one JSON object) and return 0."""
    import json
    import math

    from neuroarena.challenges.eeg2025_scoring import score_submission

    scores = score_submission(Path(args.submission), Path(args.data_dir), output_dir=args.output_dir,
                              fast_dev_run=args.fast_dev_run, release=args.release, mini=args.mini,
                              device=args.device)
    if args.json:
        print(json.dumps({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in scores.items()},
                         sort_keys=True))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"EEG Foundation Challenge 2025: {Path(args.submission).name} on {args.release}"
                        + (" (fast dev run)" if args.fast_dev_run else ""))
    for column in ("score", "NRMSE", "windows", "subjects"):
        table.add_column(column, justify="left" if column == "score" else "right")
    for challenge, label in (("challenge_1", "Challenge 1 (rt)"), ("challenge_2", "Challenge 2 (externalizing)")):
        value = scores[challenge]
        table.add_row(label, "undefined" if math.isnan(value) else f"{value:.5f}", str(scores["n_windows"][challenge]),
                      str(scores["n_subjects"][challenge]))
    table.add_row("overall (0.3 C1 + 0.7 C2)", "undefined" if math.isnan(scores["overall"]) else
                  f"{scores['overall']:.5f}", "", "")
    Console().print(table)
    if scores["predictions"]:
        print(f"written: {scores['predictions']}")
    return 0
