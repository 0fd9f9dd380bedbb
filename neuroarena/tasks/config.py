"""Tasks as YAML: one safe-loaded file per task, naming a choice for every stage."""
from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from neuroarena.errors import NeuroarenaError
from neuroarena.hashing import stable_hash
from neuroarena.prepare.config import PrepareConfig
from neuroarena.training.recipe import Recipe


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextAdaptationConfig(_Frozen):
    """How the caption encoder trains with the EEG model (see :class:`neuroarena.models.text_tower.TextTower`)."""

    method: Literal["frozen", "last_layers", "adapters", "lora"] = "frozen"
    params: dict[str, Any] = Field(default_factory=dict)


class TargetConfig(_Frozen):
    """What the model predicts: a class label or a value (regression) from an events column, or an embedding of
    each stimulus. A regression target is standardized on the training windows; windows without a value are
    left out (and counted in the record).

    ``labels`` maps the column's values to the classes of a classification task, by value or by shell-style
    pattern (``up_*: up``; the first pattern that matches wins); a window whose value matches none is left out
    (and counted in the record). Empty: every value is its own class.

    For embedding targets, ``source`` says what is embedded (the stimulus' image or its caption) and
    ``embedder`` with what (a preset of :data:`neuroarena.targets.embedders.EMBEDDERS`, a local model
    folder, or ``features``: the study's own stimulus features). A study that declares its own space
    (:meth:`~neuroarena.studies.base.Study.preferred_embedder`, e.g. the simulation's features) uses it
    unless ``--embedder`` names another. ``reference_embedder`` embeds the images for the image-based
    reference (image -> caption) and the distillation teacher; ``text_adaptation`` lets the caption
    encoder train with the EEG model (caption targets only).
    """

    kind: Literal["classification", "embedding", "regression"]
    column: str = "category"
    labels: dict[str, str] = Field(default_factory=dict)
    source: Literal["image", "caption"] = "image"
    embedder: str = "dinov2"
    reference_embedder: str | None = None
    text_adaptation: TextAdaptationConfig = Field(default_factory=TextAdaptationConfig)

    @model_validator(mode="after")
    def _labels_need_classes(self) -> "TargetConfig":
        if self.labels and self.kind != "classification":
            raise ValueError("labels map the values of a classification target only")
        if any(not name.strip() for name in self.labels.values()):
            raise ValueError("every value of labels is a class name (not empty)")
        return self

    @model_validator(mode="after")
    def _adaptation_needs_captions(self) -> "TargetConfig":
        if self.text_adaptation.method != "frozen" and not (self.kind == "embedding" and self.source == "caption"):
            raise ValueError("text_adaptation applies to caption embedding targets only")
        return self


class SplitConfig(_Frozen):
    """Which splitter to use (see :func:`neuroarena.splits.make_splitter`) and its parameters."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class ObjectiveTerm(_Frozen):
    """One term of the objective (see :data:`neuroarena.training.objective.TERMS`), its weight and parameters."""

    loss: str
    weight: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    params: dict[str, Any] = Field(default_factory=dict)


class ObjectiveConfig(_Frozen):
    """The training objective: a weighted sum of terms (see :func:`neuroarena.training.objective.make_objective`).

    YAML gives either one loss, ``{loss: clip, params: {...}}``, or a list,
    ``{terms: [{loss: clip, weight: 1.0, params: {...}}, {loss: category_ce, weight: 0.2}]}``;
    both load as ``terms``, so the two spellings of one loss have the same hash.
    """

    terms: tuple[ObjectiveTerm, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _one_loss_is_one_term(cls, data: Any) -> Any:
        if isinstance(data, dict) and "loss" in data:
            if "terms" in data:
                raise ValueError("give either 'loss' (one term) or 'terms' (a list), not both")
            return {"terms": [data]}
        return data


class TaskConfig(_Frozen):
    """One benchmark task: dataset, preprocessing, target, split, loss, metrics and recipe."""

    name: str
    modality: Literal["eeg"] = "eeg"
    description: str
    default_dataset: str
    prepare: PrepareConfig = Field(default_factory=PrepareConfig)
    target: TargetConfig
    split: SplitConfig
    objective: ObjectiveConfig
    metrics: list[str]
    per_subject: list[str] = Field(default_factory=list)
    primary_metric: str
    monitor: str
    recipe: Recipe = Field(default_factory=Recipe)

    @field_validator("split")
    @classmethod
    def _splitter_exists(cls, split: SplitConfig) -> SplitConfig:
        """The splitter and its parameters, checked when the task loads (no data needed)."""
        from neuroarena.splits.splitters import make_splitter

        try:
            make_splitter(split.name, **split.params)
        except NeuroarenaError as err:
            raise ValueError(str(err).replace(" -> ", "; ")) from None
        return split

    @field_validator("metrics")
    @classmethod
    def _metrics_exist(cls, metrics: list[str]) -> list[str]:
        from neuroarena.metrics.registry import METRICS

        return _known(metrics, METRICS, "metric")

    @field_validator("objective")
    @classmethod
    def _terms_exist(cls, objective: ObjectiveConfig) -> ObjectiveConfig:
        from neuroarena.training.terms import TERM_NAMES

        _known([term.loss for term in objective.terms], TERM_NAMES, "objective term")
        return objective

    @model_validator(mode="after")
    def _primary_is_a_metric(self) -> "TaskConfig":
        for field in ("primary_metric", "monitor"):
            if getattr(self, field) not in self.metrics:
                raise ValueError(f"{field} '{getattr(self, field)}' is not in metrics {self.metrics}")
        extra = sorted(set(self.per_subject) - set(self.metrics))
        if extra:
            raise ValueError(f"per_subject metrics {extra} are not in metrics {self.metrics}")
        return self

    @property
    def hash(self) -> str:
        """Stable hash of everything in the task."""
        return stable_hash(self)


def _known(names: list[str], known, what: str) -> list[str]:
    """``names`` if each is in ``known``; else a ValueError naming the first unknown one and the closest known."""
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown {what} {name!r}{hint}; known: {', '.join(sorted(known))}")
    return names


def _task_dir() -> Path:
    return Path(str(resources.files("neuroarena.tasks")))


def task_files() -> dict[str, Path]:
    """Built-in task files: ``{"image": .../image.yaml, ...}``."""
    return {p.stem: p for p in sorted(_task_dir().glob("*.yaml"))}


def load_task_file(path: str | Path) -> TaskConfig:
    """Safe-load one task YAML into a :class:`TaskConfig`.

    Raises
    ------
    NeuroarenaError
        On unreadable or malformed YAML, or a field that does not validate; the message names the file.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as err:
        raise NeuroarenaError(f"cannot read task file ({err.strerror})", path, "check the path") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise NeuroarenaError(f"malformed YAML{where}", path, "fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise NeuroarenaError("a task file must be a YAML mapping", path, "see the built-in tasks") from None
    try:
        return TaskConfig.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = ".".join(str(x) for x in first["loc"]) or "(top level)"
        message = first["msg"].removeprefix("Value error, ")
        raise NeuroarenaError(f"invalid task field '{loc}': {message}", path, "correct that field") from None


def load_task(name_or_path: str | Path) -> TaskConfig:
    """Load a built-in task by name (``"image"``) or any task YAML by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        return load_task_file(path)
    files = task_files()
    if str(name_or_path) not in files:
        close = difflib.get_close_matches(str(name_or_path), list(files), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise NeuroarenaError(
            f"unknown task '{name_or_path}'",
            fix=f"{hint}see `neuroarena list tasks` (known: {', '.join(files)})",
        )
    return load_task_file(files[str(name_or_path)])
