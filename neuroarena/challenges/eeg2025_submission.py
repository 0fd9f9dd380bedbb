"""An EEG Foundation Challenge 2025 submission zip from two trained runs.

The zip is flat, as the challenge requires ("the zip file needs to single level depth! NO FOLDER",
velocitatem/eeg2025-official ``submission.py`` @41727a9c)::

    submission.py              class Submission(SFREQ, DEVICE), get_model_challenge_1/2() (PyTorch only)
    weights_challenge_1.pt     TorchScript: (B, 129, 200) float32 -> (B, 1) response time in seconds
    weights_challenge_2.pt     TorchScript: (B, 129, 200) float32 -> (B, 1) the subject's factor
    submission_manifest.json   which runs, their hashes and tasks, how they were exported

``submission.py`` is :mod:`neuroarena.challenges.eeg2025_submission_template`, copied as it is; it looks
for the weights in ``/app/input/res/``, then ``/app/input/``, then its own folder. Each model is the
run's checkpoint rebuilt (:func:`~neuroarena.runner.checkpoints.rebuild_net`), its outputs
de-standardized (``output * scale + mean``, the training targets' statistics) and exported by
:func:`~neuroarena.challenges.eeg2025_export.export_torchscript`. The scorer of the challenge
(``local_scoring.py``, reproduced by :mod:`neuroarena.challenges.eeg2025_scoring`) feeds windows of
129 channels x 200 samples at 100 Hz, one at a time.
"""
from __future__ import annotations

import json
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.config import MICROVOLTS
from neuroarena.fileio import atomic_path
from neuroarena.home import results_dir
from neuroarena.results.records import ResultRecord

#: What the challenge's scorer feeds every model: channels, samples, sampling rate (Hz).
N_CHANS, N_TIMES, SFREQ = 129, 200, 100.0
SUBMISSION_FILE = "submission.py"
MANIFEST_FILE = "submission_manifest.json"
WEIGHTS = {"challenge_1": "weights_challenge_1.pt", "challenge_2": "weights_challenge_2.pt"}
#: The task a run must be of: Challenge 1 ``rt``; Challenge 2 ``externalizing`` or ``externalizing-<factor>``.
C1_TASK, C2_TASK = "rt", "externalizing"
TEMPLATE = "eeg2025_submission_template.py"
FORMAT = "neuroarena-eeg2025-submission/1"

#: The input scalings a submission can redo on raw volts: the factor it multiplies them by.
INPUT_SCALES = {"none": 1.0, "microvolts": MICROVOLTS}

def package_submission(c1: ResultRecord, c2: ResultRecord, out: str | Path) -> Path:
    """Write the flat submission zip of two trained runs (see the module docstring) to ``out``, atomically.

    Parameters
    ----------
    c1 : ResultRecord
        A finished net run of task ``rt`` (Challenge 1).
    c2 : ResultRecord
        A finished net run of task ``externalizing`` or ``externalizing-<factor>`` (Challenge 2).
    out : str or Path
        The zip to write.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    NeuroarenaError
        A run that failed, is of the wrong task, is not a net (no checkpoint), does not take windows of
        129 x 200 at 100 Hz, or cannot be exported as TorchScript.
    """
    import torch

    from neuroarena import __version__
    from neuroarena.challenges.eeg2025_export import Destandardized, export_torchscript
    from neuroarena.runner.checkpoints import load_checkpoint, rebuild_net

    out = Path(out)
    archives: dict[str, bytes] = {}
    manifest: dict[str, Any] = {"format": FORMAT, "neuroarena": __version__, "torch": torch.__version__,
                                "input": {"shape": [N_CHANS, N_TIMES], "sfreq": SFREQ, "dtype": "float32"}}
    for challenge, record in (("challenge_1", c1), ("challenge_2", c2)):
        checkpoint = _checked_checkpoint(challenge, record)
        payload = load_checkpoint(checkpoint)
        _check_payload(challenge, record, payload, checkpoint)
        scale = payload["standardization"]
        input_scale = INPUT_SCALES[payload.get("scaling", "none")]
        net = Destandardized(rebuild_net(payload), scale["mean"], scale["scale"], input_scale=input_scale)
        archives[challenge], method = export_torchscript(net, N_CHANS, N_TIMES,
                                                         f"the {challenge} net {record.key.model}")
        key = record.key
        manifest[challenge] = {
            "file": WEIGHTS[challenge], "task": key.task, "dataset": key.dataset, "model": key.model,
            "seed": key.seed, "config_hash": key.config_hash, "record": key.relpath.as_posix(),
            "checkpoint": record.training["checkpoint"], "export": method, "target": _target(key.task),
            "standardization": {"mean": scale["mean"], "scale": scale["scale"]}, "input_scale": input_scale,
            "test_metrics": dict(record.metrics),
        }
    template = resources.files("neuroarena.challenges").joinpath(TEMPLATE).read_text()
    with atomic_path(out) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(SUBMISSION_FILE, template)
            for challenge, data in archives.items():
                archive.writestr(WEIGHTS[challenge], data)
            archive.writestr(MANIFEST_FILE, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return out


def _target(task: str) -> str:
    """The target a run of ``task`` predicts: ``rt``, ``externalizing``, or the factor of ``externalizing-<factor>``."""
    return task.split("-", 1)[1] if task.startswith(f"{C2_TASK}-") else task


def _checked_checkpoint(challenge: str, record: ResultRecord) -> Path:
    """The checkpoint of ``record`` after the checks of its status, task and kind (a net)."""
    key = record.key
    where = results_dir() / "records" / key.relpath
    number = challenge[-1]
    if record.status != "ok":
        raise NeuroarenaError(f"c{number} run failed ({record.error})", path=where,
                              fix="submit a finished run (re-run it with --retry)")
    if challenge == "challenge_1" and key.task != C1_TASK:
        raise NeuroarenaError(f"c1 (Challenge 1, response time) must be a run of task {C1_TASK}, not {key.task}",
                              path=where, fix="pass an rt run as --c1")
    if challenge == "challenge_2" and not (key.task == C2_TASK or key.task.startswith(f"{C2_TASK}-")):
        raise NeuroarenaError(f"c2 (Challenge 2, psychopathology) must be a run of task {C2_TASK} or "
                              f"{C2_TASK}-<factor>, not {key.task}", path=where,
                              fix="pass an externalizing run as --c2")
    relative = record.training.get("checkpoint")
    if not relative:
        raise NeuroarenaError(f"c{number} run of {key.model} is not a net: it keeps no checkpoint", path=where,
                              fix="submit a trained net (e.g. eegnex); a net's record written before checkpoints "
                                  "were kept needs a re-run")
    path = results_dir() / relative
    if not path.is_file():
        raise NeuroarenaError(f"c{number} checkpoint not found", path=path,
                              fix="pass --home of the results that hold the run, or re-run it")
    return path


def _check_payload(challenge: str, record: ResultRecord, payload: dict[str, Any], path: Path) -> None:
    """A checkpoint the challenge can score: one standardized regression output, 129 x 200 at 100 Hz."""
    number, model = challenge[-1], record.key.model
    shape = (payload.get("n_chans"), payload.get("n_times"), payload.get("sfreq"))
    if shape[:2] != (N_CHANS, N_TIMES) or shape[2] != SFREQ:
        raise NeuroarenaError(f"c{number} net {model} takes windows of {shape[0]} x {shape[1]} at {shape[2]} Hz; "
                              f"the challenge feeds {N_CHANS} x {N_TIMES} at {SFREQ:g} Hz", path=path,
                              fix="train on the task's own windows (a model whose input rules resample or pick "
                                  "channels cannot be submitted)")
    if payload.get("scaling", "none") not in INPUT_SCALES:
        raise NeuroarenaError(f"c{number} net {model} was trained on windows scaled per recording "
                              f"({payload['scaling']}), which a model given one window cannot redo", path=path,
                              fix="train with the task's own scaling (microvolts) or none")
    one_output = payload.get("target_kind") == "regression" and (
        payload.get("n_outputs") == 1 or payload.get("output") is not None)
    if not one_output or not payload.get("standardization"):
        raise NeuroarenaError(f"c{number} net {model} is not a one-output regression net "
                              f"({payload.get('target_kind')}, {payload.get('n_outputs')} outputs)", path=path,
                              fix="submit runs of the rt and externalizing tasks")
