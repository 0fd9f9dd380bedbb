"""Finding a run's record from what a user types: a record's path, or ``task/dataset/model/seed``."""
from __future__ import annotations

import re
from pathlib import Path

from neuroarena.errors import NeuroarenaError
from neuroarena.home import results_dir
from neuroarena.results.records import JobKey, ResultRecord, ResultStore


def resolve_run(text: str, root: str | Path | None = None) -> ResultRecord:
    """The record a run argument names (``neuroarena autopsy RUN``, ``submit --c1 RUN``).

    Parameters
    ----------
    text : str
        A record's JSON path, or ``task/dataset/model/seed`` looked up in the results store; the seed part
        may be ``0``, ``seed-0`` or the record's file stem ``seed-0_<hash>`` (which picks one of several).
    root : str or Path, optional
        The results folder (default :func:`~neuroarena.home.results_dir`).

    Raises
    ------
    NeuroarenaError
        No such record, or several (different hashes, listed).
    """
    results = Path(root) if root is not None else results_dir()
    store = ResultStore(results / "records")
    path = Path(text).expanduser()
    if text.endswith(".json") or path.is_file():
        if not path.is_file():
            raise NeuroarenaError("result record not found", path=path,
                                  fix="pass a record's .json path or task/dataset/model/seed")
        return store._read(path)
    parts = text.strip("/").split("/")
    match = re.fullmatch(r"(?:seed-)?(-?\d+)(?:_([0-9A-Za-z]+))?", parts[-1]) if len(parts) >= 4 else None
    if match is None:
        raise NeuroarenaError(f"cannot read run {text!r}",
                              fix="pass a record's .json path or task/dataset/model/seed (e.g. rt/hbn/eegnex/0)")
    task, dataset, model = parts[0], "/".join(parts[1:-2]), parts[-2]
    seed, config_hash = int(match.group(1)), match.group(2)
    folder = store.root / JobKey(task, dataset, model, seed, "x").relpath.parent
    found = sorted(folder.glob(f"seed-{seed}_{config_hash or '*'}.json"))
    if not found:
        raise NeuroarenaError(f"no record of run {task}/{dataset}/{model}/seed {seed}", path=folder,
                              fix=f"run it (neuroarena eeg {task} --dataset {dataset} -m {model} --seeds {seed}), "
                                  "or pass --home of the results that hold it")
    if len(found) > 1:
        listed = ", ".join(f"{p.stem} ({store._read(p).status})" for p in found)
        raise NeuroarenaError(f"{len(found)} records of run {task}/{dataset}/{model}/seed {seed}: {listed}",
                              path=folder, fix=f"name one: {task}/{dataset}/{model}/<one of them>, or its .json path")
    return store._read(found[0])


def record_path(record: ResultRecord, root: str | Path | None = None) -> Path:
    """Where ``record`` lives in the results folder ``root`` (default :func:`~neuroarena.home.results_dir`)."""
    results = Path(root) if root is not None else results_dir()
    return ResultStore(results / "records").path(record.key)
