"""One reader of typed numbers for every entry point, and bounded answer lines (issues 16 and 21)."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from bicep_twitch._errors import InvalidCaseError
from bicep_twitch.cli import main
from bicep_twitch.core.cases import parse_text
from bicep_twitch.core.knowledge import load_knowledge
from bicep_twitch.core.numbers import read_number, read_whole_number
from bicep_twitch.predict.ask import AnswerTooLong, answer_error, read_answer_line

KB = load_knowledge()
COFFEE = KB.findings["caffeine_cups_per_day"]
NOT_NUMBERS = ["٥", "1_0", "５", "nan", "infinity", "9" * 5000, "0x10", ""]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_the_one_reader_refuses_what_is_not_typed_on_purpose(text):
    assert read_number(text) is None and read_whole_number(text) is None


@pytest.mark.parametrize("text", ["٥", "1_0", "５"])
def test_ask_says_a_foreign_digit_is_no_number(text):
    """Issue 16: ask answered "٥" and "1_0" with "5 is more than 30 cups a day" (float() re-parsed them)."""
    with pytest.raises(InvalidCaseError):
        parse_text(COFFEE, text)
    message = answer_error(COFFEE, text)
    assert message.startswith(f"'{text}' is not a number: please answer a number from 0 to 30")


def test_a_value_just_over_the_maximum_is_not_shown_as_the_maximum():
    """Issue 21, probe 7: "from 0 to 30 (got 30)" hid the 30.0000000001 that was given."""
    with pytest.raises(InvalidCaseError, match=r"\(got 30\.0000000001\)"):
        parse_text(COFFEE, "30.0000000001")
    assert answer_error(COFFEE, "30.0000000001").startswith("30.0000000001 is more than 30 cups a day")


def test_a_5000_digit_integer_in_a_case_names_the_finding(capsys):
    """Issue 21, probe 7: not Python's "sys.set_int_max_str_digits()" advice."""
    status = main(["predict", "--case", '{"caffeine_cups_per_day": ' + "9" * 5000 + "}"])
    err = capsys.readouterr().err
    assert status == 2 and "caffeine_cups_per_day" in err and "set_int_max_str_digits" not in err, err[:500]


def test_an_answer_line_is_read_bounded():
    assert read_answer_line(io.StringIO("yes\nno\n"), 1) == "yes\n"
    assert read_answer_line(io.StringIO("x" * 1000 + "\n"), 1) == "x" * 1000 + "\n"
    with pytest.raises(AnswerTooLong, match="longer than 1,000 characters"):
        read_answer_line(io.StringIO("x" * 1001 + "\n"), 1)


@pytest.mark.parametrize("source", ["/dev/zero", "long"])
def test_ask_refuses_an_endless_or_huge_line_quickly(tmp_path, source):
    """Issue 21, probe 6: `ask < /dev/zero` grew until memory ran out; a huge answer was echoed whole."""
    if source == "long":
        path = tmp_path / "long.txt"
        path.write_text("y" * 20_000_000 + "\n")
        source = str(path)
    with open(source, "rb") as stdin:
        proc = subprocess.run([sys.executable, "-m", "bicep_twitch", "ask"], stdin=stdin, capture_output=True,
                              timeout=60)
    assert proc.returncode == 2
    assert b"longer than 1,000 characters" in proc.stderr
    assert len(proc.stdout) + len(proc.stderr) < 10_000  # never echoed back


def test_a_complex_column_is_refused_not_cut_to_its_real_part():
    """Issue 21, probe 7: complex values were accepted with their imaginary part dropped."""
    import numpy as np
    import pandas as pd

    from bicep_twitch import Predictor

    preds = Predictor.load().predict_many(pd.DataFrame({"stress_level": np.array([3 + 4j, 2 + 0j])}))
    assert [r.error for r in preds] == ["'stress_level' must be a number from 0 to 10 (got (3+4j))",
                                        "'stress_level' must be a number from 0 to 10 (got (2+0j))"]


@pytest.mark.parametrize("cases", ["abc", b"abc"])
def test_predict_many_of_a_string_is_one_clear_error(cases):
    """Issue 21, probe 7: predict_many("abc") gave three error rows, one per letter."""
    from bicep_twitch import Predictor

    with pytest.raises(InvalidCaseError, match=r"predict_many takes a list of cases or a DataFrame \(got a "):
        Predictor.load().predict_many(cases)
