"""Fetching archives: plain HTTP(S) (or ``file://``) with checksums, atomic, then unpacked."""
from __future__ import annotations

import hashlib
import shutil
import tarfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import atomic_path

CHUNK = 1 << 20


@dataclass(frozen=True)
class RemoteFile:
    """One file to fetch.

    Parameters
    ----------
    url : str
        ``https://``, ``http://`` or ``file://`` address.
    name : str
        File name to save it under (relative to the destination folder; may hold ``/``).
    sha256, md5 : str, optional
        Expected checksum (hex); at least one is checked when given.
    """

    url: str
    name: str
    sha256: str = ""
    md5: str = ""


def file_digest(path: str | Path, algorithm: str = "sha256") -> str:
    """Hex digest of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check(path: Path, remote: RemoteFile) -> None:
    for algorithm in ("sha256", "md5"):
        expected = getattr(remote, algorithm)
        if expected and file_digest(path, algorithm) != expected.lower():
            raise NeuroarenaError(f"{remote.name} does not match its {algorithm} checksum", path=remote.url,
                                  fix="download it again (the transfer was cut or the file changed upstream)")


def fetch(remote: RemoteFile, folder: str | Path, progress: bool = True) -> Path:
    """Download ``remote`` into ``folder`` unless a file with the right checksum is already there.

    The file is written next to its destination and renamed into place only after its checksum
    matched, so an interrupted download leaves nothing behind.

    Returns
    -------
    Path
        The downloaded file.
    """
    destination = Path(folder) / remote.name
    if destination.is_file() and (remote.sha256 or remote.md5):
        try:
            _check(destination, remote)
            return destination
        except NeuroarenaError:
            destination.unlink()
    elif destination.is_file():
        return destination
    try:
        response = urllib.request.urlopen(remote.url, timeout=60)  # noqa: S310 (https and file only)
    except OSError as err:
        raise NeuroarenaError(f"cannot download {remote.name} ({err})", path=remote.url,
                              fix="check the network connection, or put the file there by hand") from None
    total = int(response.headers.get("Content-Length") or 0)
    with atomic_path(destination) as tmp, response:
        from tqdm import tqdm

        with open(tmp, "wb") as out, tqdm(total=total or None, unit="B", unit_scale=True, desc=remote.name,
                                           disable=not progress) as bar:
            for chunk in iter(lambda: response.read(CHUNK), b""):
                out.write(chunk)
                bar.update(len(chunk))
        _check(tmp, remote)
    return destination


def extract(archive: str | Path, folder: str | Path) -> Path:
    """Unpack a ``.zip`` or ``.tar(.gz)`` archive into ``folder`` (members may not leave it).

    The archive is unpacked into a temporary folder beside ``folder`` and its contents moved in
    once complete. Returns ``folder``.
    """
    archive, folder = Path(archive), Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.{archive.name}.unpacking"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zipped:
                _refuse_escapes(archive, zipped.namelist())
                zipped.extractall(staging)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tarred:
                try:
                    tarred.extractall(staging, filter="data")
                except tarfile.FilterError as err:
                    raise NeuroarenaError(f"archive member refused ({err})", path=archive,
                                          fix="do not unpack this archive; download it from its source") from None
        else:
            raise NeuroarenaError("not a zip or tar archive", path=archive, fix="delete it and download it again")
        for item in staging.iterdir():
            target = folder / item.name
            if target.exists():
                shutil.rmtree(target) if target.is_dir() else target.unlink()
            item.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def unpack_folder(archive: str | Path, target: str | Path, marker: str, depth: int = 0) -> Path:
    """Unpack the folder of ``archive`` that holds ``marker`` as ``target``, whatever folders wrap it, then delete
    the archive.

    The folder is the ``depth``-th parent of the first file named ``marker`` (0: the folder holding it,
    1: the one above, as for ``sub-01/ses-01/raw_eeg_training.npy``); it may be the archive's top level.
    ``target`` is replaced.

    Returns
    -------
    Path
        ``target``.
    """
    archive, target = Path(archive), Path(target)
    staging = target.parent / f".{target.name}.unpacking"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        extract(archive, staging)
        found = sorted(staging.rglob(marker))
        if not found:
            raise NeuroarenaError(f"{archive.name} holds no {marker}", path=archive,
                                  fix="delete it and download it again")
        source = found[0].parents[depth]
        if source != staging and staging not in source.parents:
            raise NeuroarenaError(f"{archive.name} holds {marker} at its top, not {depth} folder(s) down",
                                  path=archive, fix=f"unpack it by hand as {target}")
        if target.exists():
            shutil.rmtree(target)
        source.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    archive.unlink()
    return target


def _refuse_escapes(archive: Path, names: list[str]) -> None:
    for name in names:
        if name.startswith("/") or ".." in Path(name).parts:
            raise NeuroarenaError(f"archive member {name!r} would be written outside the data folder",
                                  path=archive, fix="do not unpack this archive; download it from its source")
