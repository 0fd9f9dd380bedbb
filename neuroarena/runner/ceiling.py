"""The ceiling of a job: the study's oracle scored like the model, on the same windows, by the same metrics."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from neuroarena.targets.embeddings import StimulusEmbeddings

if TYPE_CHECKING:
    from neuroarena.prepare.config import PrepareConfig
    from neuroarena.runner.targets import TaskTargets
    from neuroarena.studies.base import Study
    from neuroarena.tasks.config import TaskConfig


def target_groups(targets: "TaskTargets", stimuli: np.ndarray) -> np.ndarray:
    """Index of each stimulus' target among the distinct targets of ``stimuli``, shape (n_stimuli,).

    Stimuli with identical target embeddings (two images with one caption) share an index: no decoder
    can tell their targets apart.
    """
    return np.unique(targets.embeddings.lookup(stimuli), axis=0, return_inverse=True)[1].ravel()


def oracle_ceiling(task: "TaskConfig", study: "Study", targets: "TaskTargets", metadata: pd.DataFrame,
                   prepare: "PrepareConfig", positions: np.ndarray) -> dict[str, Any] | None:
    """The task's metrics of the study's oracle on the test windows at ``positions``; None without an oracle.

    Classification: the oracle scores each class and is scored like a model's logits. Regression: its
    predictions are scored like a model's (standardized as the model's targets are). Retrieval: it scores
    each distinct target of the test stimuli, and candidate ``j`` becomes the unit vector of its target, so
    that the cosine of an output with a candidate ranks candidates as the oracle's scores do (ties and
    identical targets included); the outputs then go through the task's own aggregation (repeats averaged
    per subject or pooled) and candidate sets. Batch metrics, which need the target embeddings, are left out.

    Parameters
    ----------
    task : TaskConfig
    study : Study
    targets : TaskTargets
    metadata : DataFrame
        The window store's metadata (one row per window).
    prepare : PrepareConfig
        The preprocessing the job's windows went through.
    positions : ndarray of int, shape (n,)
        Positions in the test part that the model was scored on.

    Returns
    -------
    dict or None
        ``source`` ("oracle") and ``metrics`` (metric -> score).
    """
    rows = metadata.iloc[targets.windows["test"][positions]]
    if targets.kind == "regression":
        predictions = study.oracle_outputs(rows, prepare, target=task.target.column)
        if predictions is None:
            return None
        outputs = targets.standardization.transform(np.asarray(predictions, dtype=np.float64).reshape(-1, 1))
        return {"source": "oracle", "metrics": targets.score("test", task.metrics, outputs, positions)}
    if targets.kind == "classification":
        outputs = study.oracle_outputs(rows, prepare, classes=targets.classes)
        if outputs is None:
            return None
        return {"source": "oracle", "metrics": targets.score("test", task.metrics, outputs, positions)}
    stimuli = np.unique(targets.stimulus["test"][positions])
    group = target_groups(targets, stimuli)
    scores = study.oracle_outputs(rows, prepare, stimuli=stimuli)
    if scores is None:
        return None
    outputs = np.stack([scores[:, group == g].max(axis=1) for g in range(group.max() + 1)], axis=1)
    space = StimulusEmbeddings(pd.DataFrame(np.eye(group.max() + 1)[group], index=stimuli))
    names = [name for name in task.metrics if not name.endswith("_batch")]
    return {"source": "oracle", "metrics": targets.score("test", names, outputs, positions, space=space)}


def dummy_score(task: "TaskConfig", targets: "TaskTargets", positions: np.ndarray,
                limit_train: int | None = None) -> float:
    """The primary metric of the reference model (``dummy``: predicts from the training targets alone) on the
    test windows at ``positions``, trained on the first ``limit_train`` training windows (all when None)."""
    outputs = dummy_outputs(targets, len(positions), limit_train)
    return targets.score("test", [task.primary_metric], outputs, positions)[task.primary_metric]


def dummy_outputs(targets: "TaskTargets", n: int, limit_train: int | None = None) -> np.ndarray:
    """What the dummy, fitted on the first ``limit_train`` training targets (all when None), answers for ``n``
    windows: labels, shape (n,), or outputs, shape (n, n_outputs)."""
    from neuroarena.models.baselines import build_dummy

    y_train = targets.y["train"][:limit_train]
    dummy = build_dummy(n_chans=1, n_outputs=targets.n_outputs, n_times=1, sfreq=1.0, chs_info=None,
                        target_kind=targets.kind)
    dummy.fit(np.zeros((len(y_train), 1)), y_train)
    return dummy.predict(np.zeros((n, 1)))


def reference_scores(metric: str, score: float, dummy: float, ceiling: float | None) -> dict[str, float | None]:
    """``dummy``, the normalized score (0 at the dummy, or at the metric's own zero such as NRMSE 1.0; 1 perfect)
    and, with a ceiling better than that zero, the ceiling-normalized score (1 at the ceiling; else None)."""
    from neuroarena.metrics.normalized import normalized

    def finite(value: float) -> float | None:
        return None if not np.isfinite(value) else float(value)

    return {"dummy": dummy, "normalized": finite(normalized(metric, score, dummy)),
            "ceiling_normalized": None if ceiling is None else finite(normalized(metric, score, dummy, ceiling))}
