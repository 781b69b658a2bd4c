"""A model folder: its file names, and reading the plain-data tree from it safely.

Shared by the export step (which writes the folder), the predictor and the drawing (which
read it). Pure Python: reading a model imports neither numpy nor scikit-learn and unpickles
nothing. Every file is checked against the SHA-256 in the metadata before it is used, and the
tree is checked against the knowledge base it will be read with by :func:`check_tree_matches`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._errors import ModelIntegrityError, ModelNotFoundError
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


def read_metadata(meta: Path) -> dict[str, Any]:
    """Read and check a model's metadata; say how to train when it is missing."""
    try:
        raw = meta.read_bytes()
    except FileNotFoundError:
        raise ModelNotFoundError(f"no model at {str(meta)!r}; {TRAIN_HINT}") from None
    except OSError as exc:
        raise ModelIntegrityError(f"the model metadata {str(meta)!r} is unreadable ({exc.strerror})") from None
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
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
    return record


def checked_bytes(model_dir: Path, record: Mapping[str, Any], key: str) -> bytes:
    """The bytes of model file ``key``, after checking them against the metadata's SHA-256.

    The hash is taken of the very bytes that are then parsed, so nothing can swap the file
    between the check and the use.
    """
    entry = record["files"][key]
    path = model_dir / entry["path"]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelNotFoundError(f"the model file {str(path)!r} is missing; {TRAIN_HINT}") from None
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
    record = read_metadata(meta)
    model_dir = meta.parent
    data = checked_bytes(model_dir, record, "tree")
    try:
        tree = TreeData.from_json(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelIntegrityError(f"the tree file in {str(model_dir)!r} is unreadable ({exc})") from None
    return tree, record, model_dir
