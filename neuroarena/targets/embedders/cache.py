"""Embeddings on disk, keyed by embedder configuration and stimulus content.

One folder per embedder configuration (``<kind>-<config hash>/``) holds ``config.json`` (the
embedder's fields, for people) and append-only shards ``shard-*.npz``, each with ``keys``
(sha256 hex of the content, shape (n,)) and ``vectors`` (float32, shape (n, dim)). Every shard is
written to a temporary file and renamed into place, so a killed run leaves only whole shards (a
leftover ``.shard-*.tmp`` file is never read), and any number of processes may write at once.
Many small shards are merged into one when the cache is next written.
"""
from __future__ import annotations

import os
import time
import uuid
import zipfile
from pathlib import Path

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import atomic_path, write_json_atomic
from neuroarena.targets.embedders.config import EmbedderConfig

#: More shards than this are merged into one after a write.
MAX_SHARDS = 32


class EmbeddingCache:
    """The stored embeddings of one embedder configuration.

    Parameters
    ----------
    root : Path
        Folder of all embedding caches (``$NEUROARENA_HOME/cache/embeddings`` by default).
    config : EmbedderConfig
        The embedder; its :attr:`~EmbedderConfig.hash` names the folder.
    """

    def __init__(self, root: str | Path, config: EmbedderConfig):
        self.config = config
        self.folder = Path(root) / f"{config.kind}-{config.hash}"

    def shards(self) -> list[Path]:
        """The shard files, oldest first."""
        return sorted(self.folder.glob("shard-*.npz"))

    def load(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The stored vector of each of ``keys`` that the cache holds.

        Parameters
        ----------
        keys : list of str
            Content hashes.

        Returns
        -------
        dict
            Content hash -> ndarray, shape (dim,), float32; keys not stored are absent.
        """
        wanted = set(keys)
        found: dict[str, np.ndarray] = {}
        shards = self._read_all()
        dims = {vectors.shape[1] for _, vectors in shards}
        if len(dims) > 1:
            raise NeuroarenaError(f"embedding cache shards disagree on the dimension ({sorted(dims)})",
                                  path=self.folder, fix="delete the folder; its embeddings are computed again")
        for stored_keys, vectors in shards:
            for row, key in enumerate(stored_keys.tolist()):
                if key in wanted:
                    found[key] = vectors[row]
        return found

    def add(self, keys: list[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` under ``keys`` as one new shard (atomically).

        Parameters
        ----------
        keys : list of str, length n
        vectors : ndarray, shape (n, dim)
        """
        if not keys:
            return
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(keys):
            raise ValueError(f"{len(keys)} keys for vectors of shape {vectors.shape}")
        if not (self.folder / "config.json").is_file():
            write_json_atomic(self.folder / "config.json", self.config.model_dump(mode="json"))
        self._write(self.folder / f"shard-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.npz",
                    np.asarray(keys, dtype="U64"), vectors)

    def compact(self) -> None:
        """Merge the shards into one when there are more than :data:`MAX_SHARDS`."""
        shards = self.shards()
        if len(shards) <= MAX_SHARDS:
            return
        merged: dict[str, np.ndarray] = {}
        try:
            for shard in shards:
                stored_keys, vectors = self._read(shard)
                merged.update(zip(stored_keys.tolist(), vectors))
        except FileNotFoundError:
            return  # another process is merging the same shards
        self._write(self.folder / f"shard-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.npz",
                    np.asarray(list(merged), dtype="U64"), np.stack(list(merged.values())))
        for shard in shards:
            shard.unlink(missing_ok=True)

    @staticmethod
    def _write(path: Path, keys: np.ndarray, vectors: np.ndarray) -> None:
        with atomic_path(path) as tmp, open(tmp, "wb") as file:
            np.savez(file, keys=keys, vectors=vectors)
            file.flush()
            os.fsync(file.fileno())

    def _read_all(self, attempts: int = 3) -> list[tuple[np.ndarray, np.ndarray]]:
        attempt = 1
        while True:
            try:
                return [self._read(shard) for shard in self.shards()]
            except FileNotFoundError:
                if attempt == attempts:
                    raise
                attempt += 1  # a shard was merged away while listing: list again

    def _read(self, shard: Path) -> tuple[np.ndarray, np.ndarray]:
        try:
            with np.load(shard, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
        except FileNotFoundError:
            raise
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise NeuroarenaError(f"unreadable embedding cache shard ({exc})", path=shard,
                                  fix="delete the file; its embeddings are computed again") from None
        if keys.ndim != 1 or vectors.ndim != 2 or len(keys) != len(vectors):
            raise NeuroarenaError(f"embedding cache shard holds {keys.shape} keys for {vectors.shape} vectors",
                                  path=shard, fix="delete the file; its embeddings are computed again")
        return keys, vectors
