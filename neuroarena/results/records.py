"""One immutable record per (task, dataset, model, seed), written atomically; the leaderboard queries them."""
from __future__ import annotations

import fcntl
import json
import math
import os
import platform
import re
import socket
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import current_umask, finite_json, owner_tag

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
    """Everything about one finished (or failed) job.

    ``ceiling`` is the primary metric of the best decoder the study allows (a simulation's oracle, scored on
    the same windows by the same metrics), else of the image reference (caption tasks), else None;
    ``reference`` holds the ``dummy`` model's primary score on the same windows, the ``normalized`` score
    ``(score - dummy) / (1 - dummy)`` and the ``ceiling_normalized`` score ``(score - dummy) / (ceiling -
    dummy)`` (None without a ceiling above the dummy).
    """

    key: JobKey
    status: str  # "ok" or "failed"
    metrics: dict[str, float] = field(default_factory=dict)
    val_metrics: dict[str, float] = field(default_factory=dict)
    test_items: dict[str, list] = field(default_factory=dict)
    error: str = ""
    primary_metric: str = ""
    ceiling: float | None = None
    reference: dict[str, float | None] = field(default_factory=dict)
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
        """The record of ``data`` as :meth:`to_dict` gives it or JSON holds it (a ``null`` score is NaN)."""
        floats = {name: {k: _nan_if_null(v) for k, v in data[name].items()}
                  for name in ("metrics", "val_metrics") if isinstance(data.get(name), dict)}
        floats |= {name: _nan_if_null(data[name]) for name in ("wall_time_s", "peak_memory_mb") if name in data}
        return cls(**{**data, **floats, "key": JobKey(**data["key"])})


def _nan_if_null(value: Any) -> Any:
    """A score as a float: ``null`` is NaN; anything but a number is a TypeError (a damaged record)."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"score {value!r} is not a number")
    return value


class ResultStore:
    """The folder of records: ``<root>/<task>/<dataset>/<model>/seed-<seed>_<hash>.json``.

    A record is published exclusively: it is written to a temporary file, then linked to its name,
    which fails if a record is there already. So any number of jobs can write at once, a killed job
    leaves either its whole record or none, and the first finished record of a job stands. A failed
    record may be replaced (by a retry), under a lock, so two writers never both replace it.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: JobKey) -> Path:
        return self.root / key.relpath

    def write(self, record: ResultRecord) -> Path:
        """Write ``record``; a finished (``ok``) record is never overwritten: that is an error."""
        standing, published = self._publish(record)
        if not published:
            raise NeuroarenaError("a finished record exists and records are immutable", self.path(record.key),
                                  "delete it to run that job again")
        return self.path(record.key)

    def publish(self, record: ResultRecord) -> ResultRecord:
        """Write ``record`` unless a finished record of its job exists; return the record that stands."""
        return self._publish(record)[0]

    def _publish(self, record: ResultRecord) -> tuple[ResultRecord, bool]:
        """Publish ``record``: (the record that stands, whether it is ``record``)."""
        path = self.path(record.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.{owner_tag()}.", suffix=".tmp", dir=path.parent)
        tmp = Path(name)
        try:
            with os.fdopen(fd, "w") as file:
                os.fchmod(file.fileno(), 0o666 & ~current_umask())
                file.write(finite_json(record.to_dict()))
            while True:
                try:
                    os.link(tmp, path)  # exclusive: fails if any record is there
                    return record, True
                except FileExistsError:
                    pass
                with self._replacing(path):  # only holders of this lock ever replace a record
                    existing = self._read(path) if path.exists() else None
                    if existing is not None and existing.status == "ok":
                        return existing, False
                    if existing is not None:  # a failed record: a retry's record replaces it
                        os.replace(tmp, path)
                        return record, True
        finally:
            tmp.unlink(missing_ok=True)

    @staticmethod
    @contextmanager
    def _replacing(path: Path) -> Iterator[None]:
        """Hold the lock of the records that replace ``path`` (the kernel drops it if the holder dies)."""
        lock = path.with_name(f".{path.name}.replace-lock")
        fd = os.open(lock, os.O_RDONLY | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

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
        except (json.JSONDecodeError, TypeError, KeyError, AttributeError) as err:
            raise NeuroarenaError(f"corrupt result record ({err})", path, "delete it and re-run that job") from None
