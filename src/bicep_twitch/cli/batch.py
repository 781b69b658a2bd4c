"""``predict --input``: a CSV of cases read, predicted and written a block at a time.

Each block of rows (``case_input.CSV_BLOCK_ROWS``) is read, encoded, walked through the tree
and written before the next is read, so memory does not grow with the file. A regular output
file is replaced only when every row is written; stdout gets each block as it is done.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any, Iterator, Sequence

from .._io import open_output, write_stream
from .case_input import gc_paused, iter_cases_csv
from .usage import EXIT_BAD_INPUT, EXIT_OK, UsageError

DEFAULT = "default"  # in --columns: the columns written when --columns is not given


def chosen_columns(text: str | None, kb: Any, passthrough: Sequence[str] = ()) -> list[str]:
    """The output columns ``--columns`` names (comma-separated; ``default`` stands for the
    default columns; an ``id`` or ``--keep`` column may be placed too), or the default ones
    when it is not given.

    Raises
    ------
    UsageError
        A name is no column (the message lists the allowed ones), or is given twice.
    """
    from ..predict.batch import batch_columns, check_columns, default_columns

    if text is None:
        return list(default_columns(kb))
    names: list[str] = []
    for name in (part.strip() for part in text.split(",")):
        names.extend(default_columns(kb) if name == DEFAULT else [name])
    allowed = f"{DEFAULT} (the columns written without --columns), " + ", ".join([*passthrough, *batch_columns(kb)])
    if not any(names):
        raise UsageError(f"--columns names no column (allowed: {allowed})")
    try:
        check_columns(kb, [name for name in names if name not in passthrough or name in batch_columns(kb)],
                      parameter="--columns")
    except ValueError as exc:
        raise UsageError(str(exc).split(" (allowed: ")[0] + f" (allowed: {allowed})") from None
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:
        raise UsageError(f"'--columns' names the column {twice!r} twice; give each column once")
    return names


def run_batch(predictor: Any, args: argparse.Namespace, target: Any) -> int:
    """Predict the CSV of ``args.input`` into ``target`` (a checked path, or ``None`` for stdout).

    Exit status 2 when any row could not be read; every row is still written, its error in its
    ``error`` column, and one line on stderr says how many rows were written and how many failed.
    """
    from ..predict.batch import CsvWriter, predict_encoded_many

    as_json = args.format == "json"
    if as_json and getattr(args, "columns", None) is not None:
        raise UsageError("--columns chooses the columns of the CSV output; JSON records have every field")
    keep = list(getattr(args, "keep", None) or [])
    blocks = iter_cases_csv(args.input, predictor.kb, keep=keep)
    first = next(blocks)  # the header is checked before anything is written
    passthrough = list(first.passthrough)
    columns = chosen_columns(getattr(args, "columns", None), predictor.kb, passthrough)
    writer = None
    if not as_json:
        try:
            writer = CsvWriter(predictor.kb, columns=columns, passthrough=passthrough)
        except ValueError as exc:
            raise UsageError(f"--input: {exc}") from None
    rows = failed = 0
    first_error = ""
    # The rows make many small lists and strings and no cycles: the collector would only walk
    # them again and again (a third of the time). This process ends with the batch.
    with _output(target) as write, gc_paused():
        write(writer.header() if writer else "")
        for block in _chain(first, blocks):
            errors = {pos: f"line {block.lines[pos]}: {message}" for pos, message in block.errors.items()}
            predictions = predict_encoded_many(predictor, block.X, errors)
            if writer is not None:
                write(writer.text(predictions, block.passthrough))
            else:
                write(_json_records(predictions, block.passthrough, opening=rows == 0))
            if errors and not first_error:
                first_error = errors[min(errors)]
            rows += len(predictions)
            failed += len(errors)
        if as_json:
            write("[]\n" if rows == 0 else "\n]\n")
    where = "stdout" if target is None else args.output
    if failed:
        print(f"bicep-twitch predict: wrote {rows:,} rows to {where}: {rows - failed:,} predicted, {failed:,} could "
              f"not be read (their error {'field' if as_json else 'column'} says why; the first, {first_error})",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if target is not None:
        print(f"bicep-twitch predict: wrote {rows:,} rows to {where}, all predicted", file=sys.stderr)
    return EXIT_OK


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


@contextlib.contextmanager
def _output(target: Any) -> Iterator[Any]:
    """A function writing text to ``target``: stdout when ``None``, else the file (replaced at the end)."""
    if target is None:
        yield lambda text: write_stream(sys.stdout, text)  # every byte or an error, however stdout is set up
        return
    with open_output(target) as out:
        yield lambda text: out.write(text.encode("utf-8"))


def _json_records(predictions: Any, passthrough: dict[str, list[str]], *, opening: bool) -> str:
    """One block's records of the JSON array, laid out as ``json.dumps(records, indent=2)`` lays them."""
    pieces = []
    for k, result in enumerate(predictions):
        record = result.to_dict()
        clash = sorted(set(passthrough) & set(record))
        if clash:
            raise UsageError(f"--input: the input column {clash[0]!r} has the name of an output field; rename it")
        record = {**{name: cells[k] for name, cells in passthrough.items()}, **record}
        pieces.append("  " + json.dumps(record, indent=2).replace("\n", "\n  "))
    if not pieces:
        return ""
    return ("[\n" if opening else ",\n") + ",\n".join(pieces)


__all__ = ["run_batch", "chosen_columns", "DEFAULT"]
