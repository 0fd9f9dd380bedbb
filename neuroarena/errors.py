"""One exception type for every user-facing failure."""
from __future__ import annotations

from pathlib import Path


class NeuroarenaError(Exception):
    """An error the user can fix; its message is one line naming the file and the fix.

    Parameters
    ----------
    message : str
        What went wrong.
    path : str or Path, optional
        The file or folder at fault; it is put in front of the message.
    fix : str, optional
        What to do about it; appended as ``-> fix``.
    """

    def __init__(self, message: str, path: str | Path | None = None, fix: str | None = None):
        self.path = None if path is None else Path(path)
        self.fix = fix
        text = message if self.path is None else f"{self.path}: {message}"
        if fix:
            text = f"{text} -> {fix}"
        super().__init__(" ".join(text.split()))


def first_line(err: BaseException, limit: int = 240) -> str:
    """``"TypeName: first line of its message"`` (at most ``limit`` characters of it), or the type's name."""
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0][:limit]}" if lines else type(err).__name__
