"""Which root folder this process (and the jobs it ships) uses, and whether it can hold a run."""
from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from neuroarena.errors import NeuroarenaError
from neuroarena.home import neuroarena_home

#: Free space a run needs beyond its window stores: records, checkpoints, caches (bytes).
RUN_RESERVE = 256 * 2**20
#: What an OSError of writing means for the user, and the fix.
WRITE_ERRORS = {
    errno.ENOSPC: ("the disk is full", "free space, or point --home at a disk with room"),
    errno.EDQUOT: ("the disk quota is used up", "free space, or point --home at a disk with room"),
    errno.EFBIG: ("a file would exceed the file-size limit", "raise the limit (ulimit -f) or point --home elsewhere"),
    errno.EROFS: ("the file system is read-only", "pass --home DIR on a writable file system"),
    errno.EACCES: ("permission denied", "pass --home DIR (or set NEUROARENA_HOME) to a folder you can write"),
    errno.EPERM: ("the operation is not permitted (read-only or immutable)",
                  "pass --home DIR (or set NEUROARENA_HOME) to a folder you can write"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "pass --home DIR naming a folder"),
}


def use_home(home: str | Path | None) -> Path:
    """Resolve the root folder and export it as ``$NEUROARENA_HOME`` for this process and its workers."""
    root = neuroarena_home(home)
    os.environ["NEUROARENA_HOME"] = str(root)
    return root


def write_error(err: OSError, path: str | Path | None = None) -> NeuroarenaError | None:
    """The one-line error for an OSError of writing (disk full, read-only, ...), or None for another OSError.

    numpy's ``tofile`` reports a short write without an errno (``"992000 requested and 75000 written"``).
    """
    if err.errno is None and "requested and" in str(err) and "written" in str(err):
        return NeuroarenaError(f"a write stopped short ({err}): the disk is full or a file-size limit was hit",
                               path=path or err.filename, fix="free space or raise the limit (ulimit -f), or point "
                                                              "--home at another disk")
    if err.errno not in WRITE_ERRORS:
        return None
    what, fix = WRITE_ERRORS[err.errno]
    return NeuroarenaError(what, path=path or err.filename, fix=fix)


def home_problem(root: Path, need_bytes: int = 0) -> NeuroarenaError | None:
    """Why ``root`` cannot hold a run needing ``need_bytes`` free, or None: not a folder, not creatable, not
    writable (a real write is tried: permission bits alone do not tell, e.g. as root or on a read-only mount),
    or short of space."""
    if root.exists() and not root.is_dir():
        return NeuroarenaError("the home is a file, not a folder", path=root,
                               fix="pass --home DIR (or set NEUROARENA_HOME) to a folder")
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".home-check-"):
            pass
    except OSError as err:
        return write_error(err, root) or NeuroarenaError(f"the home is not writable ({err.strerror or err})",
                                                         path=root, fix="pass --home DIR to a writable folder")
    free = shutil.disk_usage(root).free
    if free < need_bytes:
        return NeuroarenaError(f"{free / 2**30:.2f} GiB free, about {need_bytes / 2**30:.2f} GiB needed", path=root,
                               fix="free space, or point --home at a disk with room")
    return None


def check_home(root: Path, need_bytes: int | None = None) -> None:
    """Raise :func:`home_problem`'s error (``need_bytes`` default :data:`RUN_RESERVE`), before any work starts."""
    problem = home_problem(root, RUN_RESERVE if need_bytes is None else need_bytes)
    if problem is not None:
        raise problem
