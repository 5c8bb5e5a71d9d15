"""Files written whole or not at all.

Every cache, bundle and signature the project writes goes through :func:`write_atomically`: the
data goes into a temporary file of its own beside the target (``tempfile.mkstemp``, so two
processes writing the same target never share one), which is then renamed over the target. A
reader sees the old file or the new one, never half of one; a failed write leaves the old file as
it was and no temporary file behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

#: the process's umask, read once (reading it means setting it): files get the mode ``open`` would
#: give them, not mkstemp's owner-only 0600 (a packed bundle is meant to be shared)
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], object], *,
                     durable: bool = False) -> Path:
    """``write(file)`` into a temporary file beside ``path``, then renamed to ``path``.

    Parameters
    ----------
    path : path-like
        The target; its folder must exist.
    write : callable
        Called once with the temporary file, opened ``"wb"``.
    durable : bool
        Flush the data to the disk (``fsync``) before the rename: for files a power loss must not
        leave empty (bundles, signatures), not for caches that are rebuilt when damaged.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_bytes_atomically(path: str | os.PathLike, data: bytes, *, durable: bool = True) -> Path:
    """``data`` written to ``path`` by :func:`write_atomically` (durable by default)."""
    return write_atomically(path, lambda fh: fh.write(data), durable=durable)
