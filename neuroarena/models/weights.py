"""Pretrained weights: found on disk (never downloaded), checked, loaded into a backbone.

A checkpoint is looked up, in this order, at ``weights=PATH`` (a file or a folder holding one),
in ``$NEUROARENA_HOME/weights/<model>/``, then in the local HuggingFace cache
(``$HF_HUB_CACHE``, as ``huggingface-cli download`` leaves it). Nothing is fetched over the
network: a missing checkpoint raises a NeuroarenaError naming the repository and file to
download and where to put it.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch

from neuroarena.errors import NeuroarenaError
from neuroarena.home import neuroarena_home

#: Checkpoint file names tried in a folder or a HuggingFace snapshot, in this order.
DEFAULT_FILENAMES = ("model.safetensors", "pytorch_model.bin")


@dataclass(frozen=True)
class WeightSource:
    """Where a model's published checkpoint lives.

    Parameters
    ----------
    repo_id : str
        HuggingFace repository, e.g. ``"braindecode/labram-pretrained"``.
    filenames : tuple of str
        Checkpoint files in that repository, the preferred first.
    """

    repo_id: str
    filenames: tuple[str, ...] = DEFAULT_FILENAMES


def weights_dir(model: str) -> Path:
    """Folder searched for ``model``'s checkpoint: ``$NEUROARENA_HOME/weights/<model>/``."""
    return neuroarena_home() / "weights" / model


def resolve_weights(model: str, source: WeightSource, weights: str | os.PathLike | None = None) -> Path:
    """Path of a local checkpoint for ``model``.

    Parameters
    ----------
    model : str
        Registry name of the model (names its folder under ``$NEUROARENA_HOME/weights``).
    source : WeightSource
        The published checkpoint, looked up in the HuggingFace cache.
    weights : path, optional
        A checkpoint file, or a folder holding one of ``source.filenames``; searched alone when given.

    Raises
    ------
    NeuroarenaError
        No checkpoint found; the message says what to download and where to put it.
    """
    if weights is not None:
        path = Path(weights).expanduser()
        found = path if path.is_file() else _first_file(path, source.filenames)
        if found is None:
            raise NeuroarenaError(f"no checkpoint {' or '.join(source.filenames)} here", path=path,
                                  fix=f"point weights at a checkpoint file or download {source.repo_id}")
        return found
    found = _first_file(weights_dir(model), source.filenames)
    if found is not None:
        return found
    from huggingface_hub import try_to_load_from_cache

    cache = os.environ.get("HF_HUB_CACHE")
    for filename in source.filenames:
        cached = try_to_load_from_cache(source.repo_id, filename, cache_dir=cache)
        if isinstance(cached, str) and Path(cached).is_file():
            return Path(cached)
    raise NeuroarenaError(
        f"no pretrained weights for model {model!r} (looked in {weights_dir(model)} and the HuggingFace cache)",
        fix=f"download {source.filenames[0]} of https://huggingface.co/{source.repo_id} "
            f"(`huggingface-cli download {source.repo_id} {source.filenames[0]}`) or put it in "
            f"{weights_dir(model)}/, or build from scratch with --no-pretrained",
    )


def _first_file(folder: Path, filenames: tuple[str, ...]) -> Path | None:
    return next((folder / name for name in filenames if (folder / name).is_file()), None)


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Tensors of a ``.safetensors`` file or a torch checkpoint (``state_dict``/``model`` entries unwrapped)."""
    path = Path(path)
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return dict(load_file(str(path)))
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise NeuroarenaError(f"cannot read checkpoint ({exc})", path=path,
                              fix="download the file again") from exc
    for key in ("state_dict", "model"):
        if isinstance(state, Mapping) and isinstance(state.get(key), Mapping):
            state = state[key]
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise NeuroarenaError("checkpoint is not a state dict of tensors", path=path,
                              fix="use the checkpoint published for this model")
    return dict(state)


def load_pretrained(module: torch.nn.Module, path: str | os.PathLike, *, fresh: tuple[str, ...] = ("final_layer.",),
                    truncate: tuple[str, ...] = ()) -> list[str]:
    """Load the checkpoint at ``path`` into ``module``, leaving the task-specific tensors fresh.

    Parameters
    ----------
    module : torch.nn.Module
        The backbone, built with the published sizes (a braindecode model's key ``mapping`` is applied).
    path : path
        The checkpoint.
    fresh : tuple of str
        Key prefixes kept at their initialisation whatever the checkpoint holds (the task head,
        and tables sized by the task such as per-channel tokens).
    truncate : tuple of str
        Keys of sequence tables, shape (1, length, dim), that may be longer in the checkpoint;
        their first ``length`` rows are used (what the original fine-tuning code does).

    Returns
    -------
    fresh_keys : list of str
        Keys of ``module`` left at their initialisation.

    Raises
    ------
    NeuroarenaError
        A backbone tensor is missing from the checkpoint, or has another shape (other model sizes).
    """
    state = read_state_dict(path)
    mapping = getattr(module, "mapping", None) or {}
    state = {mapping.get(key, key): value for key, value in state.items()}
    own = module.state_dict()

    def is_fresh(key: str) -> bool:
        return key.startswith(fresh)

    loaded, wrong = {}, []
    for key, target in own.items():
        if is_fresh(key) or key not in state:
            continue
        value = state[key]
        if key in truncate and value.ndim == target.ndim and value.shape[1] >= target.shape[1]:
            value = value[:, : target.shape[1]]
        if value.shape != target.shape:
            wrong.append(f"{key} {tuple(value.shape)} vs {tuple(target.shape)}")
        loaded[key] = value
    missing = [key for key in own if not is_fresh(key) and key not in state]
    if missing or wrong:
        problem = f"tensors missing: {missing[:5]}" if missing else f"shapes differ (checkpoint vs model): {wrong[:5]}"
        raise NeuroarenaError(f"checkpoint does not fit {type(module).__name__}: {problem}", path=path,
                              fix="keep the published model sizes (no size parameters) or use this model's checkpoint")
    module.load_state_dict(loaded, strict=False)
    return [key for key in own if is_fresh(key)]
