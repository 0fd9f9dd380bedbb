"""The ``score`` command: its arguments (no heavy imports) and its run, which loads the scorer."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse


def add_score_parser(subparsers: "argparse._SubParsersAction") -> "argparse.ArgumentParser":
    """Add ``score track1 PREDICTIONS --targets TARGETS [--json]`` to a command's subparsers.

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
    return score


def run_score(args: "argparse.Namespace") -> int:
    """Run a ``score`` command parsed by :func:`add_score_parser`; print the scores and return 0.

    Bad files raise :class:`~neuroarena.errors.NeuroarenaError`.
    """
    import json

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
