"""The page's reader of free text against Python's: golden readings checked under Node.

Python reads every description of ``tests/data/descriptions.json``, every string of
``tests/test_describe.py`` (its sentences, and the words it expects, read as sentences too) and a
few more (accents, emoji, misspellings), and a set of typed answers; ``tests/node/check_describe.js``
loads ``draw/explorer/describe.js``, the file the page embeds, and compares every finding, value
and span. The page offers its description box only while this agreement is complete.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from bicep_twitch.core.describe import parse_description, read_answer, reader_data
from bicep_twitch.core.knowledge import load_knowledge

from bicep_twitch.draw.explorer import SCRIPTS, explorer_data
from bicep_twitch._errors import InvalidCaseError
from golden import node_or_skip

HERE = Path(__file__).resolve().parent
CHECK = HERE / "node" / "check_describe.js"
READER = HERE.parent / "src" / "bicep_twitch" / "draw" / "explorer" / "describe.js"
CASES = json.loads((HERE / "data" / "descriptions.json").read_text(encoding="utf-8"))

MORE = [
    "Bicep twitching für 3 Wochen, café 4 a day, no weakness",  # letters outside ASCII
    "bicep twitching 😩 for 2 weeks, no numbness 🙏 on prednisolone",  # characters beyond 16 bits
    "my bicep has been twiching for 3 weks, no weaknes, 5 cofees a day",  # misspellings
    "Left arm flickering since friday. No meds. I drink maybe 2 beers a week",
    "TWITCHING FOR 2 MONTHS, NOT WEAK, 34M",
    "",
    "no",
]
ANSWERS = {
    "duration_days": ["2 hours", "3 weeks", "half a day", "a fortnight", "3 kg", "11 years", "2", "two days",
                      "5-6 days", "a couple of months", "1.5 hours", "2h", "lots"],
    "hours_after_workout": ["2 days", "3 hours", "half an hour", "5 cups"],
    "sleep_hours": ["7 hours", "7", "6-8 hours a night"],
    "caffeine_cups_per_day": ["5 cups", "5 coffees a day", "5-6", "3 beers", "a couple", "14 cups a week", "31", "lots"],
    "alcohol_drinks_per_day": ["3 beers", "a couple", "none", "2 glasses of wine"],
    "water_liters_per_day": ["2 litres", "500 ml", "8 glasses of water", "2"],
    "stress_level": ["7/10", "7 out of 10", "11"],
    "age_years": ["34", "34 years old", "34 yo", "thirty"],
    "weakness": ["y", "N", "yes", "nope", "Yeah", "maybe", "no weakness", "?"],
    "takes_corticosteroid": ["prednisone", "no", "not sure"],
    "movement": ["Spasm", "twitch", "flickering", "jerk", "wiggle"],
}


def _strings_of_the_describe_tests() -> list[str]:
    tree = ast.parse((HERE / "test_describe.py").read_text(encoding="utf-8"))
    seen = dict.fromkeys(node.value for node in ast.walk(tree)
                         if isinstance(node, ast.Constant) and isinstance(node.value, str))
    return list(seen)


def build_golden() -> dict:
    today = dt.date.fromisoformat(CASES["today"])
    texts = list(dict.fromkeys([c["text"] for c in CASES["cases"]] + _strings_of_the_describe_tests() + MORE))
    descriptions = []
    for text in texts:
        if len(text) > 10_000:
            continue
        read = parse_description(text, today=today).to_dict()
        descriptions.append({"text": text, "case": read["case"], "evidence": read["evidence"]})
    kb = load_knowledge()
    answers = []
    for fid, typed in ANSWERS.items():
        f = kb.findings[fid]
        words = {"id": f.id, "type": f.type, "choices": list(f.choices)}
        if f.type == "number":
            words.update(min=f.min, max=f.max, unit=f.unit)
        for text in typed:
            try:
                answers.append({"finding": words, "text": text, "value": read_answer(f, text, today=today)})
            except InvalidCaseError:
                answers.append({"finding": words, "text": text, "refused": True})
    return {"today": CASES["today"], "descriptions": descriptions, "answers": answers}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    where = tmp_path_factory.mktemp("describe")
    data, golden = where / "data.json", where / "golden.json"
    data.write_text(json.dumps(reader_data(), ensure_ascii=False), encoding="utf-8")
    golden.write_text(json.dumps(build_golden(), ensure_ascii=False), encoding="utf-8")
    return data, golden


def run_check(data: Path, golden: Path, reader: Path = READER) -> subprocess.CompletedProcess:
    node = node_or_skip("the page's reader against Python's")
    return subprocess.run([node, str(CHECK), str(data), str(golden), str(reader)],
                          capture_output=True, text=True, timeout=300)


def test_the_golden_set_holds_every_description_and_the_describe_tests_sentences(files):
    golden = json.loads(files[1].read_text(encoding="utf-8"))
    texts = {d["text"] for d in golden["descriptions"]}
    assert {c["text"] for c in CASES["cases"]} <= texts and len(CASES["cases"]) == 80
    assert "no weakness or numbness" in texts or any("no weakness" in t for t in texts)
    assert sum(1 for d in golden["descriptions"] if d["evidence"]) > 100  # most of them read something
    assert sum(1 for a in golden["answers"] if a.get("refused")) >= 5


def test_the_page_reader_reads_every_golden_description_and_answer_as_python_does(files):
    proc = run_check(*files)
    golden = json.loads(files[1].read_text(encoding="utf-8"))
    n, k = len(golden["descriptions"]), len(golden["answers"])
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert proc.stdout.strip().endswith(f"agree {n} of {n} descriptions, {k} of {k} answers")


@pytest.mark.parametrize("change", [
    pytest.param(lambda v: v["negation"]["cues"].remove("no"), id="a negation cue"),
    pytest.param(lambda v: v["units"]["duration_days"].update({"weeks?|wks?": 6}), id="a unit"),
    pytest.param(lambda v: v["answers"]["yes"].remove("y"), id="an answer word"),
])
def test_the_check_fails_when_the_page_reads_other_rules(files, tmp_path, change):
    data = json.loads(files[0].read_text(encoding="utf-8"))
    change(data["vocabulary"])
    changed = tmp_path / "data.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    proc = run_check(changed, files[1])
    assert proc.returncode == 1 and "agree" in proc.stdout


def test_the_check_fails_when_a_line_of_the_reader_changes(files, tmp_path):
    source = READER.read_text(encoding="utf-8")
    line = "if (values.length === 2) return (values[0] + values[1]) / 2;"
    assert line in source
    mutant = tmp_path / "describe.js"
    mutant.write_text(source.replace(line, "if (values.length === 2) return values[0];"), encoding="utf-8")
    assert run_check(files[0], files[1], mutant).returncode == 1


def test_the_page_embeds_the_reader_and_its_data_only_as_checked(files, monkeypatch):
    import bicep_twitch.draw.explorer as explorer

    # Only what explorer_data adds to the spec is checked here (the spec has tests of its own).
    monkeypatch.setattr(explorer, "compile_spec", lambda tree, kb: {"causes": []})
    data = explorer_data(None, load_knowledge())
    # The box is on only with the reader that passed above, reading exactly the data checked.
    assert "describe.js" in SCRIPTS and SCRIPTS.index("describe.js") < SCRIPTS.index("explorer.js")
    assert data["describe"] == json.loads(files[0].read_text(encoding="utf-8"))
