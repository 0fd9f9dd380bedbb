"""A trained net's weights, kept beside its result record, and the net rebuilt from them.

``<results>/checkpoints/<task>/<dataset>/<model>/seed-<seed>_<hash>.pt`` holds the best checkpoint's
``state_dict`` and what rebuilds the net: the model name and builder parameters, the store's input
shape (``n_chans``, ``n_times``, ``sfreq``, ``chs_info``), ``n_outputs``, the target kind, the store's
``scaling`` (what the inputs went through), for a regression target the training mean and standard
deviation that map outputs back to its units, and for a multitask net the ``output`` column of the job's task.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import atomic_path
from neuroarena.home import results_dir

if TYPE_CHECKING:
    import torch

    from neuroarena.prepare.store import WindowStore
    from neuroarena.results.records import JobKey
    from neuroarena.runner.targets import TaskTargets


def checkpoint_path(key: "JobKey", root: str | Path | None = None) -> Path:
    """Where the job of ``key`` keeps its weights (under ``root``, default the home's results folder)."""
    base = Path(root) if root is not None else results_dir()
    return base / "checkpoints" / key.relpath.with_suffix(".pt")


def keep_checkpoint(key: "JobKey", net: "torch.nn.Module", model: str, model_params: dict[str, Any],
                    store: "WindowStore", targets: "TaskTargets", output: int | None = None,
                    n_outputs: int | None = None) -> str:
    """Write ``net``'s weights and how to rebuild it (see the module docstring); returns the path, relative to
    the results folder. Written atomically: a reader never sees half a file.

    A multitask net has ``n_outputs`` columns of which the job's task is column ``output``: the rebuilt net
    answers with that column alone, shape (batch, 1)."""
    import torch

    path = checkpoint_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    scale = None
    if targets.kind == "regression":
        scale = {"mean": np.asarray(targets.standardization.mean_).ravel().tolist(),
                 "scale": np.asarray(targets.standardization.scale_).ravel().tolist()}
    payload = {"state_dict": {k: v.detach().cpu() for k, v in net.state_dict().items()}, "model": model,
               "model_params": dict(model_params), "n_chans": store.n_chans, "n_times": store.n_times,
               "sfreq": store.sfreq, "chs_info": store.chs_info, "n_outputs": n_outputs or targets.n_outputs,
               "target_kind": targets.kind, "standardization": scale,
               "scaling": store.manifest["config"]["scaling"], "output": output}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return str(path.relative_to(results_dir()))


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """The payload of a checkpoint file; a missing or unreadable one is a one-line error naming it."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise NeuroarenaError("checkpoint not found", path=path,
                              fix="re-run the job: records written before checkpoints were kept have none")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # a truncated or foreign file
        raise NeuroarenaError(f"cannot read checkpoint ({type(err).__name__})", path=path,
                              fix="re-run the job to write it again") from None
    if not isinstance(payload, dict) or "state_dict" not in payload:
        raise NeuroarenaError("not a neuroarena checkpoint", path=path, fix="pass the .pt file a job wrote")
    return payload


def rebuild_net(payload: dict[str, Any]) -> "torch.nn.Module":
    """The trained net of a checkpoint payload, in eval mode, on the CPU (a multitask net: its task's column)."""
    from neuroarena.models.registry import build_model, get_model

    net = build_model(get_model(payload["model"]), n_chans=payload["n_chans"], n_outputs=payload["n_outputs"],
                      n_times=payload["n_times"], sfreq=payload["sfreq"], chs_info=payload["chs_info"],
                      target_kind=payload["target_kind"], params=payload["model_params"])
    net.load_state_dict(payload["state_dict"])
    if payload.get("output") is not None:
        from neuroarena.training.multitask import OutputColumn

        net = OutputColumn(net, payload["output"])
    return net.eval()

