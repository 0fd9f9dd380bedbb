"""One immutable record per (task, dataset, model, seed), written atomically; the leaderboard queries them."""
from __future__ import annotations

import json
import platform
import re
import socket
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import write_json_atomic

_VERSIONED = ("neuroarena", "torch", "braindecode", "mne", "mne-bids", "scikit-learn", "pyriemann", "lightning")


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape a result."""
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@dataclass(frozen=True)
class JobKey:
    """Identifies one job; ``config_hash`` covers the task, dataset parameters, model and recipe."""

    task: str
    dataset: str
    model: str
    seed: int
    config_hash: str

    @property
    def relpath(self) -> Path:
        """Where the job's record lives under the records folder."""
        safe = [re.sub(r"[^A-Za-z0-9_.-]", "_", s) for s in (self.task, self.dataset, self.model)]
        return Path(*safe) / f"seed-{self.seed}_{self.config_hash}.json"


@dataclass(frozen=True)
class ResultRecord:
    """Everything about one finished (or failed) job."""

    key: JobKey
    status: str  # "ok" or "failed"
    metrics: dict[str, float] = field(default_factory=dict)
    val_metrics: dict[str, float] = field(default_factory=dict)
    test_items: dict[str, list] = field(default_factory=dict)
    error: str = ""
    primary_metric: str = ""
    ceiling: float | None = None
    model_family: str = ""
    n_params: int = 0
    n_trainable_params: int = 0
    wall_time_s: float = 0.0
    peak_memory_mb: float = 0.0
    recipe: dict[str, Any] = field(default_factory=dict)
    recipe_overrides: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    analyses: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=package_versions)
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    host: str = field(default_factory=socket.gethostname)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ResultRecord":
        return cls(**{**data, "key": JobKey(**data["key"])})


class ResultStore:
    """The folder of records: ``<root>/<task>/<dataset>/<model>/seed-<seed>_<hash>.json``.

    Every record is written atomically (temporary file, then rename), so any number of jobs can write
    at once and a killed job leaves either its whole record or none.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: JobKey) -> Path:
        return self.root / key.relpath

    def write(self, record: ResultRecord) -> Path:
        """Write ``record``; a finished (``ok``) record is never overwritten."""
        path = self.path(record.key)
        existing = self.get(record.key)
        if existing is not None and existing.status == "ok":
            raise NeuroarenaError("a finished record exists and records are immutable", path,
                                  "delete it to run that job again")
        write_json_atomic(path, record.to_dict())
        return path

    def get(self, key: JobKey) -> ResultRecord | None:
        """The record of ``key``, or None."""
        path = self.path(key)
        return self._read(path) if path.exists() else None

    def is_done(self, key: JobKey) -> bool:
        record = self.get(key)
        return record is not None and record.status == "ok"

    def __iter__(self) -> Iterator[ResultRecord]:
        for path in sorted(self.root.rglob("seed-*.json")):
            yield self._read(path)

    @staticmethod
    def _read(path: Path) -> ResultRecord:
        try:
            return ResultRecord.from_dict(json.loads(path.read_text()))
        except (json.JSONDecodeError, TypeError, KeyError) as err:
            raise NeuroarenaError(f"corrupt result record ({err})", path, "delete it and re-run that job") from None
