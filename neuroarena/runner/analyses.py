"""What a record holds beyond its metrics: per-subject scores, a confusion matrix, caption-quality analyses
and the image -> caption reference."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from neuroarena.metrics.classification import as_labels

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.runner.targets import TaskTargets
    from neuroarena.tasks.config import TaskConfig


def test_analyses(task: "TaskConfig", targets: "TaskTargets", outputs: np.ndarray, positions: np.ndarray,
                  captions: "pd.Series | None" = None) -> dict[str, Any]:
    """Analyses of the test outputs.

    Parameters
    ----------
    task : TaskConfig
    targets : TaskTargets
    outputs : ndarray, shape (n, n_outputs)
        Test outputs at ``positions`` (n,) of the test part.
    captions : Series, optional
        Caption of each stimulus id (caption tasks: BERTScore of the retrieved caption).

    Returns
    -------
    dict
        ``per_subject`` (subject -> the task's ``per_subject`` metrics); for classification the
        ``confusion_matrix`` (rows true, columns predicted, ``classes`` order); for caption targets
        ``map_per_class``, ``bertscore`` and ``clipscore`` summaries.
    """
    out: dict[str, Any] = {}
    if task.per_subject:
        out["per_subject"] = targets.score_per_subject("test", task.per_subject, outputs, positions)
    if targets.kind == "classification":
        from neuroarena.metrics.analyses import confusion_matrix

        matrix = confusion_matrix(targets.y["test"][positions], as_labels(outputs), len(targets.classes))
        out["confusion_matrix"] = {"classes": targets.classes, "counts": np.asarray(matrix).tolist()}
    elif task.target.source == "caption":
        out |= caption_analyses(targets, outputs, positions, captions)
    return out


def caption_analyses(targets: "TaskTargets", outputs: np.ndarray, positions: np.ndarray,
                     captions: "pd.Series | None") -> dict[str, Any]:
    """Per-class MAP, BERTScore of each retrieved caption (share above 0.7) and CLIPScore distributions.

    Like the retrieval metrics, each is computed per subject (its repeats averaged, its captions retrieved
    among its own test stimuli) and averaged over subjects (a category over the subjects that saw it); the
    same over all subjects pooled is kept as ``map_per_class_pooled``, ``bertscore_pooled`` and
    ``clipscore_pooled``.
    """
    subject = targets.subject["test"][positions]
    per_subject = [_caption_summaries(targets, outputs[subject == s], positions[subject == s], captions)
                   for s in np.unique(subject)]
    out: dict[str, Any] = {}
    for name in per_subject[0]:
        keys = sorted({key for summary in per_subject if name in summary for key in summary[name]})
        out[name] = {key: float(np.mean([summary[name][key] for summary in per_subject
                                         if key in summary.get(name, {})])) for key in keys}
    pooled = _caption_summaries(targets, outputs, positions, captions)
    return out | {f"{name}_pooled": summary for name, summary in pooled.items()}


def _caption_summaries(targets: "TaskTargets", outputs: np.ndarray, positions: np.ndarray,
                       captions: "pd.Series | None") -> dict[str, dict[str, float]]:
    """:func:`caption_analyses` of the test windows at ``positions`` (outputs shape (n, d)), pooled."""
    from neuroarena.metrics.caption import map_per_class
    from neuroarena.metrics.caption_quality import clipscore_distributions, retrieved_caption_bertscore
    from neuroarena.metrics.retrieval import average_by_stimulus

    c = targets.candidates("test", positions)
    out = {"map_per_class": map_per_class(outputs, c["stimulus"], c["candidate_ids"], c["candidate_emb"],
                                          c["candidate_category"], c["category"])}
    if captions is not None:
        texts = captions.reindex(c["candidate_ids"]).fillna("").astype(str).tolist()
        if all(texts):
            _, _, summary = retrieved_caption_bertscore(outputs, c["stimulus"], c["candidate_ids"],
                                                        c["candidate_emb"], texts)
            out["bertscore"] = summary
    ids, averaged = average_by_stimulus(outputs, c["stimulus"])
    matched = np.searchsorted(c["candidate_ids"], ids)
    if len(c["candidate_ids"]) >= 2:
        out["clipscore"] = clipscore_distributions(averaged, c["candidate_emb"], matched)[2]
    return out


def image_reference(task: "TaskConfig", targets: "TaskTargets", reference_table: "pd.DataFrame",
                    zero_shot: bool, positions: np.ndarray) -> dict[str, Any]:
    """The caption task with each window's image embedding in place of its EEG: the image upper bound.

    The image embedding of each test window is mapped to the caption space, zero-shot when both are the
    towers of one CLIP model, else by a ridge regression (penalty chosen by leave-one-out) fitted on the
    training stimuli; the test windows at ``positions`` (those the EEG model was scored on) are then
    scored like the EEG model's.

    Returns
    -------
    dict
        ``method`` ("zero_shot" or "ridge") and ``metrics`` (the task's metrics).
    """
    from neuroarena.targets.embeddings import StimulusEmbeddings

    images = StimulusEmbeddings(reference_table)
    X_test = images.lookup(targets.stimulus["test"][positions])
    if zero_shot:
        pred = X_test
    else:
        from sklearn.linear_model import RidgeCV

        train_ids = np.unique(targets.stimulus["train"])
        ridge = RidgeCV(alphas=np.logspace(-3, 4, 15)).fit(images.lookup(train_ids),
                                                            targets.embeddings.lookup(train_ids))
        pred = ridge.predict(X_test).astype(np.float32)
    metrics = targets.score("test", [m for m in task.metrics if not m.endswith("_batch")], pred, positions)
    return {"method": "zero_shot" if zero_shot else "ridge", "metrics": metrics}
