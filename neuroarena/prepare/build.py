"""Build a window store, one recording at a time, resumable after a kill."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import atomic_path, read_json_object, write_json_atomic
from neuroarena.hashing import stable_hash
from neuroarena.prepare.config import PrepareConfig
from neuroarena.prepare.preprocess import preprocess_raw
from neuroarena.prepare.store import (
    FORMAT_VERSION, MANIFEST_NAME, RECORDING_COLUMNS, SIDECAR_FIELDS, WindowStore, column_kinds, file_sha256,
    write_metadata_tsv,
)
from neuroarena.prepare.windows import NoWindows, epoch_windows, extract_windows
from neuroarena.studies.base import Recording, Study, UnreadableRecording, reader_error


def store_config(study: Study, config: PrepareConfig) -> tuple[PrepareConfig, list[str]]:
    """The preprocessing a store of ``study`` applies: ``config``, adapted to a release published as epochs
    (:func:`~neuroarena.prepare.adapt.adapt_to_epochs`), and a sentence per change."""
    release = study.epoched()
    if release is None:
        return config, []
    from neuroarena.prepare.adapt import adapt_to_epochs

    return adapt_to_epochs(config, release)


def store_key(study: Study, config: PrepareConfig) -> str:
    """Hash of everything that shapes a store: the study's parameters, the preprocessing it applies, and the
    path, size and modification time of every input file of its chosen recordings (:meth:`Study.snapshot`,
    listed once per study object), so an edited or touched file builds a new store."""
    applied, _ = store_config(study, config)
    return stable_hash({"study": study.params(), "prepare": applied.model_dump(mode="json"),
                        "files": input_files(study)})


def input_files(study: Study) -> list[list[str | int]]:
    """``[path relative to the study root, size, mtime_ns]`` of every input file of the chosen recordings."""
    return [list(stamp) for stamp in study.snapshot().files]


def store_root(study: Study, config: PrepareConfig, cache_root: str | Path) -> Path:
    """Folder of the store for ``study`` under ``config``: ``<cache_root>/prepare/<name>-<key>``."""
    return Path(cache_root) / "prepare" / f"{study.name.lower()}-{store_key(study, config)}"


def build_store(study: Study, config: PrepareConfig, cache_root: str | Path,
                progress: bool = True) -> WindowStore:
    """Open the store of ``study`` under ``config``, building the missing parts first.

    Recordings are processed one at a time (at most one in memory). Each shard's
    ``.npy`` and ``.tsv`` are written atomically, then its sidecar; a shard whose sidecar
    exists and whose checksum matches is reused, so a killed build resumes where it
    stopped. The manifest is written last; it records the preprocessing applied (adapted to
    an epoched release), the changes made to the requested one, the input files (path, size,
    mtime) and the recordings the study skipped. A recording that cannot be read (its reader
    raises) stops the build with one line naming its file, or, when the study was built with
    ``skip_unreadable``, is skipped (:meth:`~neuroarena.studies.base.Study.skip`) and counted in
    the manifest. A recording without any event of the task's kind (another task's run) is skipped
    and counted the same way; when every recording is, the build stops.

    Parameters
    ----------
    study : Study
        Yields the recordings, in a stable order.
    config : PrepareConfig
        Preprocessing and windowing.
    cache_root : str or Path
        The cache folder (``neuroarena.home.cache_dir()``).
    progress : bool
        Show a progress bar over recordings.

    Returns
    -------
    store : WindowStore

    Raises
    ------
    NeuroarenaError
        A recording cannot be read (unless skipped), fails (NaN, events outside it, ...) or
        differs from the first in channels or sampling rate, or every recording was skipped;
        no manifest is written.
    """
    root = store_root(study, config, cache_root)
    if (root / MANIFEST_NAME).is_file():
        return WindowStore.open(root)
    requested = config
    config, adapted = store_config(study, config)
    recordings = list(study.snapshot().recordings)
    if not recordings:
        raise NeuroarenaError(f"study {study.name} has no recordings", path=study.root,
                              fix="download it first")
    _check_unique_ids(recordings, study)
    _check_room(root, study)
    skip = getattr(study, "skip_unreadable", False)
    shards, reference = [], None
    for recording in tqdm(recordings, desc=f"prepare {study.name}", unit="recording",
                          disable=not progress):
        sidecar = _reusable_sidecar(root, recording)
        if sidecar is None:
            try:
                sidecar = _build_shard(root, recording, config, reference, study.line_freq)
            except NoWindows:  # nothing of the task's kind in it (another task's run): it adds no window
                study.skip(recording.id, f"no event of kind {config.event_kind!r}")
                continue
            except UnreadableRecording as error:
                if not skip:
                    raise
                study.skip(recording.id, str(error))
                continue
        _check_layout(sidecar, reference, recording)
        reference = reference or (recording, sidecar)
        shards.append(_manifest_entry(recording, sidecar))
    if reference is None:
        reasons = sorted({entry["reason"].split(" -> ")[0] for entry in study.skipped})[:2]
        raise NeuroarenaError(f"every one of the {len(recordings)} recordings of {study.name} was skipped "
                              f"({'; '.join(reasons)})", path=study.root,
                              fix="check event_kind in the prepare config, or repair or restore the files")
    first = reference[1]
    manifest = {
        "format_version": FORMAT_VERSION,
        "config": config.model_dump(mode="json"),
        "config_hash": store_key(study, requested),
        "requested_config": requested.model_dump(mode="json"),
        "adapted": adapted,
        "skipped": list(study.skipped),
        "study": study.params(),
        "files": input_files(study),
        "ch_names": first["ch_names"],
        "chs_info": first["chs_info"],
        "sfreq": first["sfreq"],
        "n_times": config.n_times,
        "n_chans": len(first["ch_names"]),
        "dtype": config.dtype,
        "shards": shards,
        "n_windows": sum(shard["n_windows"] for shard in shards),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    write_json_atomic(root / MANIFEST_NAME, manifest)
    # Every shard's checksum was just computed or checked: no need to hash them again.
    return WindowStore(root, json.loads((root / MANIFEST_NAME).read_text()))


def _shard_paths(root: Path, recording: Recording) -> tuple[Path, Path, Path]:
    shards = root / "shards"
    return tuple(shards / f"{recording.id}{suffix}" for suffix in (".npy", ".tsv", ".json"))


def _reusable_sidecar(root: Path, recording: Recording) -> dict[str, Any] | None:
    """The shard's sidecar if the shard is complete and intact, else None (the shard is built again: a sidecar
    that is not valid JSON, or lacks a field, is one a killed build left unfinished or a damaged one)."""
    npy_path, tsv_path, sidecar_path = _shard_paths(root, recording)
    if not (sidecar_path.is_file() and npy_path.is_file() and tsv_path.is_file()):
        return None
    try:
        sidecar = read_json_object(sidecar_path)
    except (ValueError, TypeError):
        return None
    if not SIDECAR_FIELDS <= set(sidecar):
        return None
    return sidecar if sidecar.get("sha256") == file_sha256(npy_path) else None


def _build_shard(root: Path, recording: Recording, config: PrepareConfig,
                 reference: tuple[Recording, dict[str, Any]] | None, line_freq: float | None) -> dict[str, Any]:
    """Preprocess one recording, write its shard, return its sidecar (the data is freed on return)."""
    import mne

    npy_path, tsv_path, sidecar_path = _shard_paths(root, recording)
    loaded, events = read_recording(recording)
    if loaded.info["line_freq"] is None and line_freq is not None:
        with loaded.info._unlock():
            loaded.info["line_freq"] = line_freq
    raw = preprocess_raw(loaded, config, recording.path)
    del loaded
    layout = {
        "ch_names": list(raw.ch_names),
        "chs_info": [{"ch_name": ch["ch_name"], "loc": [float(v) for v in ch["loc"]]}
                     for ch in raw.info["chs"]],
        "sfreq": float(raw.info["sfreq"]),
    }
    _check_layout(layout, reference, recording)
    cut = epoch_windows if isinstance(raw, mne.BaseEpochs) else extract_windows
    X, metadata = cut(raw, events, config, recording.path)
    del raw
    X = X.astype(config.dtype)
    if not np.isfinite(X).all():
        raise NeuroarenaError(f"windows overflow {config.dtype}", path=recording.path,
                              fix="set clip in the prepare config or use dtype float32")
    for position, column in enumerate(RECORDING_COLUMNS):
        value = recording.id if column == "recording" else getattr(recording, column)
        metadata.insert(position, column, value)
    with atomic_path(npy_path) as tmp:
        with open(tmp, "wb") as stream:
            np.save(stream, X)
    with atomic_path(tsv_path) as tmp:
        write_metadata_tsv(tmp, metadata)
    sidecar = {**layout, "n_windows": len(X), "sha256": file_sha256(npy_path),
               "bytes": npy_path.stat().st_size, "columns": column_kinds(metadata)}
    write_json_atomic(sidecar_path, sidecar)
    return sidecar


def read_recording(recording: Recording) -> tuple[Any, Any]:
    """The recording (``mne.io.BaseRaw`` or ``mne.BaseEpochs``) and its events table, as its study reads them.

    Raises
    ------
    UnreadableRecording
        Its loader or events loader raised (MNE, mne-bids, pyarrow, numpy, a NeuroarenaError, ...): one
        line naming the file (a reader's own error as ``cannot read this recording (<type>: <first line>)``).
    """
    try:
        return recording.load(), recording.events()
    except MemoryError:
        raise
    except Exception as err:  # any reader's error, as one line naming the file
        raise reader_error(recording.path, err) from err


#: A store's size against its input files', taken as a rough upper bound: float16 windows at 100 Hz against
#: float32 (or wider) recordings at 250 Hz or more, windows of fast designs overlapping included.
STORE_SIZE_RATIO = 0.5


def _check_room(root: Path, study: Study) -> None:
    """Refuse, before any shard is written, a store the disk has clearly no room for (one line naming it)."""
    from neuroarena.runner.home import RUN_RESERVE

    need = int(STORE_SIZE_RATIO * sum(size for _, size, _ in study.snapshot().files)) + RUN_RESERVE
    parent = next((p for p in (root, *root.parents) if p.exists()), Path("/"))
    free = shutil.disk_usage(parent).free
    if free < need:
        raise NeuroarenaError(f"{free / 2**30:.2f} GiB free, about {need / 2**30:.2f} GiB needed for the window "
                              f"store of {study.name}", path=root, fix="free space, or point --home at a disk with "
                                                                       "room")


def _check_layout(layout: dict[str, Any], reference: tuple[Recording, dict[str, Any]] | None,
                  recording: Recording) -> None:
    """Every recording must have the first one's channels (same order) and sampling rate."""
    if reference is None:
        return
    first, expected = reference
    if layout["ch_names"] != expected["ch_names"]:
        missing = [name for name in expected["ch_names"] if name not in layout["ch_names"]]
        extra = [name for name in layout["ch_names"] if name not in expected["ch_names"]]
        raise NeuroarenaError(f"channels differ from {first.path} (missing {missing}, extra "
                              f"{extra}, or another order)", path=recording.path,
                              fix="set picks in the prepare config to the channels all recordings share")
    if layout["sfreq"] != expected["sfreq"]:
        raise NeuroarenaError(f"sampling rate {layout['sfreq']} Hz differs from {first.path} "
                              f"({expected['sfreq']} Hz)", path=recording.path,
                              fix="check the sfreq of the prepare config")


def _manifest_entry(recording: Recording, sidecar: dict[str, Any]) -> dict[str, Any]:
    return {
        "recording": recording.id, "subject": recording.subject, "session": recording.session,
        "run": recording.run, "task": recording.task, "n_windows": sidecar["n_windows"],
        "file": f"shards/{recording.id}.npy", "sha256": sidecar["sha256"],
        "bytes": sidecar["bytes"],
    }


def _check_unique_ids(recordings: list[Recording], study: Study) -> None:
    counts = Counter(recording.id for recording in recordings)
    duplicates = sorted(rec_id for rec_id, count in counts.items() if count > 1)
    if duplicates:
        raise NeuroarenaError(f"recordings share the ids {duplicates}", path=study.root,
                              fix=f"give each recording of {study.name} a distinct subject/session/task/run")
