"""Property: any CSV written from valid cases reads back as those cases, every row, in order.

Random cases, random columns and column order, random quoting, line endings, spellings of
yes/no and of unknown; the batch output must keep every row, in order, with the answers
``predict`` gives for the case the row came from.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bicep_twitch import Predictor
from bicep_twitch.cli import case_input
from bicep_twitch.cli.case_input import read_cases_csv
from bicep_twitch.core.cases import encode_case
from bicep_twitch.core.knowledge import CHOICE, YES_NO, load_knowledge
from bicep_twitch.predict.batch import predict_encoded_many

KB = load_knowledge()
PREDICTOR = Predictor.load()  # the shipped model: its tree reads most findings
YES = ("true", "yes", "1", "TRUE", "Yes", "YES")
NO = ("false", "no", "0", "False", "No", "NO")


@st.composite
def case(draw):
    """A valid case: a random subset of findings, each with an allowed value (or None)."""
    out = {}
    for fid in draw(st.lists(st.sampled_from(KB.finding_ids), unique=True, max_size=8)):
        f = KB.findings[fid]
        if f.type == CHOICE:
            out[fid] = draw(st.sampled_from(f.choices))
        elif f.type == YES_NO:
            out[fid] = draw(st.booleans())
        else:
            whole = draw(st.booleans())
            out[fid] = (draw(st.integers(int(f.min), int(f.max))) if whole else
                        draw(st.floats(f.min, f.max, allow_nan=False, allow_infinity=False)))
        if draw(st.integers(0, 9)) == 0:
            out[fid] = None  # given as unknown
    for fid in list(out):  # a follow-up needs its precondition: make the parent agree when both are given
        for parent, wanted in KB.findings[fid].requires.items():
            if out.get(parent) is not None and out[fid] is not None:
                out[parent] = wanted
    return out


def cell(draw, fid, value) -> str:
    if value is None:
        return draw(st.sampled_from(("", "?", " ", " ? ")))
    f = KB.findings[fid]
    if f.type == YES_NO:
        return draw(st.sampled_from(YES if value else NO))
    if f.type == CHOICE:
        return value
    return draw(st.sampled_from((repr(value), str(value), f" {value!r}")))


@st.composite
def csv_file(draw):
    cases = draw(st.lists(case(), min_size=1, max_size=25))
    used = sorted({fid for c in cases for fid in c})
    extra = draw(st.lists(st.sampled_from(KB.finding_ids), unique=True, max_size=3))
    columns = draw(st.permutations(sorted(set(used) | set(extra))))
    with_id = draw(st.booleans()) or not columns
    header = (["id"] if with_id else []) + list(columns)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=draw(st.sampled_from((csv.QUOTE_MINIMAL, csv.QUOTE_ALL))),
                        lineterminator=draw(st.sampled_from(("\n", "\r\n", "\r"))))
    writer.writerow(header)
    for k, c in enumerate(cases):
        row = [f"case {k}"] if with_id else []
        writer.writerow(row + [cell(draw, fid, c.get(fid)) for fid in columns])
    return buffer.getvalue(), cases, with_id


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_file(), st.integers(1, 30))
def test_every_row_reads_back_in_order_with_its_case_answers(generated, block_rows):
    text, cases, with_id = generated
    predictor = PREDICTOR
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.csv"
        path.write_bytes(text.encode())
        with mock.patch.object(case_input, "CSV_BLOCK_ROWS", block_rows):  # rows cross block edges too
            read = read_cases_csv(str(path), predictor.kb)
    assert read.errors == {}
    table = predict_encoded_many(predictor, read.X, read.errors).to_table(read.passthrough)
    assert len(table) == len(cases)
    if with_id:
        assert list(table["id"]) == [f"case {k}" for k in range(len(cases))]
    for k, c in enumerate(cases):
        np.testing.assert_array_equal(read.X[k], encode_case(c, KB))  # the same answers, NaN for unknown
        result = predictor.predict(c)
        row = table.iloc[k]
        assert (row["cause"], row["probability"], row["triage"], row["error"]) == (
            result.cause, result.probability, result.triage, "")
        assert row["red_flags"] == ";".join(result.red_flags)


# Any text at all: quotes, line endings mixed, blank lines, rows too long or short, bad cells.
ANY_CELL = st.sampled_from(("", "", "", "?", " ", "yes", "No", "1.0", "0", "maybe", "3", "-1", "7.5", "spasm",
                            "Twitch", "\u00e9", "a\x00b", '"q, r"', 'a"b', "x y"))


@st.composite
def any_csv(draw):
    columns = draw(st.lists(st.sampled_from(KB.finding_ids), unique=True, min_size=1, max_size=5))
    if draw(st.booleans()):
        columns.insert(0, "id")
    newline = draw(st.sampled_from(("\n", "\r\n", "\r")))
    rows = draw(st.lists(st.lists(ANY_CELL, min_size=0, max_size=len(columns) + 1), max_size=30))
    # Most rows of the right length, as in a real file, so that blocks of plain lines occur.
    rows = [row if draw(st.integers(0, 4)) == 0 else (row + [""] * len(columns))[:len(columns)] for row in rows]
    lines = [",".join(columns)] + [",".join(row) for row in rows]
    return newline.join(lines) + draw(st.sampled_from(("", newline, newline * 2)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_csv(), st.integers(1, 8))
def test_plain_blocks_read_as_the_csv_module_reads_them(text, block_rows):
    """Blocks of plain lines are split at once, the others by the csv module row by row: the
    same cases, errors, ids and line numbers either way."""
    def read(**patches):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "cases.csv"
            path.write_bytes(text.encode())
            with mock.patch.multiple(case_input, CSV_BLOCK_ROWS=block_rows, **patches):
                try:
                    return read_cases_csv(str(path), KB)
                except Exception as exc:  # noqa: BLE001 - the same error either way
                    return f"{type(exc).__name__}: {exc}"

    split, by_rows = read(), read(_plain_columns=lambda chunk, width: None)
    if isinstance(by_rows, str):
        assert split == by_rows
        return
    np.testing.assert_array_equal(split.X, by_rows.X)
    assert (split.errors, split.passthrough, split.lines) == (by_rows.errors, by_rows.passthrough, by_rows.lines)
