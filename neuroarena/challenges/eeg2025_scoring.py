"""Score an EEG Foundation Challenge 2025 submission zip locally, as the organisers' ``local_scoring.py`` does.

Sources: the starter kit's ``local_scoring.py`` (stored copies: Longcodedao/eeg_challenge ``local_scoring.py``
@ac39addf, and one whose repository is not shown) and the challenge's rules (eeg2025/eeg2025.github.io
``_pages/rules.md``). It unzips the submission (into a temporary folder, on ``sys.path`` while the models load and
removed from ``sys.path`` and ``sys.modules`` after), imports ``Submission`` from it, builds ``Submission(100,
DEVICE)`` and loads model 1 before the data; runs it in ``eval()`` mode under ``torch.inference_mode()`` on
Challenge 1's windows of release R5 with batch size 1 in recording order (a sequential sampler); builds a new
``Submission`` for model 2 and does the same on Challenge 2's crops; pickles ``{"challenge_1": {"y_preds",
"y_trues"}, "challenge_2": {...}}`` to ``predictions.pickle``; and scores NRMSE = RMSE / std(y_true)
(population std) per challenge, overall ``0.3 * C1 + 0.7 * C2``.

The windows are those neuroarena's ``rt`` and ``externalizing`` stores hold, read through
:class:`~neuroarena.studies.hbn.Hbn2025Challenge` (its events, :func:`~neuroarena.studies.hbn_trials.recording_events`)
and cut from ``mne.io.read_raw_bdf(...).get_data()`` as float32, nothing else applied:

- Challenge 1: each ``stimulus`` row with a finite ``rt`` (a response), samples ``round(onset * 100) + 50``
  to ``+ 250`` (stimulus + 0.5 s to + 2.5 s); the truth is ``rt`` in seconds;
- Challenge 2: each ``crop`` row (4 s windows every 2 s, a 2 s crop at a ``random.Random(42)`` offset per
  recording) of a subject with a finite ``externalizing``, samples ``round(onset * 100)`` to ``+ 200``; the
  truth is the subject's ``externalizing``.
"""
from __future__ import annotations

import gc
import importlib
import math
import pickle
import sys
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from neuroarena.errors import NeuroarenaError, first_line

if TYPE_CHECKING:
    import torch

    from neuroarena.studies.base import Recording

SFREQ = 100
N_CHANS, N_TIMES = 129, 200
#: Challenge -> (events kind, first sample after the onset, truth column).
WINDOWS = {"challenge_1": ("stimulus", 50, "rt"), "challenge_2": ("crop", 0, "externalizing")}
PREDICTIONS_FILE = "predictions.pickle"
TASK = "contrastChangeDetection"


def score_submission(zip_path: str | Path, data_dir: str | Path, output_dir: str | Path | None = None,
                     fast_dev_run: bool = False, release: str = "R5", mini: bool = False,
                     device: str | None = None) -> dict[str, Any]:
    """Score a submission zip on a release's windows of both challenges (see the module docstring).

    Parameters
    ----------
    zip_path : str or Path
        A flat zip holding ``submission.py`` (``class Submission``) and what it loads.
    data_dir : str or Path
        eegdash's cache folder, holding ``ds005509-bdf/`` (R5) in the HBN layout.
    output_dir : str or Path, optional
        Where ``predictions.pickle`` is written (not written when None).
    fast_dev_run : bool
        The first subject of the release only (its Challenge 2 score is undefined, NaN, when that one subject's
        factor is the only truth).
    release : str
        The release scored (the challenge's local test release is R5).
    mini : bool
        Read the release's 20-subject ``-bdf-mini`` folder instead.
    device : str, optional
        Where the models run; ``"cuda"`` when available, else ``"cpu"`` (the official scorer's choice).

    Returns
    -------
    dict
        ``challenge_1``, ``challenge_2``, ``overall`` (NRMSE, lower is better), ``n_windows`` and
        ``n_subjects`` per challenge, ``release``, ``device``, ``predictions`` (the pickle's path or None).

    Raises
    ------
    NeuroarenaError
        Not a zip, a zip with a folder inside, no ``submission.py``, an import error in it, a missing weights
        file, a model that fails or whose output is not ``(B, 1)`` or not finite.
    """
    import torch

    from neuroarena.challenges.eeg2025 import overall_score
    from neuroarena.studies.hbn import Hbn2025Challenge

    zip_path = Path(zip_path)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    recordings = Hbn2025Challenge(root=data_dir, releases=[release], mini=mini, tasks=[TASK]).recordings()
    if fast_dev_run and recordings:
        recordings = [r for r in recordings if r.subject == recordings[0].subject]
    results: dict[str, dict[str, np.ndarray]] = {}
    with tempfile.TemporaryDirectory(prefix="neuroarena-eeg2025-") as folder, \
            _imported_submission(zip_path, Path(folder)) as submission:
        for challenge in ("challenge_1", "challenge_2"):
            model = _load_model(submission, challenge, device, zip_path)
            results[challenge] = _predict(model, challenge_windows(recordings, challenge), challenge, device,
                                          zip_path)
            del model
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
    scores = {}
    for challenge, arrays in results.items():
        if not len(arrays["y_trues"]):
            raise NeuroarenaError(f"no {challenge} window in release {release}", path=data_dir,
                                  fix="point --data-dir at eegdash's cache holding the release's "
                                      "contrastChangeDetection recordings with events.tsv and participants.tsv")
        scores[challenge] = _nrmse(arrays["y_trues"], arrays["y_preds"], fast_dev_run)
    predictions = None
    if output_dir is not None:
        predictions = write_predictions(results, output_dir)
    return {**scores, "overall": overall_score(scores["challenge_1"], scores["challenge_2"]),
            "n_windows": {c: int(len(a["y_trues"])) for c, a in results.items()},
            "n_subjects": {c: int(len(set(a["subjects"]))) for c, a in results.items()},
            "release": release, "device": str(device), "fast_dev_run": fast_dev_run,
            "predictions": None if predictions is None else str(predictions)}


def challenge_windows(recordings: list["Recording"], challenge: str) -> Iterator[tuple[np.ndarray, float, str]]:
    """A challenge's windows of ``recordings``, in recording order, then onset order.

    Parameters
    ----------
    recordings : list of Recording
        Contrast-change recordings of :class:`~neuroarena.studies.hbn.Hbn2025Challenge`.
    challenge : {"challenge_1", "challenge_2"}

    Yields
    ------
    X : ndarray of float32, shape (129, 200)
    y : float
        The truth: response time (s) or the subject's externalizing factor.
    subject : str
    """
    import mne

    kind, offset, column = WINDOWS[challenge]
    for recording in recordings:
        events = recording.events()
        rows = events[(events["kind"] == kind) & np.isfinite(events[column].to_numpy(dtype=float))]
        if rows.empty:
            continue
        raw = mne.io.read_raw_bdf(recording.path, preload=False, verbose="error")
        if float(raw.info["sfreq"]) != SFREQ or len(raw.ch_names) != N_CHANS:
            raise NeuroarenaError(f"{len(raw.ch_names)} channels at {raw.info['sfreq']:g} Hz, not the challenge's "
                                  f"{N_CHANS} at {SFREQ} Hz", path=recording.path,
                                  fix="score the challenge's release (eegdash's BDF copy, 100 Hz)")
        data = raw.get_data().astype(np.float32)
        starts = np.round(rows["onset"].to_numpy(dtype=float) * SFREQ).astype(np.int64) + offset
        outside = (starts < 0) | (starts + N_TIMES > data.shape[1])
        if outside.any():
            raise NeuroarenaError(f"{int(outside.sum())} {challenge} window(s) fall outside the recording",
                                  path=recording.path, fix="restore the recording and its events.tsv from eegdash")
        for start, y in zip(starts, rows[column].to_numpy(dtype=float)):
            yield data[:, start:start + N_TIMES], float(y), recording.subject
        del data


def write_predictions(results: dict[str, dict[str, np.ndarray]], output_dir: str | Path) -> Path:
    """``predictions.pickle`` in the official layout ``{"challenge_1": {"y_preds", "y_trues"}, "challenge_2": ...}``.

    Parameters
    ----------
    results : dict
        Per challenge ``y_preds`` and ``y_trues``, each shape (n_windows,).
    output_dir : str or Path

    Returns
    -------
    Path
        The pickle, written atomically.
    """
    from neuroarena.fileio import atomic_path

    path = Path(output_dir) / PREDICTIONS_FILE
    layout = {c: {"y_preds": a["y_preds"], "y_trues": a["y_trues"]} for c, a in results.items()}
    with atomic_path(path) as tmp:
        tmp.write_bytes(pickle.dumps(layout))
    return path


def _nrmse(y_trues: np.ndarray, y_preds: np.ndarray, fast_dev_run: bool) -> float:
    """NRMSE, or NaN in a fast dev run whose truths are all equal (one subject's factor)."""
    from neuroarena.metrics.regression import nrmse

    if fast_dev_run and float(np.std(y_trues)) == 0.0:
        return math.nan
    return nrmse(y_trues, y_preds)


@contextmanager
def _imported_submission(zip_path: Path, folder: Path) -> Iterator[type]:
    """Unzip ``zip_path`` into ``folder`` and yield its ``Submission``; on exit the folder leaves ``sys.path``
    and its modules (``submission`` and what it imported from the zip) leave ``sys.modules``."""
    if not zip_path.is_file() or not zipfile.is_zipfile(zip_path):
        raise NeuroarenaError("not a zip file", path=zip_path,
                              fix="pass the submission .zip (neuroarena submit eeg2025)")
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        nested = [name for name in names if "/" in name]
        if nested:
            raise NeuroarenaError(f"the zip has a folder inside ({nested[0]}); the challenge wants it flat",
                                  path=zip_path, fix="zip the files themselves (cd into the folder; zip ../s.zip *)")
        if "submission.py" not in names:
            raise NeuroarenaError(f"the zip has no submission.py (it holds {', '.join(sorted(names)) or 'nothing'})",
                                  path=zip_path, fix="put submission.py with class Submission at the zip's top level")
        archive.extractall(folder)
    before = dict(sys.modules)
    sys.modules.pop("submission", None)
    sys.path.insert(0, str(folder))  # kept while the models load: get_model_* may import the zip's modules
    try:
        try:
            module = importlib.import_module("submission")
        except Exception as err:
            raise NeuroarenaError(f"submission.py fails to import: {first_line(err)}", path=zip_path,
                                  fix="make it import with PyTorch and the standard library (or install what it "
                                      "needs)") from None
        submission = getattr(module, "Submission", None)
        if not isinstance(submission, type):
            raise NeuroarenaError("submission.py has no class Submission", path=zip_path,
                                  fix="define class Submission(SFREQ, DEVICE) with get_model_challenge_1/2()")
        yield submission
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n not in before or sys.modules[n] is not before[n]]:
            if name == "submission" or _inside(sys.modules[name], folder):
                del sys.modules[name]
        if "submission" in before:
            sys.modules["submission"] = before["submission"]


def _inside(module: Any, folder: Path) -> bool:
    file = getattr(module, "__file__", None)
    return file is not None and Path(file).resolve().is_relative_to(folder.resolve())


def _load_model(submission: type, challenge: str, device: str, zip_path: Path) -> "torch.nn.Module":
    """``Submission(100, device).get_model_challenge_N()`` in eval mode; a failure is one line saying which."""
    import torch

    method = f"get_model_{challenge}"
    try:
        model = getattr(submission(SFREQ, device), method)()
    except FileNotFoundError as err:
        raise NeuroarenaError(f"{method}() misses a weights file: {first_line(err)}", path=zip_path,
                              fix="put the weights file at the zip's top level, beside submission.py") from None
    except Exception as err:
        raise NeuroarenaError(f"Submission({SFREQ}, {device!r}).{method}() fails: {first_line(err)}",
                              path=zip_path, fix="fix submission.py (it must build both models)") from None
    if not isinstance(model, torch.nn.Module):
        raise NeuroarenaError(f"{method}() returns a {type(model).__name__}, not a torch module", path=zip_path,
                              fix="return the torch.nn.Module")
    return model.eval()


def _predict(model: "torch.nn.Module", windows: Iterator[tuple[np.ndarray, float, str]], challenge: str,
             device: str, zip_path: Path) -> dict[str, np.ndarray]:
    """The model's output for every window, one window per batch; ``y_preds``, ``y_trues``, ``subjects``."""
    import torch

    preds, trues, subjects = [], [], []
    with torch.inference_mode():
        for i, (X, y, subject) in enumerate(windows):
            batch = torch.from_numpy(np.ascontiguousarray(X)[None]).to(device=device, dtype=torch.float32)
            try:
                out = model.forward(batch)
            except Exception as err:
                raise NeuroarenaError(f"the {challenge} model fails on a (1, {N_CHANS}, {N_TIMES}) batch: "
                                      f"{first_line(err)}", path=zip_path, fix="fix the model's forward") from None
            if not isinstance(out, torch.Tensor) or tuple(out.shape) != (1, 1):
                shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                raise NeuroarenaError(f"the {challenge} model returns {shape} for a (1, {N_CHANS}, {N_TIMES}) batch, "
                                      "not (B, 1)", path=zip_path, fix="return one value per window: shape (B, 1)")
            value = out.float().cpu().numpy()[0][0]
            if not np.isfinite(value):
                raise NeuroarenaError(f"the {challenge} model gives a non-finite output ({value}) for window {i} "
                                      f"(sub-{subject})", path=zip_path,
                                      fix="check the weights and the model's numerics")
            preds.append(value)
            trues.append(y)
            subjects.append(subject)
    return {"y_preds": np.asarray(preds, dtype=np.float32), "y_trues": np.asarray(trues, dtype=np.float64),
            "subjects": np.asarray(subjects, dtype=object)}
