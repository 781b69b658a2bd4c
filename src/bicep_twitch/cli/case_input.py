"""Reading cases from the command line: ``--case``, ``--case-file`` and a CSV for ``--input``.

Shared by the commands that take a case (predict, render). One case needs only the pure Python
encoding (no numpy, pandas or scikit-learn); a CSV brings in numpy. Bad input raises
:class:`InvalidCaseError`, ``DataError`` or :class:`UsageError`, which ``cli.main`` turns into
exit status 2 with the message on stderr.

The CSV is read cell by cell as text, by one rule per cell: a row is never shifted, padded or
cut to fit the header, and how a cell is read never depends on the other rows of its column.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import gc
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, NamedTuple, Sequence

from .._errors import DataError, InvalidCaseError
from ..core.cases import encode_case, parse_text, shown, unique_keys, unknown_finding_error
from ..core.knowledge import KnowledgeBase
from .usage import UsageError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

MAX_CASE_BYTES = 1 << 20  # one case is a few hundred bytes; a megabyte is a mistake, not a case
MAX_CSV_BYTES = 256 << 20  # about two million cases; split a larger file
MAX_JSON_DEPTH = 20
ID_COLUMN = "id"  # passed through to the output unread
LABEL_COLUMN = "cause"  # the generator's label: allowed in a CSV of cases and not read
STDIO = "-"


def _nesting(text: str) -> int:
    """How deep brackets nest in ``text`` (outside strings too: an over-estimate is fine here)."""
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def read_case_json(text: str, *, option: str = "--case") -> dict[str, Any]:
    """The JSON object of a case given on the command line (``option`` names where it came from).

    Examples
    --------
    >>> read_case_json('{"movement": "spasm"}')
    {'movement': 'spasm'}
    """
    if _nesting(text) > MAX_JSON_DEPTH:  # a case is one flat object; deep nesting only costs the parser
        raise InvalidCaseError(
            f"{option} must be a JSON object such as '{{\"movement\": \"spasm\"}}' "
            f"(got JSON nested more than {MAX_JSON_DEPTH} levels deep)"
        )
    try:
        case = json.loads(text, object_pairs_hook=functools.partial(unique_keys, what="finding", error=InvalidCaseError))
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
    >>> kb = load_knowledge()
    >>> row = parse_case_json('{"stress_level": "7", "weakness": true}', kb)
    >>> row[kb.finding_ids.index("stress_level")], row[kb.finding_ids.index("weakness")]
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
    return _decode(read_bounded(path, option, MAX_CASE_BYTES), path, option)


def read_bounded(path: str, option: str, limit: int) -> bytes:
    """At most ``limit`` bytes of the file ``path`` (``-``: stdin); more is an error, never cut.

    Reads ``limit + 1`` bytes at most, so ``/dev/zero`` or a huge file costs no memory.
    """
    try:
        if path == STDIO:
            stream = sys.stdin.buffer if sys.stdin is not None else None
            if stream is None:
                raise UsageError(f"{option} - reads stdin, but stdin is closed")
            data = stream.read(limit + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(limit + 1)
    except FileNotFoundError:
        raise UsageError(f"{option} {shown(path)} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"{option} {shown(path)} is a folder; give a file") from None
    except OSError as exc:
        raise UsageError(f"{option} {shown(path)} cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise UsageError(f"{option} {shown(path)} is larger than the {limit >> 20} MB allowed; split it")
    return data


def _decode(data: bytes, path: str, option: str) -> str:
    try:
        return data.decode("utf-8-sig")  # a byte-order mark, as spreadsheets write, is not a character
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(f"{option} {shown(path)} must be UTF-8 text (line {line} is not)") from None


class CsvCases(NamedTuple):
    """The cases of a CSV, one entry per data row in file order.

    ``X`` is the encoded matrix (all NaN for a bad row), ``errors`` row position -> message,
    ``passthrough`` the ``id`` and ``--keep`` columns as read (header -> one text cell per row;
    empty for a row of the wrong length), ``lines`` the 1-based line each row starts on.
    """

    X: "np.ndarray"
    errors: dict[int, str]
    passthrough: dict[str, list[str]]
    lines: list[int]


def read_cases_csv(path: str, kb: KnowledgeBase, *, keep: Sequence[str] = ()) -> CsvCases:
    """Read and encode a CSV of cases (``path``, or ``-`` for stdin).

    The header names findings, an optional ``id`` column and the ``keep`` columns (both passed
    through), and optionally ``cause`` (a label, not read). Each data row must have exactly as
    many fields as the header; a row that has not is an error of its own (naming its line), and
    the other rows are still read. An empty cell, or ``?``, is unknown. Trailing empty lines are
    not rows.

    Raises
    ------
    DataError
        The file is empty, not UTF-8, not comma-separated, badly quoted, or its header has an
        empty or repeated cell.
    InvalidCaseError
        A header cell is no finding, ``id``, ``cause`` nor a ``keep`` column.
    UsageError
        The file cannot be read or is too large, or a ``keep`` column is not in the header.
    """
    import numpy as np

    from ..data.frame import _check_requirements as check_requirements  # the table's one rule for it
    from ..data.frame import _imply_parents as imply_parents

    where = f"--input {shown(path)}"
    text = _decode(read_bounded(path, "--input", MAX_CSV_BYTES), path, "--input")
    records = _records(text, where)
    first = next(records, None)
    if first is None:
        raise DataError(f"{where} is empty; it needs a header row of finding ids")
    header = _header(first[1], where, kb, keep)
    width, n_findings = len(header), len(kb.findings)
    blank = [""] * width
    errors: dict[int, str] = {}
    lines: list[int] = []
    passthrough: dict[str, list[str]] = {name: [] for name in header if name == ID_COLUMN or name in keep}
    blocks = []
    # In blocks, so the Python strings of a large file never all exist at once.
    for chunk in _blocks(_data_rows(records, one_column=width == 1), CSV_BLOCK_ROWS):
        offset = len(lines)
        with _gc_paused():  # many small lists and strings, no cycles: collecting them only costs
            table = []
            for line, fields in chunk:
                if len(fields) != width:
                    errors[offset + len(table)] = _shape_error(fields, width)
                    fields = blank  # its cells are not read: the row has only its error
                table.append(fields)
                lines.append(line)
            columns = dict(zip(header, zip(*table)))
        X = np.full((len(table), n_findings), np.nan)
        for j, fid in enumerate(kb.finding_ids):
            if fid in columns:
                X[:, j] = _read_column(kb.findings[fid], columns[fid], errors, offset)
        for name, cells in passthrough.items():
            cells.extend(columns[name])
        blocks.append(X)
    X = np.concatenate(blocks) if blocks else np.empty((0, n_findings))
    check_requirements(X, kb, errors)  # what spans a row: a follow-up whose precondition is denied
    imply_parents(X, kb)  # and a follow-up given alone means its parent, as for one case
    if errors:
        X[np.fromiter(errors, dtype=np.intp)] = np.nan
    return CsvCases(X, dict(sorted(errors.items())), passthrough, lines)


CSV_BLOCK_ROWS = 1 << 16


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_column(f, cells: Sequence[str], errors: dict[int, str], offset: int) -> "np.ndarray":
    """One finding's cells encoded, each read by :func:`parse_text` on its own (one rule per
    cell, never a guess from the column); a bad cell is NaN and its message goes to
    ``errors`` (row ``offset + position``). Each distinct text is read once.
    """
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(cells, dtype=object))
    parsed = np.full(len(uniques), np.nan)
    messages: dict[int, str] = {}
    for u, text in enumerate(uniques):
        try:
            parsed[u] = parse_text(f, text)
        except InvalidCaseError as exc:
            messages[u] = str(exc)
    if messages:
        bad = np.zeros(len(uniques), dtype=bool)
        bad[list(messages)] = True
        for pos in np.flatnonzero(bad[codes]).tolist():
            errors.setdefault(offset + pos, messages[int(codes[pos])])
    return parsed[codes]


def _records(text: str, where: str) -> Iterator[tuple[int, list[str]]]:
    """``(first line, fields)`` of every record; a quoting error stops the whole file."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    first = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataError(f"{where}, line {first}: not a readable CSV row ({exc}); check its quotes") from None
        yield first, fields
        first = reader.line_num + 1


def _data_rows(records: Iterator[tuple[int, list[str]]], *, one_column: bool) -> Iterator[tuple[int, list[str]]]:
    """The data rows: the blank lines a file ends with are no rows; one inside is a row of no
    fields (an error), except in a one-column file, where it is an empty cell (unknown)."""
    pending = []
    for line, fields in records:
        if not fields:
            pending.append((line, [""] if one_column else []))
            continue
        yield from pending
        pending.clear()
        yield line, fields


def _blocks(rows: Iterator, size: int) -> Iterator[list]:
    block = []
    for row in rows:
        block.append(row)
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block


def _header(cells: list[str], where: str, kb: KnowledgeBase, keep: Sequence[str]) -> list[str]:
    names = [c.strip() for c in cells]
    if len(names) == 1 and any(sep in names[0] for sep in ";\t|"):
        sep = next(s for s in ";\t|" if s in names[0])
        raise DataError(
            f"{where}, line 1: fields must be separated by commas (got the header {shown(names[0])}, "
            f"separated by {sep!r}); save the file as comma-separated values"
        )
    for k, name in enumerate(names, start=1):
        if not name:
            hint = " (does the line end with a comma?)" if k == len(names) else ""
            raise DataError(f"{where}, line 1: header cell {k} is empty{hint}; every column needs a name")
        if names.index(name) != k - 1:
            raise DataError(f"{where}, line 1: column {shown(name)} is given twice; give each column once")
        if name not in kb.findings and name not in (ID_COLUMN, LABEL_COLUMN) and name not in keep:
            raise InvalidCaseError(f"{unknown_finding_error(name, kb)}; to pass a column through, give --keep NAME")
    missing = [k for k in keep if k not in names]
    if missing:
        raise UsageError(f"--keep {shown(missing[0])} is not a column of {where} (columns: {', '.join(names)})")
    return names


def _shape_error(fields: list[str], width: int) -> str:
    got = len(fields)
    hint = ""
    if got == width + 1 and fields[-1].strip() == "":
        hint = " (it ends with a comma)"
    elif got == 0:
        hint = " (the line is empty)"
    return (
        f"the row has {got} field{'s' * (got != 1)} but the header has {width}{hint}; "
        "give exactly one field per column, an empty one for unknown"
    )


__all__ = ["read_case_json", "parse_case_json", "case_from_args", "read_cases_csv", "read_bounded", "CsvCases"]
