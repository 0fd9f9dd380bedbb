"""A model of vision as a subject of experiments: the interface a benchmark talks to (as Brain-Score's).

A benchmark asks the model for its field of view (:meth:`VisionModel.visual_degrees`), tells it what to
record (:meth:`~VisionModel.start_recording`: ``eeg`` -- the committed layer(s) as features -- or a region
``V1``, ``V2``, ``V4``, ``IT``) or which task to do (:meth:`~VisionModel.start_task`: ``passive``,
``label``, ``probabilities``, ``odd_one_out``), then shows it stimuli (:meth:`~VisionModel.look_at`).
A model has no time: its features are the same in every time bin a benchmark asks for.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    import pandas as pd

REGIONS = ("V1", "V2", "V4", "IT")
TARGETS = ("eeg", *REGIONS)
TASKS = ("passive", "label", "probabilities", "odd_one_out")
#: Relative depth of the layer committed to each region when none is chosen: early layers for V1, late for IT.
REGION_DEPTH = {"V1": 0.15, "V2": 0.35, "V4": 0.6, "IT": 0.85}

#: ``features(stimuli, layers) -> {layer: (n_stimuli, n_features)}``
Features = Callable[["pd.DataFrame", Sequence[str]], dict[str, np.ndarray]]


@dataclass
class Recording:
    """What a model recorded while it looked at stimuli.

    Attributes
    ----------
    values : ndarray, shape (n_stimuli, n_features)
    stimuli : list of str, (n_stimuli,)
    layer : str
    time_bins : list of (start_ms, stop_ms) or None
    """

    values: np.ndarray
    stimuli: list[str]
    layer: str
    time_bins: list[tuple[float, float]] | None = None


@dataclass
class VisionModel:
    """An image network committed to layers, seen as a subject.

    Parameters
    ----------
    identifier : str
    features : callable
        ``features(stimuli, layers)``: each layer's activations for the stimuli (an index of stimulus ids and
        an ``image`` column of paths).
    layers : tuple of str
        Candidate layers, early to late.
    commitment : dict
        Target (``eeg``, a region) -> layer; a region left out gets the layer at its :data:`REGION_DEPTH`.
    degrees : float
        Field of view in degrees of visual angle.
    """

    identifier: str
    features: Features
    layers: tuple[str, ...]
    commitment: dict[str, str] = field(default_factory=dict)
    degrees: float = 8.0
    _recording: tuple[str, list[tuple[float, float]] | None] | None = field(default=None, repr=False)
    _task: str | None = field(default=None, repr=False)
    _readout: Any = field(default=None, repr=False)

    def visual_degrees(self) -> float:
        """The field of view the model's images span."""
        return self.degrees

    def layer_for(self, target: str) -> str:
        """The layer committed to ``target`` (``eeg`` falls back to IT's)."""
        if target not in TARGETS:
            raise NeuroarenaError(f"unknown recording target {target!r}", fix=f"use one of {', '.join(TARGETS)}")
        if target in self.commitment:
            return self.commitment[target]
        if target == "eeg":
            return self.layer_for("IT")
        return self.layers[round(REGION_DEPTH[target] * (len(self.layers) - 1))]

    def commit(self, target: str, layer: str) -> None:
        """Commit ``layer`` to ``target``."""
        if layer not in self.layers:
            raise NeuroarenaError(f"{self.identifier} has no layer {layer!r}",
                                  fix=f"use one of {', '.join(self.layers)}")
        self.layer_for(target)  # checks the target
        self.commitment[target] = layer

    def start_recording(self, target: str, time_bins: Sequence[tuple[float, float]] | None = None) -> None:
        """Record ``target``'s layer from now on (``time_bins`` are kept; the features do not change with time)."""
        self.layer_for(target)
        self._recording, self._task = (target, None if time_bins is None else list(time_bins)), None

    def start_task(self, task: str, fitting_stimuli: "pd.DataFrame | None" = None) -> None:
        """Do ``task`` from now on; ``label`` and ``probabilities`` fit a logistic read-out of the IT layer on
        ``fitting_stimuli`` (their ``label`` column)."""
        if task not in TASKS:
            raise NeuroarenaError(f"unknown task {task!r}", fix=f"use one of {', '.join(TASKS)}")
        self._task, self._recording, self._readout = task, None, None
        if task in ("label", "probabilities"):
            if fitting_stimuli is None or "label" not in fitting_stimuli.columns:
                raise NeuroarenaError(f"the task {task!r} needs fitting stimuli with a label column",
                                      fix="pass start_task(task, fitting_stimuli) with a label per stimulus")
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            values = self._values(fitting_stimuli, "IT")
            self._readout = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
            self._readout.fit(values, fitting_stimuli["label"].astype(str).to_numpy())

    def look_at(self, stimuli: "pd.DataFrame", number_of_trials: int = 1,
                triplets: np.ndarray | None = None) -> Any:
        """Show the model ``stimuli``; what comes back depends on the recording or task.

        Parameters
        ----------
        stimuli : DataFrame, shape (n_stimuli, ...)
        number_of_trials : int
            Presentations (a deterministic model answers the same each time).
        triplets : ndarray, shape (n_triplets, 3), optional
            For ``odd_one_out``: rows of ``stimuli`` shown together.

        Returns
        -------
        Recording (recording), None (``passive``), ndarray of labels (n_stimuli,) (``label``), DataFrame of
        probabilities (n_stimuli, n_labels) (``probabilities``) or ndarray (n_triplets,) of the odd stimulus' row.
        """
        if self._recording is not None:
            target, bins = self._recording
            return Recording(self._values(stimuli, target), stimuli.index.astype(str).tolist(),
                             self.layer_for(target), bins)
        if self._task is None:
            raise NeuroarenaError("the model was told neither to record nor to do a task",
                                  fix="call start_recording(target) or start_task(task) first")
        if self._task == "passive":
            return None
        if self._task == "odd_one_out":
            if triplets is None:
                raise NeuroarenaError("odd_one_out needs the triplets", fix="pass look_at(stimuli, triplets=...)")
            from neuroarena.alignment.similarity import odd_one_out

            return odd_one_out(self._values(stimuli, "IT"), np.asarray(triplets))
        values = self._values(stimuli, "IT")
        if self._task == "label":
            return self._readout.predict(values)
        import pandas as pd

        return pd.DataFrame(self._readout.predict_proba(values), index=stimuli.index,
                            columns=self._readout.classes_)

    def _values(self, stimuli: "pd.DataFrame", target: str) -> np.ndarray:
        layer = self.layer_for(target)
        return self.features(stimuli, [layer])[layer]
