"""Encoding a whole table of cases at once, without losing a row.

A pandas DataFrame (or a CSV read as text) becomes the float matrix the tree reads, and every
row that cannot be encoded gets its own message instead of stopping the others. In a DataFrame,
NaN/None is pandas' missing marker and means unknown, as the contract's encoding says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.cases import denied_follow_ups, imply_parent_columns, kind_of, unknown_finding_error
from .._errors import InvalidCaseError
from ..core.knowledge import Finding, KnowledgeBase

# Columns a table of cases may carry that are not findings: the generator's label.
LABEL_COLUMNS = ("cause",)


def check_columns(columns, kb: KnowledgeBase) -> None:
    """Refuse a table with a column that is neither a finding nor the ``cause`` label."""
    seen = set()
    for name in columns:
        if name not in kb.findings and name not in LABEL_COLUMNS:
            raise unknown_finding_error(name, kb)
        if name in seen:  # two columns for one finding: which answer counts is anyone's guess
            raise InvalidCaseError(f"finding {name!r} is given in two columns; give each finding once")
        seen.add(name)


def encode_frame(frame: pd.DataFrame, kb: KnowledgeBase) -> tuple[np.ndarray, dict[int, str]]:
    """Encode ``frame`` row by row; return the matrix and {row position: error message}.

    Rows with an error are all-NaN in the matrix; callers report them, never drop them.
    Absent finding columns are unknown for every row.
    """
    check_columns(frame.columns, kb)
    n = len(frame)
    X = np.full((n, len(kb.findings)), np.nan)
    errors: dict[int, str] = {}
    for j, (fid, f) in enumerate(kb.findings.items()):
        if fid not in frame.columns:
            continue
        values, bad = _encode_column(f, frame[fid])
        X[:, j] = values
        for pos in np.flatnonzero(bad):
            if int(pos) not in errors:
                errors[int(pos)] = kind_of(f).column_error(f, frame[fid].iloc[pos])
    for pos, message in denied_follow_ups(X, kb):  # what spans a row; a column's own error comes first
        errors.setdefault(pos, message)
    imply_parent_columns(X, kb)
    if errors:
        X[np.fromiter(errors, dtype=np.int64)] = np.nan
    return X, errors


def encode_frame_strict(frame: pd.DataFrame, kb: KnowledgeBase, *, what: str = "cases") -> np.ndarray:
    """Like :func:`encode_frame` but raise on the first bad row, naming it."""
    X, errors = encode_frame(frame, kb)
    if errors:
        pos = min(errors)
        raise InvalidCaseError(f"{what}, row {pos}: {errors[pos]} ({len(errors)} bad rows in all)")
    return X


def _encode_column(f: Finding, col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return (encoded values, bad-row mask) for one finding's column; the finding's kind reads it."""
    missing = col.isna().to_numpy().copy()  # writable: blank text cells are marked unknown too
    if pd.api.types.is_complex_dtype(col.dtype):
        # Numeric to pandas, but no finding's value: converting it would drop the imaginary part.
        return np.full(len(col), np.nan), ~missing
    if pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_numeric_dtype(col.dtype):
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        return values, kind_of(f).refused_numbers(f, values, booleans=pd.api.types.is_bool_dtype(col.dtype))
    return kind_of(f).encode_objects(f, col.to_numpy(dtype=object), missing)


__all__ = ["encode_frame", "encode_frame_strict", "check_columns", "LABEL_COLUMNS"]
