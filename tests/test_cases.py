"""Checking and encoding what users give: one case (encode_case), one typed value (parse_text),
and a whole table (encode_frame). Every bad-input kind of the contract, with its exact message."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from bicep_twitch import InvalidCaseError
from bicep_twitch.core.cases import decode_value, encode_case, encode_value, parse_text
from bicep_twitch.data.frame import encode_frame, encode_frame_strict

GOOD_CASE = {"movement": "spasm", "recent_arm_workout": True, "hours_after_workout": 1, "stress_level": 3}
CONTRADICTION = (
    "'hours_after_workout' applies only when 'recent_arm_workout' is true, but this case gives "
    "'recent_arm_workout' as false; leave 'hours_after_workout' out or correct 'recent_arm_workout'"
)


def column(kb, fid):
    return kb.finding_ids.index(fid)


def test_encode_case_puts_each_value_in_its_column(kb):
    row = encode_case(GOOD_CASE, kb)
    assert len(row) == len(kb.findings) == 29
    assert row[column(kb, "movement")] == 1.0  # twitch 0, spasm 1
    assert row[column(kb, "recent_arm_workout")] == 1.0
    assert row[column(kb, "hours_after_workout")] == 1.0
    assert row[column(kb, "stress_level")] == 3.0
    assert sum(not math.isnan(v) for v in row) == 4


def test_none_and_absent_are_unknown(kb):
    row = encode_case({"weakness": None, "caffeine_cups_per_day": 0, "atrophy": False}, kb)
    assert math.isnan(row[column(kb, "weakness")])
    assert row[column(kb, "caffeine_cups_per_day")] == 0.0
    assert row[column(kb, "atrophy")] == 0.0
    assert all(math.isnan(v) for v in encode_case({}, kb))


def test_numpy_scalars_are_accepted(kb):
    row = encode_case({"stress_level": np.int64(4), "sleep_hours": np.float64(6.5), "weakness": np.bool_(True)}, kb)
    assert (row[column(kb, "stress_level")], row[column(kb, "sleep_hours")], row[column(kb, "weakness")]) == (
        4.0,
        6.5,
        1.0,
    )


BAD_CASES = [
    # unknown id, with the closest valid id suggested
    ({"stres_level": 3}, r"^unknown finding 'stres_level'; did you mean 'stress_level'\? \(allowed: movement, "),
    ({"coffee_cups": 3}, r"^unknown finding 'coffee_cups'; did you mean 'caffeine_cups_per_day'\?"),
    ({"zzz": 1}, r"^unknown finding 'zzz' \(allowed: movement, weakness_onset, recent_arm_workout, .*, stopped_drinking_recently\)$"),
    # wrong type
    ({"stress_level": "7"}, r"^'stress_level' must be a number from 0 to 10 \(got '7'\)$"),
    ({"age_years": True}, r"^'age_years' must be a number from 0 to 120 \(got True\)$"),
    ({"weakness": 1}, r"^'weakness' must be true or false \(yes/no\) \(got 1\)$"),
    ({"weakness": np.int64(1)}, r"^'weakness' must be true or false \(yes/no\) \(got 1\)$"),
    ({"weakness": "yes"}, r"^'weakness' must be true or false \(yes/no\) \(got 'yes'\)$"),
    ({"movement": 1}, r"^'movement' must be one of 'twitch', 'spasm' \(got 1\)$"),
    # out of range
    ({"stress_level": 11}, r"^'stress_level' must be a number from 0 to 10 \(got 11\)$"),
    ({"caffeine_cups_per_day": -1}, r"^'caffeine_cups_per_day' must be a number from 0 to 30 \(got -1\)$"),
    ({"duration_days": 3650.5}, r"^'duration_days' must be a number from 0 to 3650 \(got 3650\.5\)$"),
    # NaN and infinity
    (
        {"sleep_hours": float("nan")},
        r"^'sleep_hours' must be a number from 0 to 16 \(got nan\); leave the finding out or give null/None "
        r"when it is unknown$",
    ),
    ({"sleep_hours": np.float64("nan")}, r"^'sleep_hours' must be a number from 0 to 16 \(got nan\); "),
    ({"water_liters_per_day": float("inf")}, r"^'water_liters_per_day' must be a number from 0 to 15 \(got inf\); "),
    ({"water_liters_per_day": -math.inf}, r"^'water_liters_per_day' must be a number from 0 to 15 \(got -inf\); "),
    # a choice not in the list
    ({"movement": "cramp"}, r"^'movement' must be one of 'twitch', 'spasm' \(got 'cramp'\)$"),
    ({"movement": "Spasm"}, r"^'movement' must be one of 'twitch', 'spasm' \(got 'Spasm'\)$"),
    # a follow-up the same case denies
    ({"recent_arm_workout": False, "hours_after_workout": 2}, "^" + re.escape(CONTRADICTION) + "$"),
    (
        {"stretched_after_workout": True, "recent_arm_workout": False},
        r"^'stretched_after_workout' applies only when 'recent_arm_workout' is true",
    ),
    # not a case at all
    ([("movement", "spasm")], r'^a case must be a mapping of finding ids to values, e\.g\. \{"movement": "spasm"\} '
     r"\(got list\)$"),
]


@pytest.mark.parametrize("case, message", BAD_CASES)
def test_encode_case_bad_input(kb, case, message):
    with pytest.raises(InvalidCaseError, match=message):
        encode_case(case, kb)


def test_invalid_case_error_is_a_value_error():
    assert issubclass(InvalidCaseError, ValueError)


def test_hours_without_the_workout_answer_is_accepted(kb):
    # the follow-up implies its parent, which the encoding then carries (so the tree walks as the
    # exact posterior counts it); only an explicit "no" contradicts it
    row = encode_case({"hours_after_workout": 0}, kb)
    assert row[column(kb, "hours_after_workout")] == 0.0
    assert row[column(kb, "recent_arm_workout")] == 1.0


@pytest.mark.parametrize(
    "text, code",
    [("true", 1.0), ("TRUE", 1.0), ("Yes", 1.0), ("1", 1.0), (" no ", 0.0), ("False", 0.0), ("0", 0.0)],
)
def test_parse_text_yes_no_words(kb, text, code):
    assert parse_text(kb.findings["weakness"], text) == code


@pytest.mark.parametrize("text", ["", "?", "  ", " ? "])
def test_parse_text_unknown_words(kb, text):
    for fid in ("weakness", "movement", "stress_level"):
        assert math.isnan(parse_text(kb.findings[fid], text))


def test_parse_text_values(kb):
    assert parse_text(kb.findings["stress_level"], "7") == 7.0
    assert parse_text(kb.findings["duration_days"], " 0.25 ") == 0.25
    assert parse_text(kb.findings["movement"], "twitch") == 0.0


@pytest.mark.parametrize(
    "fid, text, message",
    [
        ("weakness", "maybe", r"^'weakness' must be true or false \(yes/no\) \(got 'maybe'\)$"),
        ("stress_level", "high", r"^'stress_level' must be a number from 0 to 10 \(got 'high'\)$"),
        ("stress_level", "11", r"^'stress_level' must be a number from 0 to 10 \(got 11\)$"),
        ("sleep_hours", "nan", r"^'sleep_hours' must be a number from 0 to 16 \(got nan\); leave the finding out"),
        ("sleep_hours", "inf", r"^'sleep_hours' must be a number from 0 to 16 \(got inf\); leave the finding out"),
        ("movement", "cramp", r"^'movement' must be one of 'twitch', 'spasm' \(got 'cramp'\)$"),
    ],
)
def test_parse_text_bad_input(kb, fid, text, message):
    with pytest.raises(InvalidCaseError, match=message):
        parse_text(kb.findings[fid], text)


def test_decode_value_inverts_encode_value(kb):
    given = {"movement": "twitch", "weakness": False, "stress_level": 7, "duration_days": 0.25, "atrophy": None}
    for fid, value in given.items():
        f = kb.findings[fid]
        back = decode_value(f, encode_value(f, value))
        assert back == value and type(back) is type(value), fid


# --- encode_frame: a table never loses a row; each bad row carries its own message ----------


def test_encode_frame_reports_each_bad_row_and_keeps_the_good_ones(kb):
    frame = pd.DataFrame(
        {
            "movement": ["spasm", "cramp", None, "twitch", "twitch", "spasm"],
            "recent_arm_workout": [1.0, np.nan, 0.0, 1.0, np.nan, np.nan],
            "hours_after_workout": [2.0, np.nan, 3.0, np.nan, np.nan, np.nan],
            "stress_level": [3.0, 4.0, np.nan, 11.0, np.inf, np.nan],
            "cause": ["exercise_overuse"] * 6,  # the generator's label is allowed and ignored
        },
        index=[10, 11, 12, 13, 14, 15],  # errors are keyed by position, not by label
    )
    X, errors = encode_frame(frame, kb)
    assert X.shape == (6, len(kb.findings))
    assert errors == {
        1: "'movement' must be one of 'twitch', 'spasm' (got 'cramp')",
        2: CONTRADICTION,
        3: "'stress_level' must be a number from 0 to 10 (got 11)",
        4: "'stress_level' must be a number from 0 to 10 (got inf); leave the finding out or give null/None "
        "when it is unknown",
    }
    assert np.isnan(X[[1, 2, 3, 4]]).all()  # bad rows stay, as all-unknown rows, and are reported
    np.testing.assert_array_equal(X[0], encode_case({"movement": "spasm", "recent_arm_workout": True,
                                                     "hours_after_workout": 2, "stress_level": 3}, kb))
    assert np.isnan(X[5]).sum() == len(kb.findings) - 1 and X[5, column(kb, "movement")] == 1.0


def test_encode_frame_of_text_cells_like_a_csv(kb):
    frame = pd.DataFrame(
        {
            "movement": ["spasm", "?", "", "wobble"],
            "weakness": ["yes", "FALSE", "", "perhaps"],
            "stress_level": ["7", "?", "", "7"],
        },
        dtype=object,
    )
    X, errors = encode_frame(frame, kb)
    assert errors == {3: "'movement' must be one of 'twitch', 'spasm' (got 'wobble')"}
    m, w, s = (column(kb, fid) for fid in ("movement", "weakness", "stress_level"))
    assert X[0, [m, w, s]].tolist() == [1.0, 1.0, 7.0]
    assert np.isnan(X[1, m]) and X[1, w] == 0.0 and np.isnan(X[1, s])  # '?' and '' are unknown
    assert np.isnan(X[2]).all()
    frame.loc[3, "movement"] = "twitch"
    assert encode_frame(frame, kb)[1] == {3: "'weakness' must be true or false (yes/no) (got 'perhaps')"}


def test_encode_frame_refuses_booleans_for_numbers_and_numbers_for_yes_no(kb):
    frame = pd.DataFrame({"age_years": [True, False]})
    assert encode_frame(frame, kb)[1] == {
        0: "'age_years' must be a number from 0 to 120 (got True)",
        1: "'age_years' must be a number from 0 to 120 (got False)",
    }
    frame = pd.DataFrame({"weakness": [1.0, 0.0, 2.0, np.nan]})  # 1.0/0.0 is the frame encoding
    X, errors = encode_frame(frame, kb)
    assert errors == {2: "'weakness' must be true or false (yes/no) (got 2)"}
    assert X[:2, column(kb, "weakness")].tolist() == [1.0, 0.0]


def test_encode_frame_refuses_unknown_or_doubled_columns(kb):
    with pytest.raises(InvalidCaseError, match=r"^unknown finding 'stres_level'; did you mean 'stress_level'\?"):
        encode_frame(pd.DataFrame({"stres_level": [1.0]}), kb)
    doubled = pd.DataFrame([[1.0, 2.0]], columns=["stress_level", "stress_level"])
    with pytest.raises(InvalidCaseError, match=r"^finding 'stress_level' is given in two columns"):
        encode_frame(doubled, kb)


def test_encode_frame_strict_names_the_first_bad_row(kb):
    frame = pd.DataFrame({"stress_level": [1.0, 12.0, -1.0]})
    with pytest.raises(
        InvalidCaseError,
        match=r"^cases, row 1: 'stress_level' must be a number from 0 to 10 \(got 12\) \(2 bad rows in all\)$",
    ):
        encode_frame_strict(frame, kb)


def test_encode_frame_agrees_with_encode_case_on_generated_cases(kb):
    from bicep_twitch import generate_cases

    frame = generate_cases(300, seed=11)
    X, errors = encode_frame(frame, kb)
    assert errors == {}
    for i, row in enumerate(frame.drop(columns="cause").to_dict("records")):
        case = {}
        for fid, value in row.items():
            if isinstance(value, float) and math.isnan(value):
                continue
            f = kb.findings[fid]
            case[fid] = bool(value) if f.type == "yes/no" else value
        np.testing.assert_array_equal(X[i], encode_case(case, kb))


def test_encode_frame_of_a_csv_read_as_strings(kb):
    import io

    text = "movement,weakness,stress_level,hours_after_workout,recent_arm_workout\n" \
           "spasm,no,3,1.5,yes\n" \
           "?,,,,\n" \
           "twitch,true,ten,,\n" \
           ",,,2,false\n"
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    X, errors = encode_frame(frame, kb)
    assert len(X) == 4
    assert errors == {2: "'stress_level' must be a number from 0 to 10 (got 'ten')", 3: CONTRADICTION}
    expected = encode_case({"movement": "spasm", "weakness": False, "stress_level": 3, "hours_after_workout": 1.5,
                            "recent_arm_workout": True}, kb)
    np.testing.assert_array_equal(X[0], expected)
    assert np.isnan(X[1:]).all()


# --- one encoder: a value means the same, and gets the same message, in a dict, a table and a CSV --

TEXTS = ["7", " 7 ", "11", "-1", "1_0", "\u0665", "nan", "inf", "yes", "No", "1.0", "0", "twitch", "spasm",
         " spasm ", "Spasm", "cramp", "", "?", " ? "]
VALUES = [True, False, 0, 1, 2.5, 11, -1.0, float("inf"), np.int64(3), np.float64(1.0), np.bool_(True), [1]]


def _one(kb, fid, value, *, text):
    try:
        return encode_case({fid: value}, kb, strings_as_text=text)[column(kb, fid)], None
    except InvalidCaseError as exc:
        return math.nan, str(exc)


@pytest.mark.parametrize("fid", ["movement", "weakness", "stress_level", "age_years"])
def test_every_path_reads_a_cell_by_its_findings_kind(kb, fid, tmp_path):
    from bicep_twitch.cli.case_input import read_cases_csv

    path = tmp_path / "cases.csv"
    path.write_text(fid + "\n" + "\n".join(f'"{t}"' for t in TEXTS) + "\n", encoding="utf-8")
    csv = read_cases_csv(str(path), kb)
    frame_X, frame_errors = encode_frame(pd.DataFrame({fid: pd.Series(TEXTS + VALUES, dtype=object)}), kb)
    j = column(kb, fid)
    for pos, text in enumerate(TEXTS):  # typed text: a CSV cell reads as --case text does
        code, error = _one(kb, fid, text, text=True)
        np.testing.assert_array_equal(csv.X[pos, j], code)
        assert csv.errors.get(pos) == error, text
        # A DataFrame is the Python API: a choice is its exact word (spaces aside), not typed text.
        if kb.findings[fid].type == "choice" and text.strip() in ("Spasm",):
            assert frame_errors[pos] == f"'{fid}' must be one of 'twitch', 'spasm' (got {text!r})"
            continue
        np.testing.assert_array_equal(frame_X[pos, j], code)
        assert frame_errors.get(pos) == error, text
    for pos, value in enumerate(VALUES, start=len(TEXTS)):  # other objects read as one case's values
        code, error = _one(kb, fid, value, text=False)
        np.testing.assert_array_equal(frame_X[pos, j], code)
        assert frame_errors.get(pos) == error, value
