"""Atomic writes: a reader never sees a half-written file, a killed writer leaves none that a later run keeps.

Temporary names carry their owner (``<pid>@<host>``), so :func:`remove_orphans` can tell what a dead
process left from what a live one is writing. Files are created ``0o666 & ~umask`` and folders
``0o777 & ~umask``, as ``open`` and ``mkdir`` would, so a home shared by a group stays readable.
"""
from __future__ import annotations

import fnmatch
import json
import math
import os
import re
import shutil
import socket
import stat
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

__all__ = ["atomic_path", "clean_home_orphans", "current_umask", "finite_json", "make_temp_dir", "owner_alive",
           "owner_of", "owner_tag", "remove_orphans", "scratch_dir", "this_host", "write_json_atomic",
           "write_text_atomic"]

#: ``<pid>@<host>`` followed by a dot, as :func:`owner_tag` writes it into temporary names
_OWNER = re.compile(r"(\d+)@([A-Za-z0-9-]{1,40})\.")
#: what a killed writer can leave: atomic_path's files and the simulated dataset's folders, job workdirs
HOME_ORPHANS = (".*.tmp", "neuroarena-job-*")
_UMASK_LOCK = threading.Lock()


def this_host() -> str:
    """This machine's name as temporary names and claims carry it (letters, digits and ``-``, 40 at most)."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "localhost"


def owner_tag() -> str:
    """``<pid>@<host>`` of this process, put into every temporary name it creates."""
    return f"{os.getpid()}@{this_host()}"


def owner_of(name: str) -> tuple[int, str] | None:
    """The (pid, host) a temporary name carries, or None for a name without an owner."""
    matches = list(_OWNER.finditer(name))
    return (int(matches[-1].group(1)), matches[-1].group(2)) if matches else None


def _started_at(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), where ``/proc`` tells; else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime"))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def owner_alive(pid: int, host: str, since: float | None = None) -> bool | None:
    """Whether process ``pid`` of ``host`` still runs: None when ``host`` is another machine.

    ``since`` (seconds since the epoch) is when the owner was known to be running; a process of that
    pid started later is another one that reuses the pid, so the owner is dead.
    """
    if host != this_host():
        return None
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    started = _started_at(pid) if since is not None else None
    return not (started is not None and started > since + 1.0)


def current_umask() -> int:
    """The process's umask, read without changing it where ``/proc`` tells."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def make_temp_dir(parent: str | Path, prefix: str, suffix: str = "") -> Path:
    """A new folder ``<parent>/<prefix><pid>@<host>.<random><suffix>``, ``0o777 & ~umask``."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{owner_tag()}.", suffix=suffix, dir=parent))
    os.chmod(folder, 0o777 & ~current_umask())
    return folder


@contextmanager
def scratch_dir(parent: str | Path, prefix: str) -> Iterator[str]:
    """A temporary folder under ``parent`` for the duration of the block; what dead owners left there goes first."""
    remove_orphans(parent, [f"{prefix}*"])
    folder = make_temp_dir(parent, prefix)
    try:
        yield str(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_orphans(folder: str | Path, patterns: Iterable[str]) -> list[Path]:
    """Delete the entries of ``folder`` matching ``patterns`` whose owner is a dead process of this host.

    Entries of live processes, of other hosts and without an owner in their name are kept.
    Returns the paths removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [path for path in sorted({p for pattern in patterns for p in folder.glob(pattern)})
            if _remove_if_orphan(path)]


def _remove_if_orphan(path: Path) -> bool:
    """Delete ``path`` if its name's owner is a dead process of this host; whether it did."""
    owner = owner_of(path.name)
    if owner is None:
        return False
    try:
        status = path.lstat()
    except FileNotFoundError:  # its owner finished meanwhile
        return False
    since = max(status.st_mtime, status.st_ctime)  # the owner ran then; ctime cannot be set back
    if owner_alive(*owner, since=since) is not False:
        return False
    if stat.S_ISDIR(status.st_mode):
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    return True


def clean_home_orphans(home: str | Path | None = None) -> list[Path]:
    """Remove, anywhere under the neuroarena home, what killed processes of this host left half-written.

    That is atomic writes' temporary files, unfinished simulated datasets and job workdirs
    (see :data:`HOME_ORPHANS`); returns the paths removed.
    """
    from neuroarena.home import neuroarena_home

    removed: list[Path] = []
    for folder, dirs, files in os.walk(neuroarena_home(home)):
        for name in dirs + files:
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in HOME_ORPHANS) and \
                    _remove_if_orphan(Path(folder, name)):
                removed.append(Path(folder, name))
        dirs[:] = [d for d in dirs if Path(folder, d) not in removed]
    return removed


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success.

    On error the temporary file is removed and ``path`` is untouched. The file is ``0o666 & ~umask``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{owner_tag()}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
    finally:
        os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json_atomic(path: str | Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {key: _finite(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(value) for value in obj]
    if type(obj).__module__ == "numpy":  # numpy scalars and arrays
        return _finite(obj.tolist()) if hasattr(obj, "tolist") else obj
    return obj


def finite_json(obj: Any) -> str:
    """``obj`` as indented, valid JSON: non-finite floats (NaN, inf) are written ``null``."""
    return json.dumps(_finite(obj), indent=2, sort_keys=True, default=str, allow_nan=False) + "\n"


def read_json_object(path: str | Path) -> dict[str, Any]:
    """The JSON object in ``path``.

    Raises
    ------
    ValueError
        It is not valid JSON; the message is the decoder's error in one line (``JSONDecodeError: ...``).
    TypeError
        It holds JSON, but not an object.
    FileNotFoundError
        It does not exist.
    """
    try:
        content = json.loads(Path(path).read_bytes())
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueError(f"{type(err).__name__}: {str(err).splitlines()[0][:120]}") from None
    if not isinstance(content, dict):
        raise TypeError("not a JSON object")
    return content


def build_folder_once(root: str | Path, write: Callable[[Path], None], check: Callable[[Path], None]) -> Path:
    """Build the folder ``root`` once: ``write(tmp)`` fills a temporary folder beside it, renamed onto it.

    ``root`` is therefore absent or complete; what a killed writer left is removed by the next one. When
    ``root`` exists (written before, or by a concurrent writer that won the race), ``check(root)`` must
    accept it (it raises otherwise) and nothing is written.
    """
    root = Path(root)
    if root.exists():
        check(root)
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    remove_orphans(root.parent, [f".{root.name}.*.tmp"])
    tmp = make_temp_dir(root.parent, prefix=f".{root.name}.", suffix=".tmp")
    try:
        write(tmp)
        os.rename(tmp, root)
    except OSError:
        if not root.exists():  # a concurrent writer did not win the race: a real failure
            raise
        check(root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return root


def build_simulation_once(root: str | Path, expected: dict, write: Callable[[Path], None], what: str,
                          owner: str) -> Path:
    """Build a simulated study's folder once (:func:`build_folder_once`): ``write(tmp)`` writes its files and
    ``simulation.json`` records ``expected`` (configuration and generator version); an existing folder must hold
    the same record, or the error names ``what`` it should hold and the ``owner`` class to give another root."""
    from neuroarena.errors import NeuroarenaError

    def write_all(folder: Path) -> None:
        write(folder)
        (folder / "simulation.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")

    def check(folder: Path) -> None:
        path = folder / "simulation.json"
        if not path.is_file() or json.loads(path.read_text()) != expected:
            raise NeuroarenaError(f"folder exists but does not hold this {what}", path=folder,
                                  fix=f"delete the folder or choose another root for {owner}")

    return build_folder_once(root, write_all, check)


def replace_folder(root: str | Path, write: Callable[[Path], None]) -> Path:
    """Write the folder ``root`` anew: ``write(tmp)`` fills a temporary folder beside it, which then takes the
    place of the old one (if any). A reader never sees a half-written folder, and a failed ``write`` leaves the
    old one as it was."""
    root = Path(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    remove_orphans(root.parent, [f".{root.name}.*.tmp", f".{root.name}.*.old"])
    tmp = make_temp_dir(root.parent, prefix=f".{root.name}.", suffix=".tmp")
    old = None
    try:
        write(tmp)
        if root.exists():
            old = make_temp_dir(root.parent, prefix=f".{root.name}.", suffix=".old")
            os.replace(root, old / root.name)
        os.rename(tmp, root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return root
