"""Safe writes: a crash, a full disk or a second writer never leaves a half-written file or folder.

Three tools, for three kinds of target:

* :func:`replaced_folder` for a model or dataset folder, whose files belong together: the new
  set is written into a hidden sibling folder, and that folder is swapped in for the old one
  with a single ``renameat2(RENAME_EXCHANGE)`` (Linux 3.15+). A reader that opens the folder
  once and reads its files relative to that descriptor sees the whole old set or the whole new set. Where the kernel
  or file system cannot exchange, two renames are used and a crash between them leaves the old
  folder at ``.<name>.old-*``; the next writer puts it back. A lock file beside the folder
  (``.<name>.lock``, ``flock``) makes a second concurrent writer fail at once, clearly.
  Readers open the folder once and read every file relative to that descriptor
  (``core.model_folder.read_model_tree``), so a swap meanwhile gives them one whole set.
* :func:`atomic_open` and :func:`staged_files` for single files (pictures, a report).
* :func:`write_output` for a user's output file: a regular file is replaced atomically (a
  symlink is followed, not replaced); a device or a pipe is written to in place.
  :func:`open_output` does the same for output written a piece at a time (a batch).

Every rename goes through :func:`_rename` or :func:`_exchange`, which the fault-injection tests
replace to kill the process at each one.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import hashlib
import os
import re
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import IO, Collection, Iterator


def _replace(src: str | Path, dst: str | Path) -> None:
    os.replace(src, dst)


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
def atomic_open(path: str | Path, mode: str = "w", *, permissions: int = 0o644, **kwargs) -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and move it into place only on success."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.chmod(tmp, permissions)  # mkstemp's 0600 would make models unreadable to other users
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        _replace(tmp, target)
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
            _replace(tmp, directory / name)
    finally:
        for tmp in staged.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


# -- one folder, changed as one unit -----------------------------------------------------------

_RENAME_EXCHANGE = 2  # from <linux/fs.h>
_AT_FDCWD = -100
_held_locks: dict[str, tuple[int, int, int]] = {}  # folder -> (lock fd, depth, mode): re-entrant


def _rename(src: Path, dst: Path) -> None:
    os.rename(src, dst)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; ``False`` when the kernel or file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # not Linux, or a libc without renameat2 (glibc < 2.28)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


class FolderBusyError(BlockingIOError):
    """Another process is writing the same folder right now."""


@contextlib.contextmanager
def folder_lock(folder: str | Path, *, shared: bool = False) -> Iterator[None]:
    """Hold the lock of ``folder`` (a file ``.<name>.lock`` beside it); fail at once if it is taken.

    A writer takes it exclusively; a reader that must see one version across several files
    (``train`` reading a dataset) takes it ``shared``, so a writer waits for no one and fails
    clearly instead. Re-entrant within one process (a shared hold is upgraded when a writer
    of the same process asks), so a command can hold it across several steps.
    """
    folder = Path(os.path.realpath(folder))
    key = str(folder)
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    held = _held_locks.get(key)
    if held is not None:
        fd, depth, held_mode = held
        if held_mode == fcntl.LOCK_SH and mode == fcntl.LOCK_EX:
            _flock(fd, mode, folder)
        _held_locks[key] = (fd, depth + 1, max(held_mode, mode))
        try:
            yield
        finally:
            fd, depth, now = _held_locks[key]
            if now != held_mode:
                fcntl.flock(fd, held_mode)  # back to shared (never blocks: we held it exclusively)
            _held_locks[key] = (fd, depth - 1, held_mode)
        return
    lock_path = folder.parent / f".{folder.name}.lock"
    try:
        if not shared:
            folder.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        if not shared:
            raise
        # A reader of a folder in a read-only or missing place: no writer can use the lock
        # there either (a writer needs to create it), so reading goes on without it.
        yield
        return
    try:
        _flock(fd, mode, folder)
        current = _still_the_lock(fd, lock_path)
    except BaseException:
        os.close(fd)
        raise
    if not current:  # removed between our open and our lock: take the one now at the path
        os.close(fd)
        with folder_lock(folder, shared=shared):
            yield
        return
    if mode == fcntl.LOCK_EX:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _held_locks[key] = (fd, 1, mode)
    try:
        yield
    finally:
        del _held_locks[key]
        os.close(fd)  # releases the lock; the file stays (removing it would race the next writer)


def _still_the_lock(fd: int, lock_path: Path) -> bool:
    """Whether ``lock_path`` is still the file ``fd`` locks (nobody removed or replaced it)."""
    try:
        now = os.stat(lock_path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


def check_lock_held(folder: str | Path) -> None:
    """Before a swap: refuse when our lock file was removed meanwhile, which let a second writer in.

    Raises
    ------
    FolderBusyError
        The lock file of ``folder`` is not the one this process holds.
    """
    folder = Path(os.path.realpath(folder))
    held = _held_locks.get(str(folder))
    lock_path = folder.parent / f".{folder.name}.lock"
    if held is not None and not _still_the_lock(held[0], lock_path):
        raise FolderBusyError(
            f"the lock file {str(lock_path)!r} was removed while this process was writing {str(folder)!r}, so "
            "another writer may be at work there; nothing was replaced: run again once no other writer is"
        )


def _flock(fd: int, mode: int, folder: Path) -> None:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        if mode == fcntl.LOCK_SH:  # held exclusively: by the writer whose pid is in the file
            who = f"another process (pid {os.pread(fd, 32, 0).decode('ascii', 'replace').strip() or '?'}) is writing"
        else:
            who = "another process is reading or writing"
        raise FolderBusyError(
            f"{who} {str(folder)!r} right now; wait for it to finish or use another folder "
            f"(the lock is {str(folder.parent / f'.{folder.name}.lock')!r})"
        ) from None


def _leftovers(target: Path) -> list[Path]:
    """Staging and backup folders of earlier runs that were killed."""
    parent = target.parent
    return [p for pattern in (f".{target.name}.stage-*", f".{target.name}.old-*") for p in parent.glob(pattern)]


def _recover(target: Path) -> None:
    """After a crash between the two renames of the fallback swap, put the old folder back."""
    if os.path.lexists(target):
        return
    backups = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if backups:
        _rename(backups[-1], target)


def _check_replaceable(target: Path, parameter: str) -> None:
    cwd = Path(os.path.realpath(os.getcwd()))
    if cwd == target or target in cwd.parents:
        # Swapped away, the folder the command (and the shell that started it) stands in would
        # be a deleted one: what it writes next goes nowhere.
        raise ValueError(
            f"'{parameter}' must not be the current folder or one holding it (got {str(target)!r}); "
            "it is replaced as a whole: give a folder inside it, e.g. models"
        )
    if not os.path.lexists(target):
        return
    if not target.is_dir() or target.is_symlink():
        raise ValueError(f"'{parameter}' must be a folder (got {str(target)!r}, which is not one)")
    subfolders = [e.name for e in os.scandir(target) if e.is_dir(follow_symlinks=False)]
    if subfolders:
        # The folder is replaced as a whole: never do that to a folder holding other folders.
        raise ValueError(
            f"'{parameter}' must be a folder of its own files only (got {str(target)!r}, which holds the "
            f"folder {subfolders[0]!r}); choose a new or empty folder"
        )


def _carry_over(target: Path, stage: Path, own_files: Collection[str] = ()) -> None:
    """Bring every file of the old folder that the new set does not replace (a README), except
    ``own_files``: files that describe one version (a picture of the old tree) go with it."""
    if not target.is_dir():
        return
    for entry in os.scandir(target):
        dst = stage / entry.name
        if os.path.lexists(dst) or entry.name in own_files or (entry.name.startswith(".") and entry.name.endswith(".tmp")):
            continue  # replaced by the new set, of the old version only, or a temporary file of a killed run
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), dst)
            continue
        try:
            os.link(entry.path, dst)  # the same file, no copy: it is never written in place
        except OSError:
            shutil.copy2(entry.path, dst)


def _same_mode(target: Path, stage: Path) -> None:
    """Give the new folder the old one's mode and group (0700 stays 0700, setgid 2770 stays), or
    for a new folder what ``mkdir`` would give: mkdtemp's 0700 would hide a model from others."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        os.chmod(stage, 0o777 & ~_umask() | (os.stat(stage).st_mode & stat.S_ISGID))
        return
    with contextlib.suppress(PermissionError):  # a group we are not in: keep ours
        os.chown(stage, -1, st.st_gid)
    os.chmod(stage, stat.S_IMODE(st.st_mode))


def _fsync_folder(folder: Path) -> None:
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False):
            fd = os.open(entry.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fsync_dir(folder)


def fsync_dir(folder: str | Path) -> None:
    """Make a folder's entries (a rename into it) durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_in(stage: Path, target: Path) -> Path | None:
    """Make ``stage`` the folder at ``target``; return where the old folder now is (to delete)."""
    if not os.path.lexists(target):
        _rename(stage, target)
        return None
    if _exchange(stage, target):
        return stage
    backup = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(backup)  # only the unique name is wanted
    _rename(target, backup)
    try:
        _rename(stage, target)
    except BaseException:
        _rename(backup, target)
        raise
    return backup


@contextlib.contextmanager
def replaced_folder(
    target: str | Path, *, parameter: str = "out", own_files: Collection[str] = ()
) -> Iterator[Path]:
    """Yield an empty folder to write a complete new set into; on success it becomes ``target``.

    Files of the old folder that the new set does not replace are carried over, except
    ``own_files`` (files that belong to one version: absent from the new set, they go). On any error,
    or a kill at any point, ``target`` stays the complete old folder (or absent, if it was);
    the staging folder of a killed run is removed by the next writer and ignored by readers.

    Raises
    ------
    FolderBusyError
        Another process is writing ``target``.
    PermissionError
        ``target``'s parent folder cannot be written.
    ValueError
        ``target`` is not a folder, or holds folders (such a folder is never replaced).
    """
    target = Path(os.path.realpath(target))  # a symlinked folder: replace what it points to
    try:
        ensure_writable_dir(target.parent, parameter=parameter)
    except PermissionError as exc:
        raise PermissionError(
            f"{exc}; '{parameter}' is replaced as a whole folder, which needs write access to the folder "
            f"that holds it, {str(target.parent)!r}"
        ) from None
    with folder_lock(target):
        _recover(target)
        _check_replaceable(target, parameter)
        for leftover in _leftovers(target):
            shutil.rmtree(leftover, ignore_errors=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.stage-", dir=target.parent))
        try:
            _same_mode(target, stage)
            yield stage
            check_lock_held(target)
            _carry_over(target, stage, own_files)
            _fsync_folder(stage)
            check_lock_held(target)
            old = _swap_in(stage, target)
            fsync_dir(target.parent)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)  # what cannot go now goes with the next write


# -- a user's output file ----------------------------------------------------------------------


def write_all(write, data: bytes, *, where: str) -> None:
    """Give ``data`` to ``write`` (``os.write`` on a descriptor, or a raw stream's ``write``) until
    all of it is written: a short write (a disk filling up, an unbuffered stream) is continued,
    and a write that takes nothing is an error, never dropped data.

    Raises
    ------
    OSError
        Naming ``where`` and the reason (``No space left on device``).
    """
    view = memoryview(data)
    try:
        while view:
            n = write(view)
            if not n:  # None from a non-blocking stream, 0 from a full one: nothing more goes in
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            view = view[n:]
    except OSError as exc:
        left = f"{len(view):,} of {len(data):,} bytes not written"
        raise OSError(exc.errno, f"cannot write {where} ({exc.strerror or exc}; {left})") from None


def write_stream(stream: IO | None, text: str, *, where: str = "stdout") -> None:
    """Write ``text`` whole to a text stream (stdout), checking every write.

    A text stream drops what its unbuffered binary layer (``PYTHONUNBUFFERED=1``) does not take
    in one write; this writes through the binary layer in a loop instead, and flushes.

    Raises
    ------
    OSError
        The stream is closed, or writing failed (a full disk, a closed pipe).
    """
    if stream is None:  # started with the descriptor closed (`>&-`)
        raise OSError(errno.EBADF, f"cannot write {where}: it is closed")
    binary = getattr(stream, "buffer", None)
    if binary is None:  # a stream of text only (io.StringIO)
        stream.write(text)
        return
    stream.flush()
    write_all(binary.write, text.encode(stream.encoding or "utf-8", stream.errors or "strict"), where=where)
    binary.flush()


_OWN_DESCRIPTOR = re.compile(r"/dev/(?:(stdout)|(stderr)|fd/([0-9]{1,6}))|/proc/(?:self|thread-self|[0-9]+)/fd/([0-9]{1,6})")


def own_descriptor(target: str | Path) -> int | None:
    """The open descriptor of this process that ``target`` names (``/dev/stdout``, ``/dev/fd/3``,
    ``/proc/self/fd/1``), else ``None``.

    Such a path is written through the descriptor the shell opened, as ``>>`` or a pipe set it
    up: resolved to the file behind it, it would be replaced (losing what ``>>`` kept) or be
    a name no one can open (``pipe:[N]``).
    """
    match = _OWN_DESCRIPTOR.fullmatch(str(target))
    if match is None or (str(target).startswith("/proc/") and str(target).split("/")[2] not in
                         ("self", "thread-self", str(os.getpid()))):
        return None
    fd = 1 if match[1] else 2 if match[2] else int(match[3] or match[4])
    try:
        os.fstat(fd)
    except OSError:
        return None
    return fd


def check_output_file(
    target: str | Path, *, parameter: str, inputs: Collection[str | int] = (), unit_markers: Collection[str] = (),
    folder_made: bool = False,
) -> Path:
    """The one rule for a file a command writes (``--output``, ``--out``); returns the path to write.

    Allowed: a new file, a regular file we may write (replaced whole, atomically; its mode kept),
    a device or a pipe (written in place), a symlink to one of these (followed, never replaced),
    and a path naming one of this process's descriptors (``/dev/stdout``: written through it).
    Refused, before anything is written: a name ending in ``/`` or naming a folder, a file in a
    missing folder, a read-only file (as the shell's ``>`` refuses it), a file of ``inputs``
    (paths, or descriptors such as 0 for stdin), and a file inside a folder that is replaced as a
    unit (one holding a ``unit_markers`` file, or, when markers are given, with a lock file beside it).

    Raises
    ------
    ValueError
        Naming ``parameter``, the path and what to do instead.
    """
    where = f"{parameter if parameter.startswith('-') else repr(parameter)} {str(target)[:200]!r}"
    if own_descriptor(target) is not None:
        return Path(target)
    if str(target).endswith(("/", os.sep)):
        raise ValueError(f"{where} ends with '/', so it names a folder; give a file name")
    real = Path(os.path.realpath(target))
    if real.is_dir():
        raise ValueError(f"{where} is a folder; give a file name")
    if not folder_made and not real.parent.is_dir():  # folder_made: the command creates it
        raise ValueError(f"{where}: its folder {str(real.parent)!r} does not exist")
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISREG(st.st_mode) and not os.access(real, os.W_OK):
        raise ValueError(f"{where} is read-only; make it writable or write another file")
    for source in inputs:
        try:
            other = os.fstat(source) if isinstance(source, int) else os.stat(source)
        except OSError:
            continue
        if st is not None and stat.S_ISREG(st.st_mode) and (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
            raise ValueError(f"{where} is the input file; write to another file")
    folder = real.parent
    if unit_markers and (any((folder / name).exists() for name in unit_markers)
                         or (folder.parent / f".{folder.name}.lock").exists()):
        raise ValueError(
            f"{where} is in {str(folder)!r}, a folder that is written as one unit (a model or a dataset); "
            "write elsewhere"
        )
    return real


def write_output(target: str | Path, data: bytes) -> None:
    """Write ``data`` to ``target``: a new or regular file is replaced whole, atomically; a
    character device or a pipe is written to in place (never replaced by a regular file); a
    path naming one of this process's descriptors (``/dev/stdout``) is written through it.

    A symlink is followed (its target is written), so give the resolved path or the link.

    Raises
    ------
    ValueError
        ``target`` is neither a regular file, a device nor a pipe (a folder, a socket).
    OSError
        Writing failed (a full disk); a replaced file then keeps its old content.
    """
    with open_output(target) as out:
        out.write(data)


class _InPlace:
    """Writes to a device or a pipe, all of each piece (``os.write`` may take part of it)."""

    def __init__(self, fd: int, target: Path):
        self.fd, self.target = fd, target

    def write(self, data: bytes) -> None:
        write_all(functools.partial(os.write, self.fd), data, where=repr(str(self.target)))


@contextlib.contextmanager
def open_output(target: str | Path) -> Iterator:
    """Like :func:`write_output`, for output written a piece at a time: yields an object whose
    ``write(bytes)`` appends. A regular file is replaced only when the block ends without an
    exception (else it keeps its old content, or is not created); a device or a pipe gets each
    piece as it is written.
    """
    fd = own_descriptor(target)
    if fd is not None:
        for stream in (sys.stdout, sys.stderr):  # what the process already wrote there goes first
            if stream is not None:
                stream.flush()
        yield _InPlace(fd, Path(target))
        return
    target = Path(os.path.realpath(target))
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if not (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
            raise ValueError(f"'output' must be a file, a device or a pipe (got {str(target)!r})")
        fd = os.open(target, os.O_WRONLY | os.O_CLOEXEC)
        try:
            yield _InPlace(fd, target)
        finally:
            os.close(fd)
        return
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask()
    try:
        with atomic_open(target, "wb", permissions=mode) as fh:
            yield fh
    except OSError as exc:
        kept = "keeps its old content" if st is not None else "was not written"
        raise OSError(exc.errno, f"cannot write {str(target)!r} ({exc.strerror or exc}); it {kept}") from None
    fsync_dir(target.parent)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
