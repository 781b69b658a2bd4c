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
import codecs
import contextlib
import csv
import functools
import gc
import io
import itertools
import json
import sys
from typing import IO, TYPE_CHECKING, Any, Iterator, NamedTuple, Sequence

from .._errors import DataError, InvalidCaseError
from ..core.cases import denied_follow_ups, encode_case, imply_parent_columns, kind_of, shown, unique_keys, unknown_finding_error
from ..core.knowledge import KnowledgeBase
from ..core.numbers import MAX_NUMBER_CHARS
from .usage import UsageError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

MAX_CASE_BYTES = 1 << 20  # one case is a few hundred bytes; a megabyte is a mistake, not a case
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


def _json_int(text: str) -> int | str:
    """A JSON integer; one of more digits than any number is kept as its text, which the number
    reader then refuses naming the finding (int() would fail with advice for programmers)."""
    return int(text) if len(text) <= MAX_NUMBER_CHARS else text


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
        case = json.loads(text, object_pairs_hook=functools.partial(unique_keys, what="finding", error=InvalidCaseError),
                          parse_int=_json_int)
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
    with _open_bytes(path, option) as stream:
        data = _read(stream, limit + 1, path, option)
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
    """The cases of a CSV (or of one block of it), one entry per data row in file order.

    ``X`` is the encoded matrix (all NaN for a bad row), ``errors`` row position -> message
    (every error of the row, joined by "; "), ``passthrough`` the ``id`` and ``--keep`` columns
    as read (header -> one text cell per row; a row of the wrong length gives the cell at the
    column's position, or an empty one when the row is too short), ``lines`` the 1-based line
    each row starts on.
    """

    X: "np.ndarray"
    errors: dict[int, str]
    passthrough: dict[str, list[str]]
    lines: list[int]


def read_cases_csv(path: str, kb: KnowledgeBase, *, keep: Sequence[str] = ()) -> CsvCases:
    """Read and encode a whole CSV of cases (``path``, or ``-`` for stdin): the blocks of
    :func:`iter_cases_csv` put together, row positions counted from the file's first row.
    """
    import numpy as np

    blocks = list(iter_cases_csv(path, kb, keep=keep))
    if not blocks:  # pragma: no cover - iter_cases_csv yields at least one block
        raise AssertionError("no block")
    errors: dict[int, str] = {}
    lines: list[int] = []
    for block in blocks:
        errors.update((len(lines) + pos, message) for pos, message in block.errors.items())
        lines.extend(block.lines)
    passthrough = {name: [cell for block in blocks for cell in block.passthrough[name]] for name in blocks[0].passthrough}
    return CsvCases(np.concatenate([b.X for b in blocks]), errors, passthrough, lines)


def iter_cases_csv(path: str, kb: KnowledgeBase, *, keep: Sequence[str] = ()) -> Iterator[CsvCases]:
    """Read and encode a CSV of cases (``path``, or ``-`` for stdin) a block of rows at a time.

    The file is read as a stream, so memory does not grow with its length; each block's row
    positions count from the block's first row. The header is checked before the first block
    is given (so a wrong header stops everything before any output); a quoting or encoding
    error further on stops the reading at its line. At least one block is given (empty when
    the file has a header only).

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
        The file cannot be read, or a ``keep`` column is not in the header.
    """
    import numpy as np

    where = f"--input {shown(path)}"
    with _open_bytes(path, "--input") as stream:
        source = _text_lines(stream, path)
        reader = csv.reader(source, strict=True)
        header_cells = _next_record(reader, where, 1)
        if header_cells is None:
            raise DataError(f"{where} is empty; it needs a header row of finding ids")
        header = _header(header_cells, where, kb, keep)
        width, n_findings = len(header), len(kb.findings)
        passed = [(name, k) for k, name in enumerate(header) if name == ID_COLUMN or name in keep]
        read = [(j, kb.findings[name]) for j, name in enumerate(header) if name in kb.findings]
        column_of = {fid: j for j, fid in enumerate(kb.finding_ids)}
        blank = [""] * width
        empty = True
        # In blocks, so the Python strings of a large file never all exist at once.
        for lines, table, columns in _row_blocks(source, reader.line_num, where, width=width, size=CSV_BLOCK_ROWS):
            empty = False
            errors: dict[int, list[str]] = {}
            shapes: dict[int, list[str]] = {}
            with gc_paused():  # as in _row_blocks
                if columns is None:  # rows as the csv module read them, of any length: each checked
                    lengths = np.fromiter(map(len, table), dtype=np.intp, count=len(table))
                    wrong = np.flatnonzero(lengths != width).tolist()
                    shapes = {pos: table[pos] for pos in wrong}
                    for pos in wrong:
                        errors[pos] = [_shape_error(table[pos], width)]
                        table[pos] = blank  # its cells are not read: the row has only its error
                    columns = _RowColumns(list(zip(*table)))
                passthrough: dict[str, list[str]] = {name: list(columns[k]) for name, k in passed}
                for pos, fields in shapes.items():  # the id still names the row, at its column's place
                    for name, k in passed:
                        passthrough[name][pos] = fields[k] if k < len(fields) else ""
            X = np.full((len(lines), n_findings), np.nan)
            for j, f in read:  # in the header's order, so a row's errors read left to right
                rows, cells = columns.given(j)
                if rows is None:
                    X[:, column_of[f.id]] = kind_of(f).encode_cells(f, cells, errors)
                    continue
                found: dict[int, list[str]] = {}
                X[rows, column_of[f.id]] = kind_of(f).encode_cells(f, cells, found)
                for pos, messages in found.items():
                    errors.setdefault(int(rows[pos]), []).extend(messages)
            # What spans a row: a follow-up given while its precondition is denied; one given alone
            # means its parent, as for one case.
            for pos, message in denied_follow_ups(X, kb):
                errors.setdefault(pos, []).append(message)
            imply_parent_columns(X, kb)
            if errors:
                X[np.fromiter(errors, dtype=np.intp)] = np.nan
            yield CsvCases(X, {pos: "; ".join(errors[pos]) for pos in sorted(errors)}, passthrough, lines)
        if empty:
            yield CsvCases(np.empty((0, n_findings)), {}, {name: [] for name, _ in passed}, [])


@contextlib.contextmanager
def _open_bytes(path: str, option: str) -> Iterator[IO[bytes]]:
    """The file ``path`` (``-``: stdin) as a byte stream, or a UsageError naming ``option``."""
    if path == STDIO:
        stream = sys.stdin.buffer if sys.stdin is not None else None
        if stream is None:
            raise UsageError(f"{option} - reads stdin, but stdin is closed")
        yield stream
        return
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise UsageError(f"{option} {shown(path)} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"{option} {shown(path)} is a folder; give a file") from None
    except OSError as exc:
        raise UsageError(f"{option} {shown(path)} cannot be read ({exc.strerror or exc})") from None
    with fh:
        yield fh


def _read(stream: IO[bytes], size: int, path: str, option: str = "--input") -> bytes:
    try:
        return stream.read(size)
    except OSError as exc:
        raise UsageError(f"{option} {shown(path)} cannot be read ({exc.strerror or exc})") from None


READ_BYTES = 1 << 20
BOM = b"\xef\xbb\xbf"  # a byte-order mark, as spreadsheets write, is not a character


def _text_lines(stream: IO[bytes], path: str) -> Iterator[str]:
    """The lines of a UTF-8 byte stream, each with its ending (``\\n``, ``\\r\\n`` or ``\\r``), as a
    file opened with ``newline=""`` gives them; read a megabyte at a time.

    Raises DataError naming the first line that is not UTF-8.
    """
    # The lines of each read as a list, chained in C: a generator resumed once a line cost more.
    return itertools.chain.from_iterable(_line_lists(stream, path))


def _line_lists(stream: IO[bytes], path: str) -> Iterator[list[str]]:
    """The lines of :func:`_text_lines`, a list for each read."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    head = b""
    while len(head) < len(BOM):  # a pipe may give fewer bytes than asked
        more = _read(stream, len(BOM) - len(head), path)
        if not more:
            break
        head += more
    data = head[len(BOM):] if head.startswith(BOM) else head
    newlines = 0  # in the bytes decoded so far: the line of an encoding error
    carry = ""
    while True:
        final = not data and not head
        pending = decoder.getstate()[0]
        try:
            text = decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            line = newlines + data[: max(0, exc.start - len(pending))].count(b"\n") + 1
            raise DataError(f"--input {shown(path)} must be UTF-8 text (line {line} is not)") from None
        newlines += data.count(b"\n")
        lines = io.StringIO(carry + text, newline="").readlines()
        # The last line may go on in the next read (a "\r" may be the first half of "\r\n").
        carry = lines.pop() if lines and not final and not lines[-1].endswith("\n") else ""
        yield lines
        if final:
            return
        head = b""
        data = _read(stream, READ_BYTES, path)


CSV_BLOCK_ROWS = 1 << 14  # about 25 MB of Python strings and lists a block


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees everything)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _next_record(reader: Any, where: str, line: int) -> list[str] | None:
    try:
        return next(reader, None)
    except csv.Error as exc:
        raise DataError(f"{where}, line {line}: not a readable CSV row ({exc}); check its quotes") from None


def _row_blocks(source: Iterator[str], done: int, where: str, *, width: int,
                size: int) -> Iterator[tuple[list[int], Any, Any]]:
    """The data rows in blocks of at most ``size`` lines: (the line each row starts on, its rows or
    ``None``, its columns or ``None``). ``source`` gives the lines after the first ``done``.

    A block of plain lines (see :func:`_plain_columns`) comes as its columns, split at once;
    any other is read by the csv module, row by row. The blank lines a file ends with are no
    rows; one inside is a row of no fields (an error), except in a one-column file, where every
    blank line is a row with an empty cell (unknown). A quoting error stops the whole file,
    naming its line.
    """
    pending: list[int] = []  # blank lines not yet known to be inside the file
    while True:
        chunk = list(itertools.islice(source, size))
        if not chunk:
            return
        columns = None if pending else _plain_columns(chunk, width)
        if columns is not None:
            yield list(range(done + 1, done + 1 + len(chunk))), None, columns
            done += len(chunk)
            continue
        # The csv module reads the lines of this block, and of the next ones while a quoted
        # field goes on past its end.
        reader = csv.reader(itertools.chain(chunk, source), strict=True)
        lines: list[int] = []
        rows: list[list[str]] = []
        # Many small lists and strings, no cycles: the collector would only walk them again
        # and again. Paused for one block at a time, never while the caller runs.
        with gc_paused():
            while reader.line_num < len(chunk):
                first = done + reader.line_num + 1
                try:
                    fields = next(reader)
                except csv.Error as exc:
                    raise DataError(f"{where}, line {first}: not a readable CSV row ({exc}); check its quotes") from None
                # In a one-column file every blank line is a row with an empty cell, at the
                # end too: that is how spreadsheets write a column of unknown cells.
                if fields or width == 1:
                    if pending:
                        lines.extend(pending)
                        rows.extend([] for _ in pending)
                        pending.clear()
                    lines.append(first)
                    rows.append(fields or [""])
                else:
                    pending.append(first)
        done += reader.line_num
        if rows:
            yield lines, rows, None


class _RowColumns:
    """A block's cells by column, read row by row: ``block[j]`` is every cell of column ``j``;
    ``given(j)`` gives them as ``(None, cells)`` (``None``: every row, empty cells too)."""

    def __init__(self, columns: list[Sequence[str]]):
        self.columns = columns

    def __getitem__(self, j: int) -> Sequence[str]:
        return self.columns[j]

    def given(self, j: int) -> tuple[Any, Sequence[str]]:
        return None, self.columns[j]


class _PlainColumns(_RowColumns):
    """The cells of a block of plain lines (see :func:`_plain_columns`), split at once.

    ``given(j)`` gives only the rows whose cell is not empty and those cells: most cells of a
    table of cases are empty (unknown), and an empty cell is unknown whatever the finding, so
    only the others are read.
    """

    def __init__(self, cells: list[str], width: int, filled: "np.ndarray"):
        self.cells, self.width, self.filled = cells, width, filled

    def __getitem__(self, j: int) -> list[str]:
        return self.cells[j::self.width]

    def given(self, j: int) -> tuple["np.ndarray", list[str]]:
        import numpy as np

        rows = np.flatnonzero(self.filled[j])
        return rows, list(map(self.cells.__getitem__, (rows * self.width + j).tolist()))


def _plain_columns(chunk: list[str], width: int) -> _PlainColumns | None:
    """The columns of lines that need no CSV reading, or ``None``: no quote, every line ended by
    ``\\n``, or every one by ``\\r\\n`` (the last may have no ending), no field longer than the
    csv module allows, and exactly ``width`` fields on every line (``width`` of 2 or more, so no
    line is blank). Such lines split at every comma as the csv module splits them, but a whole
    block at once instead of a row at a time.
    """
    import numpy as np

    text = "".join(chunk)
    newline = "\r\n" if "\r" in text else "\n"
    limit = csv.field_size_limit()
    if (width < 2 or '"' in text
            or (newline == "\r\n" and not text.count("\r") == text.count("\n") == text.count("\r\n"))
            or (len(text) > limit and max(map(len, chunk)) > limit)
            or set(map(str.count, chunk, itertools.repeat(","))) != {width - 1}):
        return None
    if text.endswith(newline):
        text = text[: -len(newline)]
    text = text.replace(newline, ",")
    # Where each cell ends (at a comma, the last at the end), in characters: which cells are empty.
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    ends = np.append(np.flatnonzero(codes == ord(",")), len(codes))
    starts = np.concatenate(([0], ends[:-1] + 1))
    filled = np.ascontiguousarray((ends > starts).reshape(-1, width).T)  # one row a column
    return _PlainColumns(text.split(","), width, filled)


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


__all__ = [
    "read_case_json", "parse_case_json", "case_from_args", "read_cases_csv", "iter_cases_csv", "read_bounded", "CsvCases",
]
