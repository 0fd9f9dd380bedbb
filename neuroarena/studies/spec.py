"""What ``--dataset`` names: a registered study, a BIDS folder, or a dataset YAML, with its parameters.

A dataset YAML names a study and sets its parameters, safe-loaded and checked against the
study's constructor, e.g.::

    study: ds005589
    root: /data/ds005589-course
    layout: course
    subjects: ["02", "03"]
    ch_names: [Fp1, Fpz, ...]

``label`` (optional) names the dataset on the leaderboard.
"""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from neuroarena.errors import NeuroarenaError
from neuroarena.hashing import stable_hash

if TYPE_CHECKING:
    from neuroarena.studies.base import Study

#: Parameters that may name a file or folder; relative ones in a dataset YAML are read from its folder, and a
#: path (where the data is, not what it is) is left out of the leaderboard label.
PATH_PARAMS = ("root", "ch_names", "nsd_stimuli")
#: Longest parameter tag a label shows before it becomes a hash.
_MAX_TAG = 40
YAML_SUFFIXES = (".yaml", ".yml")


class DatasetSpec(BaseModel):
    """A study of the registry and the parameters it is opened with.

    Parameters
    ----------
    name : str
        Registry name (``neuroarena list studies``), e.g. ``"ds005589"`` or ``"bids"``.
    params : dict
        Constructor parameters of the study (``root``, ``subjects``, ``sessions``, ...).
    title : str, optional
        Name on the leaderboard of the study with ``titled`` parameters (a dataset YAML's ``label``).
    titled : dict
        The parameters ``title`` stands for; others set later (``--subjects``) are tagged on it.
    source : str
        The folder or YAML file it was read from (named in errors), or ``""``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    title: str | None = None
    titled: dict[str, Any] = Field(default_factory=dict)
    source: str = ""

    @property
    def label(self) -> str:
        """The dataset's name on the leaderboard, e.g. ``ds005589``, ``ds005589[subjects=02,03]``, ``bids:erp``."""
        base = self.title or self.name
        if not self.title and self.name == "bids" and "root" in self.params:
            base = f"bids:{Path(self.params['root']).name}"
        shown = {k: v for k, v in sorted(self.params.items()) if v not in (None, {}, [])
                 and not (k in PATH_PARAMS and isinstance(v, str))
                 and not (self.title and k in self.titled and self.titled[k] == v)}
        if not shown:
            return base
        tag = ";".join(f"{k}={_tag_value(v)}" for k, v in shown.items())
        return f"{base}[{tag if len(tag) <= _MAX_TAG else stable_hash(shown, 8)}]"

    def open(self) -> "Study":
        """The study, constructed with the registry's defaults and :attr:`params`."""
        from neuroarena.studies.registry import STUDIES, study_class

        cls = study_class(self.name)
        check_params(cls, self.name, self.params, self.source)
        return cls(**{**STUDIES[self.name.lower()][1], **self.params})


def _tag_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return ",".join(f"{k}:{v}" for k, v in value.items())
    return str(value)


def check_params(cls: type, name: str, params: dict[str, Any], source: str = "") -> None:
    """Raise on a parameter the study's constructor does not take, listing the ones it does."""
    accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise NeuroarenaError(f"study {name} takes no parameter {', '.join(map(repr, unknown))}",
                              path=source or None, fix=f"use some of: {', '.join(accepted)}")


def parse_value(text: str) -> Any:
    """A command-line parameter value, read as YAML (``3``, ``[1, 2]``, ``{trial_type: category}``, ``course``)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def parse_params(pairs: list[str] | None) -> dict[str, Any]:
    """``["layout=course", "subjects=[2, 3]"]`` -> ``{"layout": "course", "subjects": [2, 3]}``."""
    params = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise NeuroarenaError(f"--dataset-param {pair!r} is not KEY=VALUE", fix="write e.g. layout=course")
        params[key.strip()] = parse_value(value)
    return params


def dataset_spec(dataset: "str | Path | DatasetSpec", params: dict[str, Any] | None = None) -> DatasetSpec:
    """Resolve ``--dataset`` (a registry name, a BIDS folder or a dataset YAML) and merge ``params`` over it.

    Raises
    ------
    NeuroarenaError
        An unknown name, a path that does not exist, a folder that is not BIDS, a malformed YAML or a
        parameter the study does not take.
    """
    from neuroarena.studies.registry import STUDIES, study_class

    params = dict(params or {})
    if isinstance(dataset, DatasetSpec):
        spec = dataset
    else:
        text = str(dataset)
        path = Path(text).expanduser()
        if text.lower() in STUDIES:
            spec = DatasetSpec(name=text.lower())
        elif path.suffix.lower() in YAML_SUFFIXES:
            spec = read_dataset_yaml(path)
        elif path.is_dir():
            spec = _bids_folder(path.resolve())
        elif "/" in text or path.exists():
            raise NeuroarenaError("no such dataset folder or YAML file", path=path,
                                  fix="give a registered name (`neuroarena list studies`), a BIDS folder or a "
                                      "dataset YAML")
        else:
            study_class(text)  # raises with the close names
            spec = DatasetSpec(name=text.lower())
    if params:
        spec = spec.model_copy(update={"params": {**spec.params, **params}})
    check_params(study_class(spec.name), spec.name, spec.params, spec.source)
    return spec


def _bids_folder(root: Path) -> DatasetSpec:
    if not (root / "dataset_description.json").is_file():
        raise NeuroarenaError("folder is not a BIDS dataset (no dataset_description.json)", path=root,
                              fix="point --dataset at the BIDS root, or write a dataset YAML naming its study")
    return DatasetSpec(name="bids", params={"root": str(root)}, source=str(root))


def read_dataset_yaml(path: Path) -> DatasetSpec:
    """A dataset YAML: ``study`` (a registry name), optional ``label``, and the study's parameters.

    A relative path in :data:`PATH_PARAMS` (``root``, a ``ch_names`` file, ...) is read from the YAML's folder.
    """
    from neuroarena.studies.registry import study_class

    if not path.is_file():
        raise NeuroarenaError("dataset YAML not found", path=path, fix="check the path")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise NeuroarenaError(f"not valid YAML{where}", path=path, fix="fix the syntax") from None
    if not isinstance(data, dict) or "study" not in data:
        raise NeuroarenaError("a dataset YAML is a mapping with a 'study' key", path=path,
                              fix="write e.g. 'study: ds005589' and the study's parameters beneath")
    params = dict(data)
    name, label = str(params.pop("study")).lower(), params.pop("label", None)
    study_class(name)
    for key in PATH_PARAMS:
        if isinstance(params.get(key), str):
            value = Path(params[key]).expanduser()
            params[key] = str(value if value.is_absolute() else (path.parent / value).resolve())
    return DatasetSpec(name=name, params=params, title=label, titled=params if label else {}, source=str(path))
