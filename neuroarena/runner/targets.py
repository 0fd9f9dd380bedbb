"""Turn a split of the window store into the arrays a model learns from and is scored on."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.classification import as_labels
from neuroarena.metrics.registry import compute_metrics
from neuroarena.metrics.retrieval import full_set_ranks
from neuroarena.splits.base import Split
from neuroarena.targets.embeddings import StimulusEmbeddings
from neuroarena.targets.labels import LabelEncoding, StandardizedTarget, map_labels
from neuroarena.tasks.config import TaskConfig

PARTS = ("train", "val", "test")


@dataclass
class TaskTargets:
    """Targets of each part of a split, aligned with its windows.

    ``y[part]`` is int64, shape (n,), for classification, float32, shape (n, d), for embeddings, float32,
    shape (n, 1), for regression (standardized on the training windows: :attr:`standardization` maps model
    outputs back to the target's units before they are scored);
    ``stimulus[part]`` the stimulus id of each window, shape (n,); ``subject[part]`` the index of each
    window's subject among :attr:`subjects`, int64, shape (n,); ``category[part]`` each window's category
    (strings, shape (n,)). ``extras[part]`` holds what training objectives may use besides ``y``:
    ``label`` (category index, int64 (n,)), ``stimulus`` (row of the stimulus in :attr:`embeddings`,
    int64 (n,)), ``target_group`` (the same index for every stimulus whose target embedding is identical,
    e.g. two images with one caption, int64 (n,)) and ``teacher`` (the reference embedding of the window's
    image, float32 (n, d_t)).
    """

    kind: str
    n_outputs: int
    windows: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    stimulus: dict[str, np.ndarray]
    subject: dict[str, np.ndarray]
    category: dict[str, np.ndarray]
    subjects: list[str]
    extras: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    embeddings: StimulusEmbeddings | None = None
    classes: list[str] | None = None
    categories: list[str] | None = None
    standardization: StandardizedTarget | None = None
    excluded: dict[str, int] = field(default_factory=dict)

    def candidates(self, part: str, positions: np.ndarray,
                   space: StimulusEmbeddings | None = None) -> dict[str, np.ndarray]:
        """Retrieval inputs of ``part``'s windows at ``positions``: their ``stimulus``, ``category`` and
        ``subject`` (n,), and the distinct stimuli as candidates: ``candidate_ids`` (m,), sorted,
        ``candidate_emb`` (m, d), from ``space`` (default :attr:`embeddings`), ``candidate_category`` (m,)."""
        stimulus = self.stimulus[part][positions]
        candidate_ids, first = np.unique(stimulus, return_index=True)
        space = self.embeddings if space is None else space
        return dict(stimulus=stimulus, candidate_ids=candidate_ids, candidate_emb=space.lookup(candidate_ids),
                    category=self.category[part][positions], subject=self.subject[part][positions],
                    candidate_category=self.category[part][positions][first])

    def items(self, part: str, outputs: np.ndarray, positions: np.ndarray) -> dict[str, list]:
        """Per-item outcomes behind the scores, for confidence intervals and paired tests.

        Classification: ``y_true`` and ``y_pred`` per window. Embedding: for each subject and each of its
        test stimuli, the ``subject``, the ``stimulus`` and the ``rank`` of its true candidate among the
        subject's candidates (the subject's repeats averaged first), as the per-subject metrics score it.
        """
        if self.kind == "classification":
            return {"y_true": self.y[part][positions].tolist(), "y_pred": as_labels(outputs).tolist()}
        if self.kind == "regression":
            return {"subject": [self.subjects[s] for s in self.subject[part][positions]],
                    "y_true": self.values(part, positions)[:, 0].tolist(),
                    "y_pred": self.standardization.inverse_transform(outputs).reshape(-1).tolist()}
        out: dict[str, list] = {"subject": [], "stimulus": [], "rank": []}
        subject = self.subject[part][positions]
        for s in np.unique(subject):
            mine = subject == s
            c = self.candidates(part, positions[mine])
            ids, ranks = full_set_ranks(outputs[mine], c["stimulus"], c["candidate_ids"], c["candidate_emb"])
            out["subject"] += [self.subjects[s]] * len(ids)
            out["stimulus"] += ids.tolist()
            out["rank"] += ranks.tolist()
        return out

    def score(self, part: str, names: list[str], outputs: np.ndarray, positions: np.ndarray,
              space: StimulusEmbeddings | None = None) -> dict[str, float]:
        """Metrics ``names`` of ``outputs`` (n, n_outputs) or predicted labels (n,) for ``part``'s windows at
        ``positions``; retrieval candidates are the distinct stimuli of those windows, embedded in ``space``
        (default :attr:`embeddings`; see :meth:`candidates`)."""
        if self.kind == "classification":
            return compute_metrics(names, pred=outputs, labels=self.y[part][positions],
                                   subject=self.subject[part][positions])
        if self.kind == "regression":
            return compute_metrics(names, pred=self.standardization.inverse_transform(outputs).reshape(-1, 1),
                                   target=self.values(part, positions), subject=self.subject[part][positions])
        return compute_metrics(names, pred=outputs, target=self.y[part][positions],
                               **self.candidates(part, positions, space))

    def values(self, part: str, positions: np.ndarray) -> np.ndarray:
        """Regression targets of ``part``'s windows at ``positions`` in their own units, shape (n, 1)."""
        return self.standardization.inverse_transform(self.y[part][positions])

    def score_per_subject(self, part: str, names: list[str], outputs: np.ndarray,
                          positions: np.ndarray) -> dict[str, dict[str, float]]:
        """:meth:`score` on each subject's windows alone (repeats averaged within the subject): subject -> scores."""
        subject = self.subject[part][positions]
        return {self.subjects[s]: self.score(part, names, outputs[subject == s], positions[subject == s])
                for s in np.unique(subject)}


def make_targets(task: TaskConfig, metadata: pd.DataFrame, split: Split, embedding_table: pd.DataFrame | None,
                 source: str, reference_table: pd.DataFrame | None = None) -> TaskTargets:
    """Encode labels (fitted on train only) or look up stimulus embeddings for every part of ``split``.

    Parameters
    ----------
    task : TaskConfig
    metadata : DataFrame
        One row per window of the store (``window`` column = global index).
    split : Split
    embedding_table : DataFrame or None, shape (n_stimuli, d)
        The target space, indexed by stimulus id (embedding targets only).
    source : str
        Named in errors (the store's folder).
    reference_table : DataFrame, shape (n_stimuli, d_t), optional
        The reference image embedding of each stimulus: the ``teacher`` of distillation terms.
    """
    windows = {part: getattr(split, part) for part in PARTS}
    excluded: dict[str, int] = {}
    if task.target.kind == "regression":
        windows, excluded = _with_values(task.target.column, metadata, windows, source)
    labels = None
    if task.target.kind == "classification":
        windows, excluded, labels = _with_labels(task.target.column, task.target.labels, metadata, windows, source)
    rows = {part: metadata.iloc[idx] for part, idx in windows.items()}
    stimulus = {part: rows[part]["stimulus"].astype(str).to_numpy() for part in PARTS}
    category = {part: rows[part]["category"].astype(str).to_numpy() if "category" in metadata.columns
                else np.full(len(rows[part]), "", dtype=object) for part in PARTS}
    subjects = sorted(metadata["subject"].astype(str).unique())
    subject = {part: np.searchsorted(subjects, rows[part]["subject"].astype(str).to_numpy()).astype(np.int64)
               for part in PARTS}
    common = dict(windows=windows, stimulus=stimulus, subject=subject, subjects=subjects, category=category)
    if task.target.kind == "classification":
        encoding = LabelEncoding().fit(labels[windows["train"]])
        y = {part: encoding.transform(labels[idx]) for part, idx in windows.items()}
        return TaskTargets("classification", len(encoding.classes_), y=y, classes=list(encoding.classes_),
                           excluded=excluded, **common)
    if task.target.kind == "regression":
        column = task.target.column
        values = {part: pd.to_numeric(rows[part][column]).to_numpy(dtype=np.float64).reshape(-1, 1) for part in PARTS}
        standardization = StandardizedTarget().fit(values["train"])
        y = {part: standardization.transform(values[part]) for part in PARTS}
        return TaskTargets("regression", 1, y=y, standardization=standardization, excluded=excluded, **common)
    if embedding_table is None:
        raise NeuroarenaError("this dataset has no stimulus embeddings for an embedding task", source,
                              "run an embedding task on a study that provides stimuli or stimulus features")
    embeddings = StimulusEmbeddings(embedding_table, source=source)
    y = {part: embeddings.lookup(stimulus[part]) for part in PARTS}
    row = {stimulus_id: k for k, stimulus_id in enumerate(embeddings.ids.tolist())}
    _, group = np.unique(embeddings.lookup(embeddings.ids), axis=0, return_inverse=True)
    extras = {}
    for part in PARTS:
        rows_of = np.array([row[s] for s in stimulus[part].tolist()], dtype=np.int64)
        extras[part] = {"stimulus": rows_of, "target_group": group.ravel()[rows_of].astype(np.int64)}
    categories = None
    if (category["train"] != "").all() and len(category["train"]):
        categories = sorted(set(category["train"].tolist()))
        for part in PARTS:
            # a category absent from training gets -1, which a category term rejects loudly
            code = np.searchsorted(categories, category[part])
            known = np.asarray(categories, dtype=object)[np.minimum(code, len(categories) - 1)] == category[part]
            extras[part]["label"] = np.where(known, code, -1).astype(np.int64)
    if reference_table is not None:
        reference = StimulusEmbeddings(reference_table, source=source)
        for part in PARTS:
            extras[part]["teacher"] = reference.lookup(stimulus[part])
    return TaskTargets("embedding", embeddings.dim, y=y, embeddings=embeddings, extras=extras,
                       categories=categories, **common)


def _require_column(column: str, metadata: pd.DataFrame, source: str) -> None:
    """Raise when the task's target ``column`` is not among the events' columns."""
    if column not in metadata.columns:
        raise NeuroarenaError(f"the task's target column '{column}' is not in the events", source,
                              "choose an events column in the task's target.column")


def _with_labels(column: str, labels: dict[str, str], metadata: pd.DataFrame, windows: dict[str, np.ndarray],
                 source: str) -> tuple[dict[str, np.ndarray], dict[str, int], np.ndarray]:
    """The windows of each part whose ``column`` value has a class under ``labels``, how many were left out
    for having none, and the class of every window of the store, shape (n_store,) (``""``: none)."""
    _require_column(column, metadata, source)
    classes = map_labels(metadata[column].astype(str).to_numpy(), labels)
    if not labels:
        return windows, {}, classes
    kept = {part: idx[classes[idx] != ""] for part, idx in windows.items()}
    every = np.concatenate(list(windows.values()))
    if not any(len(idx) for idx in kept.values()):
        raise NeuroarenaError(f"no value of '{column}' matches the task's target.labels {sorted(labels)}", source,
                              "map the column's values (e.g. 'up_*: up') in target.labels")
    return kept, {"windows_without_target": int((classes[every] == "").sum())}, classes


def _with_values(column: str, metadata: pd.DataFrame, windows: dict[str, np.ndarray],
                 source: str) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """The windows of each part that have a finite value in ``column``, and how many windows and subjects
    were left out for having none (a trial without a response, a subject without the trait)."""
    _require_column(column, metadata, source)
    values = pd.to_numeric(metadata[column], errors="coerce").to_numpy(dtype=np.float64)
    known = np.isfinite(values)
    every = np.concatenate(list(windows.values()))
    subject = metadata["subject"].astype(str).to_numpy()
    with_value = set(subject[every[known[every]]].tolist())
    excluded = {"windows_without_target": int((~known[every]).sum()),
                "subjects_without_target": len(set(subject[every].tolist()) - with_value)}
    return {part: idx[known[idx]] for part, idx in windows.items()}, excluded


def scoring_caveats(targets: TaskTargets, positions: np.ndarray) -> list[str]:
    """Why the scores of the test windows at ``positions`` say little, one phrase each (none: an empty list).

    A classification test set holding one class only makes balanced accuracy 1 for any model that names it
    (a tiny simulation with two test subjects of one sex); a regression test set whose targets do not vary
    has no correlation to score. Each caveat is also warned about.
    """
    import warnings

    found = []
    if targets.kind == "classification":
        present = np.unique(targets.y["test"][positions])
        if len(present) < 2 and targets.classes and len(targets.classes) > 1:
            names = [targets.classes[int(code)] for code in present]
            found.append(f"the test windows hold one class only ({', '.join(names) or 'none'} of "
                         f"{len(targets.classes)}): balanced accuracy does not tell models apart")
    elif targets.kind == "regression":
        values = targets.values("test", positions)[:, 0]
        if len(values) and np.nanstd(values) == 0:
            found.append("the test targets do not vary: correlations are undefined")
    for caveat in found:
        warnings.warn(caveat, stacklevel=2)
    return found
