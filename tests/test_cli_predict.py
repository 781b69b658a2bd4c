"""``bicep-twitch predict``: one case, a CSV batch, bad input, and what the command imports."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from bicep_twitch.cli import main

REPO = Path(__file__).resolve().parents[1]
CASE = '{"caffeine_cups_per_day": 7, "weakness": true}'


def run(capsys, *argv):
    status = main(["predict", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def test_case_text_output(capsys, toy, toy_model):
    status, out, err = run(capsys, "--model", toy_model, "--case", CASE)
    assert (status, err) == (0, "")
    assert out == toy.predict({"caffeine_cups_per_day": 7, "weakness": True}).text()
    assert out.startswith("Most likely: Too much caffeine (80%)\n")
    assert out.rstrip("\n").endswith(toy.kb.disclaimer)


def test_case_json_output(capsys, toy, toy_model):
    status, out, _ = run(capsys, "--model", toy_model, "--case", CASE, "--format", "json")
    assert status == 0
    assert json.loads(out) == json.loads(json.dumps(toy.predict({"caffeine_cups_per_day": 7, "weakness": True}).to_dict()))


def test_case_file_and_command_line_spellings(capsys, toy_model, tmp_path):
    case_file = tmp_path / "case.json"
    case_file.write_text('{"caffeine_cups_per_day": "7", "weakness": "YES", "stress_level": "?"}')
    status, out, _ = run(capsys, "--model", toy_model, "--case-file", case_file, "--format", "json")
    assert status == 0
    assert json.loads(out)["answers"] == {"caffeine_cups_per_day": 7, "weakness": True}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--case", '{"movment": "spasm"}'], "unknown finding 'movment'; did you mean 'movement'?"),
        (["--case", '{"stress_level": 11}'], "'stress_level' must be a number from 0 to 10 (got 11)"),
        (["--case", '{"weakness": "maybe"}'], "'weakness' must be true or false (yes/no) (got 'maybe')"),
        (["--case", "{nope"], "--case must be a JSON object such as"),
        (["--case", "[1, 2]"], "--case must be a JSON object such as '{\"movement\": \"spasm\"}' (got a JSON list)"),
        (["--case", '{"age_years": NaN}'], "'age_years' must be a number from 0 to 120 (got nan)"),
        ([], "give exactly one of --case, --case-file, --text or --input (got none)"),
        (["--case", "{}", "--input", "x.csv"], "(got --case and --input)"),
        (["--case", "{}", "--output", "out.csv"], "--output goes with --input"),
        (["--case-file", "/nonexistent/case.json"], "--case-file '/nonexistent/case.json' does not exist"),
        (["--input", "/nonexistent/cases.csv"], "--input '/nonexistent/cases.csv' does not exist"),
    ],
)
def test_bad_input_exits_2_with_the_message(capsys, toy_model, argv, message):
    status, out, err = run(capsys, "--model", toy_model, *argv)
    assert status == 2 and out == ""
    assert err.startswith("bicep-twitch predict: error: ") and message in err
    assert "Traceback" not in err


def test_missing_model_says_how_to_train(capsys, tmp_path):
    """A model folder that is not there is bad input (exit 2), as a missing --input is (issue 21, probe 7)."""
    status, _, err = run(capsys, "--model", tmp_path / "none", "--case", "{}")
    assert status == 2 and "bicep-twitch train" in err and "Traceback" not in err


def test_tampered_model_is_refused(capsys, toy_model, tmp_path):
    import shutil

    model = Path(shutil.copytree(toy_model, tmp_path / "m"))
    tree = model / "bicep_twitch_tree.tree.json"
    tree.write_text(tree.read_text().replace("10.5", "11.5"))
    status, out, err = run(capsys, "--model", model, "--case", "{}")
    assert status == 2 and out == "" and "does not match the SHA-256" in err


CSV_IN = dedent(
    """\
    caffeine_cups_per_day,weakness,movement
    7,,
    11,yes,twitch
    40,,
    ,TRUE,spasm
    nan,,
    2,no,cramp
    ?,0,
    """
)


def read_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_batch_keeps_every_row_in_order(capsys, toy, toy_model, tmp_path):
    source = tmp_path / "cases.csv"
    source.write_text(CSV_IN)
    target = tmp_path / "preds.csv"
    status, out, err = run(capsys, "--model", toy_model, "--input", source, "--output", target)
    assert status == 2 and out == ""  # bad rows: exit 2, every row still written
    # One summary, never "wrote 7 predictions" and then "3 of 7 rows could not be read".
    assert err == (f"bicep-twitch predict: wrote 7 rows to {target}: 4 predicted, 3 could not be read (their error "
                   "column says why; the first, line 4: 'caffeine_cups_per_day' must be a number from 0 to 30 (got 40))\n")
    causes = [f"p_{c}" for c in toy.kb.cause_ids]
    assert list(read_csv(target.read_text())[0]) == [  # the explanation only when asked for
        "cause", "probability", "triage", "red_flags", "safety_net", "triage_reasons", "top1", "top1_probability",
        "top2", "top2_probability", "top3", "top3_probability", *causes, "error"]
    status, _, _ = run(capsys, "--model", toy_model, "--input", source, "--output", target, "--columns", "default,path")
    rows = read_csv(target.read_text())
    assert status == 2 and list(rows[0])[-2:] == ["error", "path"]
    assert len(rows) == 7
    expected = [
        {"caffeine_cups_per_day": 7},
        {"caffeine_cups_per_day": 11, "weakness": True, "movement": "twitch"},
        None,
        {"weakness": True, "movement": "spasm"},
        None,
        None,
        {"weakness": False},
    ]
    for row, case in zip(rows, expected):
        if case is None:
            assert row["cause"] == row["path"] == row["top1"] == row["p_caffeine"] == "" and row["error"]
            continue
        result = toy.predict(case)
        assert row["error"] == ""
        assert (row["cause"], float(row["probability"]), row["triage"]) == (result.cause, result.probability, result.triage)
        assert row["red_flags"] == ";".join(result.red_flags) and row["safety_net"] == result.safety_net
        assert row["path"] == "; ".join(s.text for s in result.path)
        for k, (cause, p) in enumerate(result.differential[:3], start=1):
            assert (row[f"top{k}"], float(row[f"top{k}_probability"])) == (cause, p)
        assert {c: float(row[f"p_{c}"]) for c in toy.kb.cause_ids} == dict(result.differential)
    assert rows[2]["error"] == "line 4: 'caffeine_cups_per_day' must be a number from 0 to 30 (got 40)"
    assert "'caffeine_cups_per_day' must be a number from 0 to 30" in rows[4]["error"]  # "nan" is no answer
    assert rows[5]["error"] == "line 7: 'movement' must be one of 'twitch', 'spasm' (got 'cramp')"
    assert rows[1]["red_flags"] == "weakness" and rows[1]["triage"] == "see_doctor"


def test_csv_batch_to_stdout_and_as_json(capsys, toy_model, tmp_path):
    source = tmp_path / "cases.csv"
    source.write_text(CSV_IN)
    status, out, _ = run(capsys, "--model", toy_model, "--input", source)
    assert status == 2 and len(read_csv(out)) == 7
    status, out, _ = run(capsys, "--model", toy_model, "--input", source, "--format", "json")
    results = json.loads(out)
    assert status == 2 and len(results) == 7
    assert [r["error"] is None for r in results] == [True, True, False, True, False, False, True]
    source.write_text("weakness\nyes\n")
    assert run(capsys, "--model", toy_model, "--input", source)[0] == 0  # no bad row: exit 0


def test_csv_with_an_unknown_column_is_refused(capsys, toy_model, tmp_path):
    source = tmp_path / "cases.csv"
    source.write_text("caffeine,weakness\n7,yes\n")
    status, _, err = run(capsys, "--model", toy_model, "--input", source)
    assert status == 2 and "unknown finding 'caffeine'" in err


def test_empty_csv_is_refused(capsys, toy_model, tmp_path):
    source = tmp_path / "cases.csv"
    source.write_text("")
    status, _, err = run(capsys, "--model", toy_model, "--input", source)
    assert status == 2 and "is empty" in err


HEAVY = ("sklearn", "numpy", "pandas", "scipy", "joblib")


def test_predict_case_imports_no_scikit_learn_numpy_or_pandas():
    code = dedent(
        f"""
        import sys
        from bicep_twitch.cli import main
        status = main(["predict", "--case", '{{"movement": "spasm", "stress_level": 8}}', "--format", "json"])
        sys.stdout.flush()
        heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
        print("HEAVY", heavy, status)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY [] 0"


def test_predict_input_imports_no_pandas_or_scikit_learn(toy_model, tmp_path):
    # A batch needs numpy only: pandas and scikit-learn took about half of a 100,000-row batch's time.
    source = tmp_path / "cases.csv"
    source.write_text("id,weakness\na,yes\n")
    code = dedent(
        f"""
        import sys
        from bicep_twitch.cli import main
        status = main(["predict", "--model", {str(toy_model)!r}, "--input", {str(source)!r},
                       "--output", {str(tmp_path / "out.csv")!r}])
        heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"pandas", "sklearn", "scipy", "joblib"}})
        print("HEAVY", heavy, status)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY [] 0"


def test_console_script_and_predict_script(tmp_path):
    bad = subprocess.run(
        [sys.executable, "-m", "bicep_twitch", "predict", "--case", '{"stress_level": 11}'],
        capture_output=True, text=True, timeout=60,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == "bicep-twitch predict: error: 'stress_level' must be a number from 0 to 10 (got 11)\n"
    good = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "predict.py"), "--case", '{"movement": "spasm"}'],
        capture_output=True, text=True, timeout=60,
    )
    assert good.returncode == 0 and good.stdout.startswith("Most likely: ")
    assert "This is not a diagnosis" in good.stdout.strip().splitlines()[-1]
