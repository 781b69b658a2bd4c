"""Reading a generated dataset back: a split checked against its manifest and the knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .._errors import DataError
from .._io import sha256_file
from ..core.knowledge import load_knowledge
from .generate import MANIFEST_NAME, read_manifest


def load_split(data_dir: str | Path, split: str) -> tuple[pd.DataFrame, dict]:
    """Read ``{split}.csv`` after checking it against its manifest and the knowledge base.

    Raises
    ------
    DataError
        When the manifest is missing or unreadable, the data comes from another knowledge base,
        the file is missing, empty, altered since it was written, or lacks a column.
    """
    data_dir = Path(data_dir)
    kb = load_knowledge()
    try:
        manifest = read_manifest(data_dir)
    except FileNotFoundError:
        raise DataError(f"no {MANIFEST_NAME} in {str(data_dir)!r}; run 'bicep-twitch generate' first") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{str(data_dir / MANIFEST_NAME)!r} is not valid JSON ({exc})") from None
    if manifest.get("knowledge_base_sha256") != kb.sha256:
        raise DataError(
            f"'data' must be generated from the current knowledge base (got {str(data_dir)!r}, made from "
            f"knowledge base sha256 {str(manifest.get('knowledge_base_sha256'))[:12]}..., current "
            f"{kb.sha256[:12]}...); run 'bicep-twitch generate' to regenerate it"
        )
    try:
        info = manifest["files"][split]
        path = data_dir / info["path"]
    except (KeyError, TypeError):
        raise DataError(f"{str(data_dir / MANIFEST_NAME)!r} lists no {split!r} file") from None
    if not path.is_file() or path.stat().st_size == 0:
        raise DataError(f"{str(path)!r} is missing or empty; run 'bicep-twitch generate'")
    if sha256_file(path) != info.get("sha256"):
        raise DataError(f"{str(path)!r} does not match the SHA-256 in its manifest; run 'bicep-twitch generate'")
    try:
        frame = pd.read_csv(path, dtype={"movement": "string", "cause": "string"}, keep_default_na=True)
    except pd.errors.EmptyDataError:
        raise DataError(f"{str(path)!r} has no header and no cases") from None
    missing = [c for c in list(kb.finding_ids) + ["cause"] if c not in frame.columns]
    if missing:
        raise DataError(f"{str(path)!r} lacks the columns {missing}")
    if frame.empty:
        raise DataError(f"{str(path)!r} has no cases")
    unknown = sorted(set(frame["cause"].dropna()) - set(kb.cause_ids))
    if unknown or frame["cause"].isna().any():
        got = unknown[0] if unknown else "an empty cell"
        raise DataError(f"'cause' in {str(path)!r} must be one of the knowledge base's causes (got {got!r})")
    return frame, manifest


__all__ = ["load_split"]
