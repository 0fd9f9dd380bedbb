"""The on-disk window store: one memory-mapped shard per recording and a manifest.

Layout::

    <root>/manifest.json         written last, atomically; its presence means "complete"
    <root>/shards/<rec_id>.npy   windows of one recording, shape (n, n_chans, n_times)
    <root>/shards/<rec_id>.tsv   one metadata row per window
    <root>/shards/<rec_id>.json  sidecar (n_windows, sha256, bytes, ...), written after the .npy
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import read_json_object

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
#: Columns that identify a window's recording, first in every shard's metadata.
RECORDING_COLUMNS: tuple[str, ...] = ("recording", "subject", "session", "run", "task")
#: Fields of a shard's sidecar ``.json``.
SIDECAR_FIELDS = frozenset({"ch_names", "chs_info", "sfreq", "n_windows", "sha256", "bytes", "columns"})
#: Fields of the manifest a store is read with, and of each of its shards, with their types.
MANIFEST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "shards": list, "ch_names": list, "chs_info": list, "sfreq": (int, float), "n_times": int, "n_chans": int,
    "config_hash": str,
}
SHARD_FIELDS: dict[str, type | tuple[type, ...]] = {"file": str, "sha256": str, "n_windows": int, "bytes": int}


def read_manifest(path: Path) -> dict[str, Any]:
    """A store's ``manifest.json``, checked to be one this version reads.

    Raises
    ------
    NeuroarenaError
        It is not valid JSON, lacks a field, or has another format version.
    """
    fix = "delete it and run `neuroarena ... --prepare` again (intact shards are reused)"
    try:
        manifest = read_json_object(path)
    except (ValueError, TypeError) as err:
        raise NeuroarenaError(f"not a valid store manifest ({err})", path=path, fix=fix) from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise NeuroarenaError(f"store format {manifest.get('format_version')} is not "
                              f"{FORMAT_VERSION}", path=path,
                              fix=f"delete {path.parent} and run `neuroarena ... --prepare` again")
    wrong = [name for name, kind in MANIFEST_FIELDS.items() if not isinstance(manifest.get(name), kind)]
    wrong += [f"shards[{i}].{name}" for i, shard in enumerate(manifest.get("shards") or []) for name, kind in
              SHARD_FIELDS.items() if not isinstance(shard, dict) or not isinstance(shard.get(name), kind)]
    if wrong:
        raise NeuroarenaError(f"not a valid store manifest (missing or wrong: {', '.join(wrong[:4])})", path=path,
                              fix=fix)
    return manifest


def read_sidecar(path: Path) -> dict[str, Any]:
    """A shard's sidecar ``.json``, checked to hold :data:`SIDECAR_FIELDS`.

    Raises
    ------
    NeuroarenaError
        It is missing, not valid JSON or lacks a field (the fix: delete the manifest, so the shard is built again).
    """
    fix = (f"delete {path.parent.parent / MANIFEST_NAME} and run `neuroarena ... --prepare` again (intact shards "
           "are reused, this one is rebuilt)")
    try:
        sidecar = read_json_object(path)
    except FileNotFoundError:
        raise NeuroarenaError("shard sidecar is missing", path=path, fix=fix) from None
    except ValueError as err:
        raise NeuroarenaError(f"shard sidecar is not valid JSON ({err})", path=path, fix=fix) from None
    except TypeError:
        sidecar = {}
    if not SIDECAR_FIELDS <= set(sidecar) or not isinstance(sidecar["columns"], dict):
        raise NeuroarenaError("shard sidecar lacks fields (it needs " + ", ".join(sorted(SIDECAR_FIELDS)) + ")",
                              path=path, fix=fix)
    return sidecar


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in blocks."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def column_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """Each column's kind (``"float"``, ``"int"``, ``"bool"`` or ``"str"``) to read a TSV back exactly."""
    kinds = {}
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype):
            kinds[name] = "bool"
        elif pd.api.types.is_integer_dtype(dtype):
            kinds[name] = "int"
        elif pd.api.types.is_float_dtype(dtype):
            kinds[name] = "float"
        else:
            kinds[name] = "str"
    return kinds


def write_metadata_tsv(path: str | Path, frame: pd.DataFrame) -> None:
    """Write window metadata as TSV (missing numbers as ``n/a``)."""
    frame.to_csv(path, sep="\t", index=False, na_rep="n/a")


def read_metadata_tsv(path: str | Path, kinds: dict[str, str]) -> pd.DataFrame:
    """Read a TSV written by :func:`write_metadata_tsv` with the column kinds it was written with."""
    dtypes = {"float": float, "int": np.int64, "bool": bool, "str": str}
    numeric = [name for name, kind in kinds.items() if kind == "float"]
    return pd.read_csv(path, sep="\t", dtype={name: dtypes[kind] for name, kind in kinds.items()},
                       keep_default_na=False, na_values={name: ["n/a"] for name in numeric})


class WindowStore:
    """Read side of a complete window store; open it with :meth:`open`.

    Windows are numbered 0..N-1 across shards in manifest order. Pickling keeps only
    the root and the manifest, so a store travels cheaply to data-loader workers.

    Parameters
    ----------
    root : Path
        The store's folder.
    manifest : dict
        The parsed ``manifest.json``.
    """

    def __init__(self, root: str | Path, manifest: dict[str, Any]):
        self.root = Path(root)
        self.manifest = manifest
        counts = [shard["n_windows"] for shard in manifest["shards"]]
        self._offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])
        self._memmaps: list[np.ndarray] | None = None
        self._metadata: pd.DataFrame | None = None

    @classmethod
    def open(cls, root: str | Path) -> WindowStore:
        """Open a complete store, checking every shard's SHA-256 against the manifest.

        Raises
        ------
        NeuroarenaError
            The manifest is missing (incomplete build) or invalid, or a shard or its sidecar is missing
            or corrupt.
        """
        root = Path(root)
        manifest_path = root / MANIFEST_NAME
        if not manifest_path.is_file():
            raise NeuroarenaError("incomplete store (no manifest.json)", path=root,
                                  fix="run with --prepare to build it")
        manifest = read_manifest(manifest_path)
        for shard in manifest["shards"]:
            shard_path = root / shard["file"]
            if not shard_path.is_file() or file_sha256(shard_path) != shard["sha256"]:
                raise NeuroarenaError("shard is missing or its checksum does not match the "
                                      "manifest", path=shard_path,
                                      fix=f"delete {root} and run `neuroarena ... --prepare` again")
            read_sidecar(shard_path.with_suffix(".json"))
        return cls(root, manifest)

    @property
    def ch_names(self) -> list[str]:
        """Channel names, in the order of the channel axis."""
        return self.manifest["ch_names"]

    @property
    def chs_info(self) -> list[dict[str, Any]]:
        """Per channel ``{"ch_name", "loc"}`` (``loc``: ndarray, shape (12,)), as braindecode models take it."""
        return [{**ch, "loc": np.asarray(ch["loc"], dtype=float)} for ch in self.manifest["chs_info"]]

    @property
    def sfreq(self) -> float:
        """Sampling rate of the windows in Hz."""
        return self.manifest["sfreq"]

    @property
    def n_times(self) -> int:
        """Samples per window."""
        return self.manifest["n_times"]

    @property
    def n_chans(self) -> int:
        """Channels per window."""
        return self.manifest["n_chans"]

    @property
    def config_hash(self) -> str:
        """Hash of the study parameters, the preprocessing config and the input files' stamps that built the store."""
        return self.manifest["config_hash"]

    @property
    def files(self) -> list[tuple[str, int, int]]:
        """``(path relative to the study root, size, mtime_ns)`` of every input file the store was built from."""
        return [tuple(stamp) for stamp in self.manifest.get("files", [])]

    @property
    def nbytes(self) -> int:
        """On-disk size of the shard arrays (``.npy`` files) in bytes."""
        return sum(shard["bytes"] for shard in self.manifest["shards"])

    def __len__(self) -> int:
        return int(self._offsets[-1])

    @property
    def metadata(self) -> pd.DataFrame:
        """One row per window in global order: ``window`` (0..N-1), recording columns, event columns."""
        if self._metadata is None:
            frames = [self._read_shard_metadata(shard) for shard in self.manifest["shards"]]
            metadata = pd.concat(frames, ignore_index=True)
            metadata.insert(0, "window", np.arange(len(metadata), dtype=np.int64))
            self._metadata = metadata
        return self._metadata

    def take(self, indices: np.ndarray) -> np.ndarray:
        """Windows at ``indices``, in that order.

        Parameters
        ----------
        indices : ndarray of int, shape (n,)
            Global window numbers in ``0 .. len(self) - 1``, any order, repeats allowed.

        Returns
        -------
        X : ndarray of float32, shape (n, n_chans, n_times)
        """
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        if indices.size and (indices.min() < 0 or indices.max() >= len(self)):
            raise IndexError(f"window indices must lie in [0, {len(self)}), got "
                             f"[{indices.min()}, {indices.max()}]")
        memmaps = self._open_memmaps()
        X = np.empty((indices.size, self.n_chans, self.n_times), dtype=np.float32)
        shard_of = np.searchsorted(self._offsets, indices, side="right") - 1
        order = np.argsort(shard_of, kind="stable")
        shards, firsts = np.unique(shard_of[order], return_index=True)
        for shard, positions in zip(shards, np.split(order, firsts[1:])):
            X[positions] = memmaps[shard][indices[positions] - self._offsets[shard]]
        return X

    def _open_memmaps(self) -> list[np.ndarray]:
        if self._memmaps is None:
            memmaps = []
            for shard in self.manifest["shards"]:
                array = np.load(self.root / shard["file"], mmap_mode="r")
                expected = (shard["n_windows"], self.n_chans, self.n_times)
                if array.shape != expected:
                    raise NeuroarenaError(f"shard has shape {array.shape}, manifest says {expected}",
                                          path=self.root / shard["file"],
                                          fix=f"delete {self.root} and run `neuroarena ... --prepare` again")
                memmaps.append(array)
            self._memmaps = memmaps
        return self._memmaps

    def _read_shard_metadata(self, shard: dict[str, Any]) -> pd.DataFrame:
        shard_path = self.root / shard["file"]
        sidecar = read_sidecar(shard_path.with_suffix(".json"))
        tsv_path = shard_path.with_suffix(".tsv")
        try:
            frame = read_metadata_tsv(tsv_path, sidecar["columns"])
        except (OSError, ValueError, pd.errors.ParserError) as err:
            raise NeuroarenaError(f"shard metadata cannot be read ({type(err).__name__}: "
                                  f"{str(err).splitlines()[0][:120]})", path=tsv_path,
                                  fix=f"delete {self.root} and run `neuroarena ... --prepare` again") from None
        if len(frame) != shard["n_windows"]:
            raise NeuroarenaError(f"{len(frame)} metadata rows for {shard['n_windows']} windows",
                                  path=tsv_path,
                                  fix=f"delete {self.root} and run `neuroarena ... --prepare` again")
        return frame

    def __getstate__(self) -> dict[str, Any]:
        return {"root": self.root, "manifest": self.manifest}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["root"], state["manifest"])

    def __repr__(self) -> str:
        return (f"WindowStore({str(self.root)!r}, n_windows={len(self)}, n_chans={self.n_chans}, "
                f"n_times={self.n_times}, sfreq={self.sfreq})")
