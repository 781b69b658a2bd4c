"""A model folder: its file names, and reading the plain-data tree from it safely.

Shared by the export step (which writes the folder), the predictor and the drawing (which
read it). Pure Python: reading a model imports neither numpy nor scikit-learn and unpickles
nothing. Every file is checked against the SHA-256 in the metadata before it is used, and the
tree is checked against the knowledge base it will be read with by :func:`check_tree_matches`.

What is checked, and what is not: every path in the metadata must name a plain file inside the
folder (no ``/``, no ``..``, no symlink), each file is bounded in size, and the plain-data tree
is validated in full (:meth:`TreeData.from_json`) before it is walked. The SHA-256 proves the
files are the ones the metadata names (integrity), not who made them (origin): whoever can
write the folder can rewrite the hashes too. Predicting unpickles nothing, so it is safe on any
folder; ``Predictor.estimator`` unpickles the joblib file and must only be used on model
folders one trusts.

The metadata and the tree are read relative to one open file descriptor of the folder, so a
``train`` replacing the folder meanwhile (as one unit) gives the old set or the new, never a mix.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._errors import ModelIntegrityError, ModelNotFoundError
from .cases import unique_keys
from .knowledge import KnowledgeBase
from .tree import TreeData

MODEL_STEM = "bicep_twitch_tree"
JOBLIB_NAME = f"{MODEL_STEM}.joblib"  # the scikit-learn pipeline, for scikit-learn users
TREE_NAME = f"{MODEL_STEM}.tree.json"  # the same tree as plain data: what the predictor loads
META_NAME = f"{MODEL_STEM}.json"  # versions, hashes of the files above, classes, metrics
TEXT_NAME = "tree.txt"
MODEL_FORMAT = "bicep-twitch model"
MODEL_FORMAT_VERSION = 1

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PACKAGED_MODEL_DIR = PACKAGE_DIR / "_default_model"
CHECKOUT_MODEL_DIR = PACKAGE_DIR.parents[1] / "models"
TRAIN_HINT = "train one with 'bicep-twitch train' (or 'make model')"
# Far above any real model (the metadata and tree of a 600-leaf tree take about 1 MB), far below
# what would hurt: a bound so a crafted folder cannot make loading eat memory.
MAX_FILE_BYTES = 64 << 20


# Where `bicep-twitch train` writes by default, relative to the current folder; the commands
# read a model from here first, so that what `train` wrote is what `predict` then uses.
WORKING_MODEL_DIR = Path("models")


def default_model_dir() -> Path:
    """The model ``Predictor.load()`` uses: the packaged copy if present, else the checkout's ``models/``.

    Examples
    --------
    >>> default_model_dir().name in ("_default_model", "models")
    True
    """
    if (PACKAGED_MODEL_DIR / META_NAME).is_file():
        return PACKAGED_MODEL_DIR
    return CHECKOUT_MODEL_DIR


def command_model_dir(cwd: str | Path = ".") -> tuple[Path, bool]:
    """The model a command uses when given no ``--model``, and whether it is the shipped one.

    ``models/`` in ``cwd`` when it holds a model (what ``bicep-twitch train`` writes by default),
    else :func:`default_model_dir`. The Python API does not look at the current folder:
    ``Predictor.load()`` always means the shipped model.

    Parameters
    ----------
    cwd : str or Path
        The folder the command runs in.

    Returns
    -------
    (Path, bool)
        The model folder, and True when it is the shipped model.

    Examples
    --------
    >>> import tempfile
    >>> folder, shipped = command_model_dir(tempfile.mkdtemp())
    >>> folder == default_model_dir(), shipped
    (True, True)
    """
    local = Path(cwd) / WORKING_MODEL_DIR
    if (local / META_NAME).is_file():
        return local, False
    return default_model_dir(), True


def metadata_path(path: str | Path | None = None) -> Path:
    """The metadata file of a model given as a folder, its metadata file, or one of its files."""
    if path is None:
        return default_model_dir() / META_NAME
    p = Path(path)
    if p.is_dir():
        return p / META_NAME
    if p.name.endswith((".joblib", ".tree.json")):
        return p.with_name(META_NAME)
    return p


def _read_in_folder(folder_fd: int | None, folder: Path, name: str) -> bytes:
    """The bytes of the regular file ``name`` directly in ``folder`` (no symlink), bounded in size."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0)  # no hang on a FIFO
    path = folder / name
    try:
        fd = os.open(name if folder_fd is not None else path, flags, dir_fd=folder_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ModelIntegrityError(f"the model file {str(path)!r} is a symlink; a model folder holds its own files") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ModelIntegrityError(f"the model file {str(path)!r} is not a regular file")
        if st.st_size > MAX_FILE_BYTES:
            raise ModelIntegrityError(
                f"the model file {str(path)!r} is {st.st_size >> 20} MB, more than the {MAX_FILE_BYTES >> 20} MB "
                f"a model file may have; {TRAIN_HINT}"
            )
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)


def _plain_name(meta: Path, key: str, name: str) -> str:
    """``name`` if it is a file name inside the folder; metadata pointing elsewhere is refused."""
    if not name or name in (".", "..") or any(ch in name for ch in "/\\\0"):
        raise ModelIntegrityError(
            f"the model metadata {str(meta)!r} is unreadable: files.{key}.path must be a file name inside the "
            f"model folder (got {name[:60]!r}); {TRAIN_HINT}"
        )
    return name


def read_metadata(meta: Path, folder_fd: int | None = None) -> dict[str, Any]:
    """Read and check a model's metadata; say how to train when it is missing.

    ``folder_fd``, an open descriptor of ``meta``'s folder, makes the read relative to it.
    """
    try:
        raw = _read_in_folder(folder_fd, meta.parent, meta.name)
    except FileNotFoundError:
        raise ModelNotFoundError(f"no model at {str(meta)!r}; {TRAIN_HINT}") from None
    except OSError as exc:
        raise ModelIntegrityError(f"the model metadata {str(meta)!r} is unreadable ({exc.strerror})") from None
    try:
        record = json.loads(raw, object_pairs_hook=unique_keys)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ModelIntegrityError(f"the model metadata {str(meta)!r} is unreadable: not valid JSON ({exc})") from None
    if not isinstance(record, dict) or record.get("format") != MODEL_FORMAT:
        got = record.get("format") if isinstance(record, dict) else type(record).__name__
        raise ModelIntegrityError(
            f"the model metadata {str(meta)!r} is unreadable: 'format' must be {MODEL_FORMAT!r} (got {got!r})"
        )
    files = record.get("files")
    for key in ("tree", "joblib"):
        entry = files.get(key) if isinstance(files, dict) else None
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not isinstance(entry.get("sha256"), str):
            raise ModelIntegrityError(
                f"the model metadata {str(meta)!r} is unreadable: it lacks files.{key}.path and files.{key}.sha256"
            )
        _plain_name(meta, key, entry["path"])
    return record


def checked_bytes(model_dir: Path, record: Mapping[str, Any], key: str, folder_fd: int | None = None) -> bytes:
    """The bytes of model file ``key``, after checking them against the metadata's SHA-256.

    The hash is taken of the very bytes that are then parsed, so nothing can swap the file
    between the check and the use. The file must lie directly in ``model_dir`` (read relative
    to ``folder_fd`` when given).
    """
    entry = record["files"][key]
    name = _plain_name(model_dir / META_NAME, key, entry["path"])
    path = model_dir / name
    try:
        data = _read_in_folder(folder_fd, model_dir, name)
    except FileNotFoundError:
        raise ModelNotFoundError(f"the model file {str(path)!r} is missing; {TRAIN_HINT}") from None
    except OSError as exc:
        raise ModelIntegrityError(f"the model file {str(path)!r} is unreadable ({exc.strerror})") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise ModelIntegrityError(
            f"the model file {str(path)!r} does not match the SHA-256 in its metadata "
            f"(expected {entry['sha256'][:12]}..., got {digest[:12]}...); it was changed or damaged, "
            f"refusing to use it; {TRAIN_HINT}"
        )
    return data


def check_tree_matches(tree: TreeData, kb: KnowledgeBase, where: str) -> None:
    """Refuse a tree trained on other findings or causes than ``kb`` has (``where`` names the model)."""
    if tuple(tree.features) != kb.finding_ids:
        raise ModelIntegrityError(
            f"the model in {where} was trained on other findings than this knowledge base has "
            f"(model: {list(tree.features)}); {TRAIN_HINT}"
        )
    unknown = [c for c in tree.classes if c not in kb.causes]
    if unknown:
        raise ModelIntegrityError(f"the model in {where} predicts causes this knowledge base lacks: {unknown}; {TRAIN_HINT}")


READ_ATTEMPTS = 5


def _replaced_since(folder_fd: int, model_dir: Path) -> bool:
    """Whether ``model_dir`` is no longer the folder ``folder_fd`` was opened on."""
    try:
        now = os.stat(model_dir)
    except OSError:
        return False
    opened = os.fstat(folder_fd)
    return (now.st_dev, now.st_ino) != (opened.st_dev, opened.st_ino)


def read_model_tree(path: str | Path | None) -> tuple[TreeData, dict[str, Any], Path]:
    """The checked tree of a model (a folder, its metadata ``.json``, or ``None`` for the default).

    Returns ``(tree, metadata record, model folder)``.

    Raises
    ------
    ModelNotFoundError
        No model there; the message says how to train one.
    ModelIntegrityError
        The metadata is unreadable, or the tree file does not match its SHA-256.
    """
    meta = metadata_path(path)
    model_dir = meta.parent
    for attempt in range(READ_ATTEMPTS):
        try:
            folder = os.open(model_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise ModelNotFoundError(f"no model at {str(meta)!r}; {TRAIN_HINT}") from None
        except OSError as exc:
            raise ModelIntegrityError(f"the model folder {str(model_dir)!r} is unreadable ({exc.strerror})") from None
        try:
            record = read_metadata(meta, folder)
            data = checked_bytes(model_dir, record, "tree", folder)
            break
        except (ModelNotFoundError, ModelIntegrityError):
            # A train swapped the folder in and removed the one we opened while we read it:
            # read the new one whole. Any other failure is the folder's own.
            if attempt + 1 == READ_ATTEMPTS or not _replaced_since(folder, model_dir):
                raise
        finally:
            os.close(folder)
    try:
        tree = TreeData.from_json(data)
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise ModelIntegrityError(f"the tree file in {str(model_dir)!r} is unreadable ({str(exc)[:300]}); {TRAIN_HINT}") from None
    return tree, record, model_dir
