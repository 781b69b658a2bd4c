"""``predict --input``: a CSV is read so that no row is ever shifted, padded, cut or dropped.

Each bad shape is an error naming its line, the other rows are predicted, and the exit status
is 2; the batch table passes ``id`` and ``--keep`` columns through; ``-`` is stdin and stdout.
"""

from __future__ import annotations

import csv
import io
import sys

import pytest

from bicep_twitch.cli import main


def run(capsys, toy_model, tmp_path, text: str | bytes, *argv):
    source = tmp_path / "cases.csv"
    source.write_bytes(text.encode() if isinstance(text, str) else text)
    status = main(["predict", "--model", str(toy_model), "--input", str(source), *map(str, argv)])
    out, err = capsys.readouterr()
    return status, list(csv.DictReader(io.StringIO(out))), err


def test_rows_ending_with_a_comma_are_errors_never_shifted(capsys, toy_model, tmp_path):
    # The probe: read naively, each answer moves one column left.
    status, rows, err = run(capsys, toy_model, tmp_path, "weakness,atrophy\nyes,no,\nno,yes,\n")
    assert status == 2 and len(rows) == 2
    for line, row in zip((2, 3), rows):
        assert row["cause"] == "" and row["triage"] == ""
        assert row["error"] == (f"line {line}: the row has 3 fields but the header has 2 (it ends with a comma); "
                                "give exactly one field per column, an empty one for unknown")
    assert "wrote 2 rows to stdout: 0 predicted, 2 could not be read" in err and "first, line 2: the row has 3" in err


def test_a_long_or_short_row_is_its_own_error_and_the_rest_is_predicted(capsys, toy, toy_model, tmp_path):
    text = "weakness,caffeine_cups_per_day\nyes,7,3\nno\nno,11\n"
    status, rows, _ = run(capsys, toy_model, tmp_path, text)
    assert status == 2 and len(rows) == 3
    assert rows[0]["error"].startswith("line 2: the row has 3 fields but the header has 2")
    assert rows[1]["error"].startswith("line 3: the row has 1 field but the header has 2")
    good = toy.predict({"weakness": False, "caffeine_cups_per_day": 11})
    assert (rows[2]["cause"], float(rows[2]["probability"]), rows[2]["error"]) == (good.cause, good.probability, "")


def test_line_numbers_count_lines_not_rows(capsys, toy_model, tmp_path):
    # A quoted cell spanning two lines: the next row starts on line 4, as an editor shows it.
    text = 'id,weakness\n"a\nb",yes\nc,maybe\n'
    status, rows, _ = run(capsys, toy_model, tmp_path, text)
    assert status == 2 and [r["id"] for r in rows] == ["a\nb", "c"]
    assert rows[1]["error"].startswith("line 4: 'weakness' must be true or false")


@pytest.mark.parametrize(
    "text, message",
    [
        ("weakness,,atrophy\nyes,,no\n", "line 1: header cell 2 is empty; every column needs a name"),
        ("weakness,atrophy,\nyes,no,\n", "line 1: header cell 3 is empty (does the line end with a comma?)"),
        ("weakness,atrophy,weakness\nyes,no,no\n", "line 1: column 'weakness' is given twice"),
        ("weakness;atrophy\nyes;no\n", "line 1: fields must be separated by commas (got the header 'weakness;atrophy', "
                                       "separated by ';')"),
        ("weakness\tatrophy\nyes\tno\n", "separated by '\\t'"),
        ('weakness,atrophy\n"yes,no\n', "line 2: not a readable CSV row"),
        (b"weakness\nyes\n\xff\n", "must be UTF-8 text (line 3 is not)"),
        ("", "is empty; it needs a header row of finding ids"),
        ("caffeine,weakness\n7,yes\n", "unknown finding 'caffeine'"),
    ],
)
def test_bad_files_exit_2_naming_the_line(capsys, toy_model, tmp_path, text, message):
    status, rows, err = run(capsys, toy_model, tmp_path, text)
    assert status == 2 and rows == []
    assert err.startswith("bicep-twitch predict: error: --input ") or "unknown finding" in err
    assert message in err and "Traceback" not in err


def test_yes_no_reading_does_not_depend_on_the_other_rows(capsys, toy_model, tmp_path):
    # Read naively, a column of only numbers is parsed as numbers and a mixed one as words, so
    # the same cell could be an answer in one file and an error in the other.
    numbers = run(capsys, toy_model, tmp_path, "weakness\n1.0\n0\n2\n")[1]
    mixed = run(capsys, toy_model, tmp_path, "weakness\nyes\n1.0\n0\n2\n")[1]
    assert [r["triage"] for r in numbers[:2]] == [r["triage"] for r in mixed[1:3]] == ["see_doctor", "self_care"]
    assert numbers[2]["error"] == "line 4: 'weakness' must be true or false (yes/no) (got '2')"
    assert mixed[3]["error"] == "line 5: 'weakness' must be true or false (yes/no) (got '2')"


@pytest.mark.parametrize("cell", ["1_0", "\u0665", "\uff15", "0x5", "5 5", "1" * 400, "infinity"])
def test_numbers_are_read_strictly_and_a_huge_one_fails_only_its_row(capsys, toy_model, tmp_path, cell):
    status, rows, err = run(capsys, toy_model, tmp_path, f"stress_level\n{cell}\n3\n")
    assert status == 2 and len(rows) == 2 and rows[1]["error"] == ""
    assert rows[0]["error"].startswith("line 2: 'stress_level' must be a number from 0 to 10 (got ")
    assert len(rows[0]["error"]) < 200 and "Traceback" not in err  # a long value is cut to a readable length


def test_id_and_kept_columns_pass_through_with_one_column_per_cause(capsys, toy, toy_model, tmp_path):
    text = "id,site,weakness,caffeine_cups_per_day\nA-1,north,yes,\nA-2,south,,40\nA-3,,no,7\n"
    status, rows, _ = run(capsys, toy_model, tmp_path, text, "--keep", "site")
    assert status == 2 and [(r["id"], r["site"]) for r in rows] == [("A-1", "north"), ("A-2", "south"), ("A-3", "")]
    assert list(rows[0])[:4] == ["id", "site", "cause", "probability"]
    assert rows[1]["error"].startswith("line 3: 'caffeine_cups_per_day'") and rows[1]["p_caffeine"] == ""
    result = toy.predict({"weakness": False, "caffeine_cups_per_day": 7})
    assert sum(float(rows[2][f"p_{c}"]) for c in toy.kb.cause_ids) == pytest.approx(1)
    assert float(rows[2][f"p_{result.cause}"]) == result.probability and rows[2]["top1"] == result.cause


@pytest.mark.parametrize(
    "text, argv, message",
    [
        ("site,weakness\nx,yes\n", (), "unknown finding 'site'"),
        ("weakness\nyes\n", ("--keep", "site"), "--keep 'site' is not a column of --input"),
        ("id,cause,weakness\n1,x,yes\n", ("--keep", "cause"), "the input column 'cause' has the name of an output column"),
        ("id,path,weakness\n1,x,yes\n", ("--keep", "path", "--columns", "cause,path"),
         "the input column 'path' has the name of an output column"),
    ],
)
def test_passthrough_mistakes_exit_2(capsys, toy_model, tmp_path, text, argv, message):
    status, _, err = run(capsys, toy_model, tmp_path, text, *argv)
    assert status == 2 and message in err


def test_dash_reads_stdin_and_writes_stdout(capsys, toy, toy_model, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"id,movement\r\nx,spasm\r\ny,\r\n")))
    status = main(["predict", "--model", str(toy_model), "--input", "-", "--output", "-"])
    out, err = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and err == "" and [r["id"] for r in rows] == ["x", "y"]
    assert rows[0]["cause"] == toy.predict({"movement": "spasm"}).cause


def test_blank_lines(capsys, toy_model, tmp_path):
    # In a one-column file every blank line is an unknown answer, at the end too (issue 21: as
    # spreadsheets write unknown cells); in a wider file trailing blank lines are no rows, and one
    # inside is a row of the wrong length, reported, never dropped.
    status, rows, _ = run(capsys, toy_model, tmp_path, "weakness\nyes\n\nno\n\n\n")
    assert status == 0 and len(rows) == 5 and rows[1]["error"] == "" and rows[4]["error"] == ""
    status, rows, _ = run(capsys, toy_model, tmp_path, "weakness,atrophy\nyes,no\nno,no\n\n\n")
    assert status == 0 and len(rows) == 2
    status, rows, _ = run(capsys, toy_model, tmp_path, "weakness,atrophy\nyes,no\n\nno,no\n")
    assert status == 2 and len(rows) == 3 and rows[1]["error"].startswith("line 3: the row has 0 fields")


def test_a_generated_dataset_file_reads_as_its_frame(capsys, toy, toy_model, tmp_path):
    # The generator writes yes/no as 1.0/0.0 (the contract's encoding): every cell reads back.
    import pandas as pd

    from bicep_twitch.data.generate import write_dataset

    write_dataset(tmp_path / "d", n=300, seed=4)
    source = tmp_path / "d" / "test.csv"
    status = main(["predict", "--model", str(toy_model), "--input", str(source)])
    out, _ = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    frame = pd.read_csv(source, dtype={"movement": "string", "cause": "string"})
    expected = toy.predict_many(frame)
    assert status == 0 and len(rows) == len(frame) == 60
    assert [r["cause"] for r in rows] == [r.cause for r in expected]
    assert [r["triage"] for r in rows] == [r.triage for r in expected]


def test_a_row_contradicting_itself_is_its_own_error(capsys, toy_model, tmp_path):
    text = "recent_arm_workout,hours_after_workout\nno,3\nyes,3\n,3\n"
    status, rows, _ = run(capsys, toy_model, tmp_path, text)
    assert status == 2 and [r["error"] == "" for r in rows] == [False, True, True]
    assert rows[0]["error"].startswith("line 2: 'hours_after_workout' applies only when 'recent_arm_workout' is true")


def test_json_batch_passes_the_id_through_and_refuses_a_clash(capsys, toy_model, tmp_path):
    import json

    source = tmp_path / "cases.csv"
    source.write_text("id,weakness\nA,yes\nB,maybe\n")
    status = main(["predict", "--model", str(toy_model), "--input", str(source), "--format", "json"])
    records = json.loads(capsys.readouterr().out)
    assert status == 2 and [(r["id"], r["error"] is None) for r in records] == [("A", True), ("B", False)]
    source.write_text("advice,weakness\nx,yes\n")
    status = main(["predict", "--model", str(toy_model), "--input", str(source), "--format", "json", "--keep", "advice"])
    assert status == 2 and "the input column 'advice' has the name of an output field" in capsys.readouterr().err


def test_bad_rows_and_ids_keep_their_place_across_reading_blocks(capsys, toy_model, tmp_path, monkeypatch):
    from bicep_twitch.cli import case_input

    monkeypatch.setattr(case_input, "CSV_BLOCK_ROWS", 2)
    text = "id,weakness\na,yes\nb,maybe\nc,no,\nd,no\ne,2\n"
    status, rows, _ = run(capsys, toy_model, tmp_path, text)
    assert status == 2 and [r["id"] for r in rows] == ["a", "b", "c", "d", "e"]  # a bad-length row keeps its id
    assert [r["error"].split(":")[0] for r in rows] == ["", "line 3", "line 4", "", "line 6"]


@pytest.mark.parametrize("text", ["id,weakness,atrophy\nA-7,yes,no,\n", "id,weakness,atrophy\nA-7,yes\n"])
def test_a_row_of_the_wrong_length_keeps_its_id(capsys, toy_model, tmp_path, text):
    status, rows, _ = run(capsys, toy_model, tmp_path, text)
    assert status == 2 and rows[0]["id"] == "A-7" and rows[0]["error"].startswith("line 2: the row has ")


def test_a_too_short_row_has_an_empty_id_when_the_id_column_is_past_its_end(capsys, toy_model, tmp_path):
    status, rows, _ = run(capsys, toy_model, tmp_path, "weakness,atrophy,id\nyes\nno,no,B\n")
    assert status == 2 and [r["id"] for r in rows] == ["", "B"]


def test_every_error_of_a_row_is_named(capsys, toy_model, tmp_path):
    text = "stress_level,weakness,recent_arm_workout,hours_after_workout\n12,maybe,yes,3\n3,yes,no,3\n"
    status, rows, _ = run(capsys, toy_model, tmp_path, text)
    assert status == 2
    assert rows[0]["error"] == ("line 2: 'stress_level' must be a number from 0 to 10 (got 12); "
                                "'weakness' must be true or false (yes/no) (got 'maybe')")
    # The contradiction of two cells that each read well is named too, after the cells' own errors.
    assert rows[1]["error"].startswith("line 3: 'hours_after_workout' applies only when 'recent_arm_workout' is true")


@pytest.mark.parametrize("cell", ["Twitch", "SPASM", " spasm "])
def test_choices_are_read_whatever_their_case_as_yes_no_are(capsys, toy, toy_model, tmp_path, cell):
    status, rows, _ = run(capsys, toy_model, tmp_path, f"movement,weakness\n{cell},YES\n")
    assert status == 0 and rows[0]["cause"] == toy.predict({"movement": cell.strip().lower(), "weakness": True}).cause


def test_a_wrong_choice_still_says_what_is_allowed(capsys, toy_model, tmp_path):
    status, rows, _ = run(capsys, toy_model, tmp_path, "movement\nTwitchy\n")
    assert status == 2 and rows[0]["error"] == "line 2: 'movement' must be one of 'twitch', 'spasm' (got 'Twitchy')"


def test_columns_chooses_the_output_columns_in_order(capsys, toy, toy_model, tmp_path):
    text = "id,weakness\nA,yes\nB,maybe\n"
    status, rows, _ = run(capsys, toy_model, tmp_path, text, "--columns", "triage, cause,error")
    assert status == 2 and [list(r) for r in rows] == [["id", "triage", "cause", "error"]] * 2
    result = toy.predict({"weakness": True})
    assert (rows[0]["triage"], rows[0]["cause"], rows[0]["error"]) == (result.triage, result.cause, "")
    assert rows[1]["cause"] == rows[1]["triage"] == "" and rows[1]["error"].startswith("line 3: 'weakness'")


@pytest.mark.parametrize(
    "argv, message",
    [
        (("--columns", "cause,paths"), "'--columns' has no column 'paths' (allowed: default (the columns written "
                                       "without --columns), cause, probability, top_causes, triage, red_flags,"),
        (("--columns", "cause,cause"), "'--columns' names the column 'cause' twice"),
        (("--columns", ","), "--columns names no column (allowed: default (the columns written without --columns), "
                             "cause,"),
        (("--columns", "cause", "--format", "json"), "--columns chooses the columns of the CSV output"),
    ],
)
def test_a_wrong_column_name_lists_the_allowed_ones(capsys, toy_model, tmp_path, argv, message):
    status, rows, err = run(capsys, toy_model, tmp_path, "weakness\nyes\n", *argv)
    assert status == 2 and rows == [] and message in err


def test_columns_may_place_the_passed_through_columns(capsys, toy_model, tmp_path):
    text = "id,site,weakness\nA,north,yes\n"
    _, rows, _ = run(capsys, toy_model, tmp_path, text, "--keep", "site", "--columns", "cause,id")
    assert list(rows[0]) == ["site", "cause", "id"]  # a passed-through column not named comes first
    _, rows, _ = run(capsys, toy_model, tmp_path, text, "--keep", "site", "--columns", "id,triage")
    assert list(rows[0]) == ["site", "id", "triage"] and rows[0]["id"] == "A"
    status, _, err = run(capsys, toy_model, tmp_path, "id,weakness\nA,yes\n", "--columns", "site,cause")
    assert status == 2 and "'--columns' has no column 'site' (allowed: default (the columns written without " \
                           "--columns), id, cause," in err


def test_columns_goes_with_input(capsys, toy_model):
    assert main(["predict", "--model", str(toy_model), "--case", "{}", "--columns", "cause"]) == 2
    assert "--columns goes with --input" in capsys.readouterr().err


def test_one_empty_column_writes_quotes_so_no_row_reads_as_a_blank_line(capsys, toy_model, tmp_path):
    status, rows, _ = run(capsys, toy_model, tmp_path, "weakness\nmaybe\nyes\n", "--columns", "cause")
    assert status == 2 and [r["cause"] for r in rows] == ["", rows[1]["cause"]] and rows[1]["cause"]


def test_a_non_utf8_byte_far_into_the_file_names_its_line(capsys, toy_model, tmp_path, monkeypatch):
    from bicep_twitch.cli import case_input

    monkeypatch.setattr(case_input, "READ_BYTES", 7)  # the bad byte, and "\r\n", across reads
    rows_before = b"\xef\xbb\xbfid,weakness\r\n" + b"".join(b"r%d,yes\r\n" % k for k in range(30))
    status, rows, err = run(capsys, toy_model, tmp_path, rows_before + b"\xc3x,yes\r\n")
    assert status == 2 and rows == [] and "must be UTF-8 text (line 32 is not)" in err
    monkeypatch.setattr(case_input, "READ_BYTES", 5)  # a two-byte character split between reads
    status, rows, err = run(capsys, toy_model, tmp_path, rows_before + "\u00e9,yes\r\n".encode())
    assert status == 0 and len(rows) == 31 and rows[0]["id"] == "r0" and rows[-1]["id"] == "\u00e9"


def test_blocks_stream_to_stdout_and_a_file_is_replaced_only_when_whole(capsys, toy_model, tmp_path, monkeypatch):
    # Read, predicted and written a block at a time: a bad quote further on stops the reading
    # there. stdout has the blocks before it; a file keeps its old content.
    from bicep_twitch.cli import case_input

    monkeypatch.setattr(case_input, "CSV_BLOCK_ROWS", 2)
    text = 'id,weakness\na,yes\nb,no\nc,yes\nd,"no\n'
    status, rows, err = run(capsys, toy_model, tmp_path, text)
    assert status == 2 and [r["id"] for r in rows] == ["a", "b"] and "line 5: not a readable CSV row" in err
    target = tmp_path / "preds.csv"
    target.write_text("old")
    status, _, err = run(capsys, toy_model, tmp_path, text, "--output", target)
    assert status == 2 and target.read_text() == "old" and "line 5: not a readable CSV row" in err


def test_the_python_api_keeps_the_contracts_exact_choices(toy, capsys, toy_model):
    # Typed text is read whatever its case; a program passing values gets the contract's rule.
    from bicep_twitch import InvalidCaseError

    assert main(["predict", "--model", str(toy_model), "--case", '{"movement": "SPASM"}', "--format", "json"]) == 0
    assert '"cause": "' + toy.predict({"movement": "spasm"}).cause in capsys.readouterr().out
    with pytest.raises(InvalidCaseError, match="'movement' must be one of 'twitch', 'spasm' \\(got 'Spasm'\\)"):
        toy.predict({"movement": "Spasm"})
