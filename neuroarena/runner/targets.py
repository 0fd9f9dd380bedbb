"""Turn a split of the window store into the arrays a model learns from and is scored on."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.classification import as_labels
from neuroarena.metrics.registry import compute_metrics
from neuroarena.metrics.retrieval import full_set_ranks
from neuroarena.splits.base import Split
from neuroarena.targets.embeddings import StimulusEmbeddings
from neuroarena.targets.labels import LabelEncoding
from neuroarena.tasks.config import TaskConfig

PARTS = ("train", "val", "test")


@dataclass
class TaskTargets:
    """Targets of each part of a split, aligned with its windows.

    ``y[part]`` is int64, shape (n,), for classification, float32, shape (n, d), for embeddings;
    ``stimulus[part]`` the stimulus id of each window, shape (n,); ``subject[part]`` the index of each
    window's subject among :attr:`subjects`, int64, shape (n,).
    """

    kind: str
    n_outputs: int
    windows: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    stimulus: dict[str, np.ndarray]
    subject: dict[str, np.ndarray]
    subjects: list[str]
    embeddings: StimulusEmbeddings | None = None
    classes: list[str] | None = None

    def items(self, part: str, outputs: np.ndarray, positions: np.ndarray) -> dict[str, list]:
        """Per-item outcomes behind the scores, for confidence intervals and paired tests.

        Classification: ``y_true`` and ``y_pred`` per window. Embedding: each test stimulus and the rank of
        its true candidate among all candidates (predictions of repeats averaged first).
        """
        if self.kind == "classification":
            return {"y_true": self.y[part][positions].tolist(), "y_pred": as_labels(outputs).tolist()}
        stimulus = self.stimulus[part][positions]
        candidate_ids = np.unique(stimulus)
        ids, ranks = full_set_ranks(outputs, stimulus, candidate_ids, self.embeddings.lookup(candidate_ids))
        return {"stimulus": ids.tolist(), "rank": ranks.tolist()}

    def score(self, part: str, names: list[str], outputs: np.ndarray, positions: np.ndarray) -> dict[str, float]:
        """Metrics ``names`` of ``outputs`` (n, n_outputs) or predicted labels (n,) for ``part``'s windows at ``positions``."""
        if self.kind == "classification":
            return compute_metrics(names, pred=outputs, labels=self.y[part][positions])
        stimulus = self.stimulus[part][positions]
        candidate_ids = np.unique(stimulus)
        return compute_metrics(
            names,
            pred=outputs,
            target=self.y[part][positions],
            stimulus=stimulus,
            candidate_ids=candidate_ids,
            candidate_emb=self.embeddings.lookup(candidate_ids),
        )


def make_targets(task: TaskConfig, metadata: pd.DataFrame, split: Split, stimulus_features: pd.DataFrame | None,
                 source: str) -> TaskTargets:
    """Encode labels (fitted on train only) or look up stimulus embeddings for every part of ``split``.

    Parameters
    ----------
    task : TaskConfig
    metadata : DataFrame
        One row per window of the store (``window`` column = global index).
    split : Split
    stimulus_features : DataFrame or None
        Stimulus embedding table indexed by stimulus id (embedding targets only).
    source : str
        Named in errors (the store's folder).
    """
    windows = {part: getattr(split, part) for part in PARTS}
    rows = {part: metadata.iloc[idx] for part, idx in windows.items()}
    stimulus = {part: rows[part]["stimulus"].astype(str).to_numpy() for part in PARTS}
    subjects = sorted(metadata["subject"].astype(str).unique())
    subject = {part: np.searchsorted(subjects, rows[part]["subject"].astype(str).to_numpy()).astype(np.int64)
               for part in PARTS}
    common = dict(windows=windows, stimulus=stimulus, subject=subject, subjects=subjects)
    if task.target.kind == "classification":
        column = task.target.column
        if column not in metadata.columns:
            raise NeuroarenaError(f"the task's target column '{column}' is not in the events", source,
                                  "choose an events column in the task's target.column")
        encoding = LabelEncoding().fit(rows["train"][column].astype(str).to_numpy())
        y = {part: encoding.transform(rows[part][column].astype(str).to_numpy()) for part in PARTS}
        return TaskTargets("classification", len(encoding.classes_), y=y, classes=list(encoding.classes_), **common)
    if stimulus_features is None:
        raise NeuroarenaError("this dataset has no stimulus embeddings for an embedding task", source,
                              "run an embedding task on a study that provides stimulus features")
    embeddings = StimulusEmbeddings(stimulus_features)
    y = {part: embeddings.lookup(stimulus[part]) for part in PARTS}
    return TaskTargets("embedding", embeddings.dim, y=y, embeddings=embeddings, **common)
