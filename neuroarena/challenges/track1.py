"""Track 1 (EEG to image) scorer: Top-1 and Top-5 retrieval over the full test set.

A submission predicts, from EEG, the embedding of each test image in the challenge's frozen
image embedding space. Each test image's (averaged) prediction ranks every test image by
cosine similarity; Top-K is the share of test images whose own embedding ranks among the
first K, ties counting against the submission
(:func:`neuroarena.metrics.retrieval.full_set_topk`).

File formats (NumPy, no pickled objects):

TARGETS, one row per test image
    ``.npy``: float array ``(n_test, dim)``; the test images are rows ``0..n_test-1``.
    ``.npz``: ``stimulus`` ``(n_test,)`` distinct ids (integers or strings) and
    ``embedding`` float ``(n_test, dim)``.
PREDICTIONS
    ``.npy``: float array ``(n_test, dim)``, row i predicting test image i of TARGETS.
    ``.npz``: ``stimulus`` ``(n,)`` and ``embedding`` float ``(n, dim)``; several rows may
    share an id (e.g. repeated presentations) and are averaged; every test image needs at
    least one row and every id must be a test image.

Embeddings must be finite and of the same ``dim`` in both files.
"""
from __future__ import annotations

from pathlib import Path
import numpy as np

from neuroarena.errors import NeuroarenaError

TOPK = (1, 5)


def load_embeddings(path: str | Path, role: str) -> tuple[np.ndarray | None, np.ndarray]:
    """Read and check one ``.npy`` or ``.npz`` embedding file (see the module docstring).

    Parameters
    ----------
    path : str or Path
    role : str
        What the file holds ("predictions" or "targets"), for error messages.

    Returns
    -------
    stimulus : ndarray, shape (n,), or None
        The ids of an ``.npz`` file; None for ``.npy``.
    embedding : ndarray of float64, shape (n, dim)
    """
    import zipfile

    path = Path(path)
    if not path.is_file():
        raise NeuroarenaError(f"{role} file not found", path=path, fix=f"pass the path of the {role} .npy or .npz")
    if path.suffix.lower() not in (".npy", ".npz"):
        raise NeuroarenaError(f"{role} file must be .npy or .npz, got {path.suffix or 'no suffix'!r}", path=path,
                              fix="save with numpy.save (.npy) or numpy.savez (.npz)")
    try:
        if path.suffix.lower() == ".npy":
            return None, _checked_embedding(np.load(path, allow_pickle=False), path, role)
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in ("stimulus", "embedding") if key not in data.files]
            if missing:
                raise NeuroarenaError(f"{role} .npz lacks {' and '.join(missing)} (has {', '.join(data.files)})",
                                      path=path, fix="save with numpy.savez(path, stimulus=ids, embedding=emb)")
            stimulus, embedding = data["stimulus"], data["embedding"]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise NeuroarenaError(f"cannot read {role} ({type(err).__name__}: {err})", path=path,
                              fix="save plain numeric arrays with numpy.save or numpy.savez") from None
    embedding = _checked_embedding(embedding, path, role)
    if stimulus.ndim != 1 or len(stimulus) != len(embedding) or stimulus.dtype.kind not in "iuUS":
        raise NeuroarenaError(f"{role} stimulus has shape {stimulus.shape} and dtype {stimulus.dtype} for "
                              f"{len(embedding)} embedding rows", path=path,
                              fix="save one integer or string id per embedding row")
    return stimulus, embedding


def _checked_embedding(embedding: np.ndarray, path: Path, role: str) -> np.ndarray:
    if embedding.ndim != 2 or 0 in embedding.shape or embedding.dtype.kind != "f":
        raise NeuroarenaError(f"{role} embedding has shape {embedding.shape} and dtype {embedding.dtype}",
                              path=path, fix="save a float array of shape (n, dim), n, dim >= 1")
    bad_rows = np.flatnonzero(~np.isfinite(embedding).all(axis=1))
    if len(bad_rows):
        raise NeuroarenaError(f"{role} embedding has NaN or infinite values in {len(bad_rows)} rows "
                              f"(first: row {bad_rows[0]})", path=path, fix="replace them with finite predictions")
    return embedding.astype(np.float64)


def _first_absent(values: list, allowed: set) -> tuple[int, object]:
    absent = [value for value in values if value not in allowed]
    return len(absent), (absent[0] if absent else None)


def score_track1(predictions: str | Path, targets: str | Path) -> dict[str, float | int]:
    """Top-1 and Top-5 of a submission over the full test set.

    Parameters
    ----------
    predictions : str or Path
        ``.npy`` or ``.npz`` predicted embeddings (see the module docstring).
    targets : str or Path
        ``.npy`` or ``.npz`` embeddings of the test images.

    Returns
    -------
    dict
        ``top1``, ``top5`` (fractions), ``n_test`` (test images) and ``n_predictions`` (rows).
    """
    from neuroarena.metrics.retrieval import full_set_ranks

    target_ids, target_emb = load_embeddings(targets, "targets")
    target_ids = np.arange(len(target_emb)) if target_ids is None else target_ids
    if len(np.unique(target_ids)) != len(target_ids):
        raise NeuroarenaError(f"targets list {len(target_ids) - len(np.unique(target_ids))} stimulus ids twice",
                              path=targets, fix="keep one row per test image")
    stimulus, pred = load_embeddings(predictions, "predictions")
    if pred.shape[1] != target_emb.shape[1]:
        dim = target_emb.shape[1]
        raise NeuroarenaError(f"predictions have dim {pred.shape[1]} but the targets dim {dim}",
                              path=predictions, fix=f"predict embeddings in the targets' space (dim {dim})")
    if stimulus is None:
        if len(pred) != len(target_emb):
            raise NeuroarenaError(f"predictions have {len(pred)} rows for {len(target_emb)} test images",
                                  path=predictions, fix="write one row per test image in the targets' order, "
                                                        "or an .npz with stimulus ids")
        stimulus = target_ids
    n_unknown, unknown = _first_absent(np.unique(stimulus).tolist(), set(target_ids.tolist()))
    if n_unknown:
        raise NeuroarenaError(f"{n_unknown} prediction ids are not test images (e.g. {unknown!r})",
                              path=predictions, fix=f"predict only the test images listed in {Path(targets).name}")
    n_missing, missing = _first_absent(target_ids.tolist(), set(stimulus.tolist()))
    if n_missing:
        raise NeuroarenaError(f"{n_missing} test images have no prediction (e.g. {missing!r})",
                              path=predictions, fix="add a prediction row for every test image")
    _, ranks = full_set_ranks(pred, stimulus, target_ids, target_emb)
    scores: dict[str, float | int] = {f"top{k}": float(np.mean(ranks < k)) for k in TOPK}
    return {**scores, "n_test": len(target_ids), "n_predictions": len(pred)}
