"""Encoding a whole table of cases at once, without losing a row.

A pandas DataFrame (or a CSV read as text) becomes the float matrix the tree reads, and every
row that cannot be encoded gets its own message instead of stopping the others. In a DataFrame,
NaN/None is pandas' missing marker and means unknown, as the contract's encoding says.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..core.cases import UNKNOWN_WORDS, contradiction_message, encode_value, kind_of, parse_text, unknown_finding_error
from .._errors import InvalidCaseError
from ..core.knowledge import CHOICE, NUMBER, YES_NO, Finding, KnowledgeBase

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
                errors[int(pos)] = _message(f, frame[fid].iloc[pos])
    _check_requirements(X, kb, errors)
    _imply_parents(X, kb)
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


def _message(f: Finding, value) -> str:
    try:
        if isinstance(value, str):
            parse_text(f, value)
        else:
            encode_value(f, value.item() if isinstance(value, np.generic) else value)
    except InvalidCaseError as exc:
        return str(exc)
    return f"'{f.id}' must be {kind_of(f).allowed(f)} (got {value!r})"


def _encode_column(f: Finding, col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return (encoded values, bad-row mask) for one finding's column."""
    missing = col.isna().to_numpy().copy()  # writable: blank text cells are marked unknown below
    if f.type == CHOICE:
        text = col.astype("object").where(~missing, None)
        codes = {c: float(i) for i, c in enumerate(f.choices)}
        # '' and '?' are unknown here too, as parse_text says for every other column.
        blank = text.map(lambda v: isinstance(v, str) and v.strip() in UNKNOWN_WORDS).to_numpy(dtype=bool)
        missing = missing | blank
        mapped = text.map(lambda v: codes.get(v.strip(), np.nan) if isinstance(v, str) else np.nan)
        values = mapped.to_numpy(dtype=np.float64)
        return values, np.isnan(values) & ~missing
    if f.type == NUMBER and pd.api.types.is_bool_dtype(col.dtype):
        # True is an answer to a yes/no question, not a number (encode_value refuses it too).
        return np.full(len(col), np.nan), ~missing
    if pd.api.types.is_complex_dtype(col.dtype):
        # Numeric to pandas, but no finding's value: converting it would drop the imaginary part.
        return np.full(len(col), np.nan), ~missing
    if pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_numeric_dtype(col.dtype):
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = _numbers_from_objects(f, col, missing)
    known = ~np.isnan(values)
    if f.type == YES_NO:
        bad = known & (values != 0.0) & (values != 1.0)
    else:
        with np.errstate(invalid="ignore"):
            bad = known & ~((values >= f.min) & (values <= f.max))
    bad |= np.isnan(values) & ~missing  # text that did not parse
    return values, bad


def _numbers_from_objects(f: Finding, col: pd.Series, missing: np.ndarray) -> np.ndarray:
    """Values given as Python objects or text (CSV read as strings): parse each cell strictly."""
    out = np.full(len(col), np.nan)
    for pos, value in enumerate(col.to_numpy(dtype=object)):
        if missing[pos]:
            continue
        try:
            if isinstance(value, str):
                out[pos] = parse_text(f, value)
                if math.isnan(out[pos]):  # '' or '?' in a CSV cell: unknown, not an error
                    missing[pos] = True
            else:
                out[pos] = encode_value(f, value.item() if isinstance(value, np.generic) else value)
        except InvalidCaseError:
            out[pos] = np.nan
    return out


def _check_requirements(X: np.ndarray, kb: KnowledgeBase, errors: dict[int, str]) -> None:
    ids = kb.finding_ids
    for j, f in enumerate(kb.findings.values()):
        for parent, wanted in f.requires.items():
            p = ids.index(parent)
            contradiction = ~np.isnan(X[:, j]) & (X[:, p] == (0.0 if wanted else 1.0))
            for pos in np.flatnonzero(contradiction):
                errors.setdefault(int(pos), contradiction_message(f.id, parent, wanted))


def _imply_parents(X: np.ndarray, kb: KnowledgeBase) -> None:
    """A follow-up given without its parent implies the parent (as ``core.cases.imply_parents``)."""
    ids = kb.finding_ids
    for j, f in enumerate(kb.findings.values()):
        for parent, wanted in f.requires.items():
            p = ids.index(parent)
            X[~np.isnan(X[:, j]) & np.isnan(X[:, p]), p] = 1.0 if wanted else 0.0


__all__ = ["encode_frame", "encode_frame_strict", "check_columns", "LABEL_COLUMNS"]
