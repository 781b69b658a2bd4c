"""Atomic file writes and hashing: a crash never leaves a half-written model or data file."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ensure_writable_dir(path: str | Path, *, parameter: str) -> Path:
    """Create ``path`` if needed and check it can be written, naming ``parameter`` if not."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PermissionError(f"'{parameter}' must be a writable folder (got {str(out)!r}: {exc.strerror})") from None
    if not out.is_dir() or not os.access(out, os.W_OK | os.X_OK):
        raise PermissionError(f"'{parameter}' must be a writable folder (got {str(out)!r})")
    return out


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", **kwargs) -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and move it into place only on success."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.chmod(tmp, 0o644)  # mkstemp's 0600 would make models unreadable to other users
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def staged_files(directory: str | Path) -> Iterator[dict]:
    """Stage several files and move them all into place only when every one was written.

    Yields a dict; ``stage(name)`` style: callers do ``paths = stage["model.json"]`` to get a
    temporary path to write. On success each temporary file replaces its target; on any error
    every temporary file is removed and the old files stay whole.
    """
    directory = Path(directory)
    staged: dict[str, Path] = {}

    class _Stage(dict):
        def __missing__(self, name: str) -> Path:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
            os.close(fd)
            os.chmod(tmp, 0o644)
            staged[name] = Path(tmp)
            self[name] = Path(tmp)
            return Path(tmp)

    stage = _Stage()
    try:
        yield stage
        for name, tmp in staged.items():
            os.replace(tmp, directory / name)
    finally:
        for tmp in staged.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
