"""Reading cases from the command line: ``--case``, ``--case-file`` and a CSV for ``--input``.

Shared by the commands that take a case (predict, render). One case needs only the pure Python
encoding (no numpy, pandas or scikit-learn); a CSV brings in pandas. Bad input raises
:class:`InvalidCaseError`, ``DataError`` or :class:`UsageError`, which ``cli.main`` turns into
exit status 2 with the message on stderr.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..core.cases import encode_case
from .._errors import DataError, InvalidCaseError
from ..core.knowledge import KnowledgeBase
from .usage import UsageError

def read_case_json(text: str, *, option: str = "--case") -> dict[str, Any]:
    """The JSON object of a case given on the command line (``option`` names where it came from).

    Examples
    --------
    >>> read_case_json('{"movement": "spasm"}')
    {'movement': 'spasm'}
    """
    try:
        case = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidCaseError(
            f"{option} must be a JSON object such as '{{\"movement\": \"spasm\"}}' (got invalid JSON: {exc})"
        ) from None
    if not isinstance(case, dict):
        raise InvalidCaseError(
            f"{option} must be a JSON object such as '{{\"movement\": \"spasm\"}}' (got a JSON {type(case).__name__})"
        )
    return case


def parse_case_json(text: str, kb: KnowledgeBase, *, option: str = "--case") -> list[float]:
    """Encode a case given as JSON on the command line or in a file.

    JSON types are used as they are; a string is read as command-line text (``"7"``, ``"yes"``,
    ``"?"`` for unknown), as the contract allows on the command line.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> row = parse_case_json('{"stress_level": "7", "weakness": true}', load_knowledge())
    >>> row[15], row[7]
    (7.0, 1.0)
    """
    return encode_case(read_case_json(text, option=option), kb, strings_as_text=True)


def case_from_args(args: argparse.Namespace, kb: KnowledgeBase) -> list[float] | None:
    """The encoded case of ``--case`` or ``--case-file`` (``None`` when neither was given).

    Shared by the subcommands that take a case (predict, render, ask).
    """
    if getattr(args, "case", None) is not None and getattr(args, "case_file", None) is not None:
        raise UsageError("give --case or --case-file, not both")
    if getattr(args, "case", None) is not None:
        return parse_case_json(args.case, kb, option="--case")
    if getattr(args, "case_file", None) is not None:
        return parse_case_json(_read_text(args.case_file, "--case-file"), kb, option="--case-file")
    return None


def _read_text(path: str, option: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"{option} {path!r} cannot be read ({reason})") from None


def read_cases_csv(path: str, kb: KnowledgeBase):
    """Read a CSV of cases as text-typed cells; only an empty cell is unknown (and '?').

    pandas' other missing-value words ("NA", "nan", "null") are kept as text, so a "nan" cell is
    reported as an error rather than silently taken for unknown.
    """
    import pandas as pd

    try:
        return pd.read_csv(path, keep_default_na=False, na_values=[""], skipinitialspace=True)
    except FileNotFoundError:
        raise UsageError(f"--input {path!r} does not exist") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"--input {path!r} is empty; it needs a header row of finding ids") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise DataError(f"--input {path!r} is not a readable CSV ({exc})") from None


__all__ = ["read_case_json", "parse_case_json", "case_from_args", "read_cases_csv"]
