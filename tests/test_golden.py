"""Golden cases: Python's answers, checked against Python's other paths and against the page's
own logic under Node, so drift between the two runtimes is caught without a browser.

Python writes the cases (``tests/golden.py``) and the page's spec at test time, so they follow
the committed model and knowledge base. ``tests/node/check_golden.js`` loads ``logic.js``, the
very file the page embeds, and compares every field. Without Node the Node tests are skipped
locally; in CI (``CI`` set) they fail instead, so they cannot silently stop running.
"""

from __future__ import annotations

import io
import json
import math
import subprocess
from pathlib import Path

import pytest

from bicep_twitch import Predictor
from bicep_twitch.draw.explorer import SCRIPTS, explorer_data, explorer_html
from bicep_twitch.predict.ask import DESCRIBE, DESCRIPTION, Questionnaire, finding_of

from golden import build_golden, differences, node_or_skip, write_golden

HERE = Path(__file__).resolve().parent
CHECK = HERE / "node" / "check_golden.js"
LOGIC = HERE.parent / "src" / "bicep_twitch" / "draw" / "explorer" / "logic.js"


@pytest.fixture(scope="module")
def predictor():
    return Predictor.load()


@pytest.fixture(scope="module")
def golden(predictor):
    return build_golden(predictor)


@pytest.fixture(scope="module")
def files(predictor, golden, tmp_path_factory):
    where = tmp_path_factory.mktemp("golden")
    spec = where / "spec.json"
    spec.write_text(json.dumps(explorer_data(predictor.tree, predictor.kb), allow_nan=False), encoding="utf-8")
    return spec, write_golden(golden, where / "golden.json")


def _run(spec: Path, golden: Path, logic: Path = LOGIC) -> subprocess.CompletedProcess:
    node = node_or_skip("the page's logic against the golden cases")
    return subprocess.run([node, str(CHECK), str(spec), str(golden), str(logic)],
                          capture_output=True, text=True, timeout=300)


def test_the_page_logic_gives_the_golden_cases_under_node(files):
    done = _run(*files)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "golden cases" in done.stdout


def test_the_page_embeds_the_logic_node_checks(predictor):
    html = explorer_html(predictor.tree, predictor.kb)
    assert SCRIPTS[0] == LOGIC.name and LOGIC.read_text(encoding="utf-8") in html


def _mutated_spec(spec: Path, tmp_path: Path, change) -> Path:
    data = json.loads(spec.read_text(encoding="utf-8"))
    change(data)
    out = tmp_path / "mutated-spec.json"
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


def _rule(data, rule_id):
    return next(r for r in data["triage"]["rules"] if r["id"] == rule_id)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: _rule(d, "duration_days").update(code=14.5), id="a rule's threshold"),
        pytest.param(lambda d: _rule(d, "duration_days").update(test="at_most"), id="a rule's test"),
        pytest.param(lambda d: _rule(d, "weakness_sudden").update(code=1.0), id="a rule's choice"),
        pytest.param(lambda d: _rule(d, "stiffness").update(level="urgent"), id="a rule's level"),
        pytest.param(lambda d: _rule(d, "atrophy").update(how_soon="today"), id="a rule's how soon"),
        pytest.param(lambda d: _rule(d, "weakness").update(text="the arm is weak"), id="a rule's words"),
        pytest.param(lambda d: _rule(d, "stiffness").update(unless=None), id="a rule's exception dropped"),
        pytest.param(lambda d: d["triage"]["rules"].pop(), id="a rule left out"),
        pytest.param(lambda d: d["triage"]["exceptions"][0]["all"][1].update(code=2.25), id="the exception's limit"),
        pytest.param(lambda d: d["triage"]["doctor_causes"].update(at_least=0.6), id="the doctor causes' threshold"),
        pytest.param(lambda d: d["triage"]["levels"][1].update(safety_net="See a GP {how_soon}."), id="a safety net"),
        pytest.param(lambda d: d["triage"]["how_soon"].reverse(), id="the order of how soon"),
        pytest.param(lambda d: d["ask"]["emergency"]["implied_no"].pop(), id="what the screen's no answers"),
        pytest.param(lambda d: d["ask"]["emergency"]["findings"].reverse(), id="the screen's details order"),
        pytest.param(lambda d: d["ask"]["follow_ups"].clear(), id="no follow-up after weakness"),
        pytest.param(lambda d: _rule(d, "atrophy").update(found="thin"), id="a rule's short words"),
        pytest.param(lambda d: d["ask"]["screen"].reverse(), id="the screen's order"),
        pytest.param(lambda d: d["tree"]["missing_left"].__setitem__(0, 1 - d["tree"]["missing_left"][0]),
                     id="the tree's way for unknown"),
    ],
)
def test_a_changed_spec_fails_the_golden_cases(files, tmp_path, change):
    spec, golden = files
    done = _run(_mutated_spec(spec, tmp_path, change), golden)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "differs from Python" in done.stdout


@pytest.mark.parametrize(
    "old, new",
    [
        ("more_than: function (x, code) { return x > code; }", "more_than: function (x, code) { return x >= code; }"),
        ("at_most: function (x, code) { return x <= code; }", "at_most: function (x, code) { return x < code; }"),
        ("if (r.unless && holds[r.unless]) { notCounted.push(r.id); return; }", "if (r.unless && holds[r.unless]) { notCounted.push(r.id); }"),
        ("(rank(b[0]) - rank(a[0])) || (a[1] - b[1])", "(a[1] - b[1])"),
        ("dc.causes.forEach(function (c) { p += prob[c]; });", "p = prob[dc.causes[0]];"),
        ("if (stopped || done) {", "if (stopped) {"),
        ("return said.code !== 0 ? [details[0], \"emergency\"] : null;", "return said.code === 1 ? [details[0], \"emergency\"] : null;"),
        ("var ended = mostUrgent(answerOf);", "var ended = false;"),
        ("if (!known.has(fid)) known.set(fid, 0);", "if (!known.has(fid)) known.set(fid, NaN);"),
        ("if (prescriber && cause !== TR.medicines.cause)", "if (prescriber)"),
        ("reason: f.skip[parents[i]][pc !== pc ? \"unknown\" : \"denied\"]", "reason: f.skip[parents[i]].denied"),
        ("if (x !== x) return T.missing_left[node] === 1;", "if (x !== x) return false;"),
        ("if (Math.abs(delta) <= NEGLIGIBLE) return;", "if (Math.abs(delta) <= 0.05) return;"),
        ('if (a.phase !== "description") phaseOf[a.finding] = a.phase;', "phaseOf[a.finding] = a.phase;"),
        ("first[1] !== \"emergency\")) {", "true)) {"),
    ],
    ids=["more than", "at most", "the exception", "most urgent first", "doctor causes together", "done", "screen: don't know asks the details",
         "an emergency ends the questions", "the screen's no is a no", "prescriber advice", "skip words", "unknown goes its way", "negligible reasons",
         "a follow-up after a precondition described", "the description after the screen"],
)
def test_a_changed_page_script_fails_the_golden_cases(files, tmp_path, old, new):
    source = LOGIC.read_text(encoding="utf-8")
    assert source.count(old) == 1, old
    mutated = tmp_path / "logic.js"
    mutated.write_text(source.replace(old, new), encoding="utf-8")
    done = _run(*files, logic=mutated)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "differs from Python" in done.stdout


def test_the_golden_predictions_are_the_batch_paths(predictor, golden):
    """The golden results (one case at a time) are what the batch path gives the same cases."""
    cases = [g["case"] for g in golden["predict"]]
    for g, got in zip(golden["predict"], predictor.predict_many(cases)):
        want = g["result"]
        mine = {"cause": got.cause, "probability": got.probability, "differential": [[c, p] for c, p in got.differential],
                "triage": got.triage, "red_flags": list(got.red_flags), "leaf": got.leaf}
        assert differences({k: want[k] for k in mine}, mine) == [], g["case"]
    assert {"see_doctor", "self_care"} <= {g["result"]["triage"] for g in golden["predict"]}


def test_the_golden_sessions_are_what_the_terminal_asks(predictor, golden):
    """Typed into ``ask``'s questionnaire, each session's answers are asked in the golden order."""
    for session in golden["sessions"]:
        text = session["description"]  # typed, then Enter keeps what was read: those answers are not typed
        typed = "".join(("" if not text else text + "\n") + "\n" if a["finding"] == DESCRIPTION else
                        "" if a["phase"] == DESCRIBE else
                        "done\n" if a["stop"] else "?\n" if a["code"] is None else _typed(predictor, a) + "\n"
                        for a in session["answers"])
        q = Questionnaire(predictor.tree, predictor.kb, stdin=io.StringIO(typed), out=io.StringIO(), describe=text is not None)
        walk = q.run()
        assert [(a.finding, a.asked_for) for a in walk.answers] == \
            [(a["finding"], a["phase"]) for a in session["answers"] if a["finding"] != DESCRIPTION]
        assert q.description == text
        last = session["steps"][-1]
        assert (walk.leaf, walk.path) == (last["leaf"], last["path"])


def _typed(predictor, answer) -> str:
    f = finding_of(predictor.kb, answer["finding"])
    if f.type == "choice":
        return f.choices[int(answer["code"])]
    if f.type == "yes/no":
        return "yes" if answer["code"] == 1 else "no"
    return repr(answer["code"]) if not float(answer["code"]).is_integer() else str(int(answer["code"]))


def test_the_sessions_cover_every_turn_of_the_walk(golden):
    """The golden sessions hold "don't know", "done" in both phases, skipped follow-ups and a screen."""
    answers = [a for s in golden["sessions"] for a in s["answers"]]
    steps = [st for s in golden["sessions"] for st in s["steps"]]
    assert any(a["code"] is None and not a["stop"] for a in answers)
    assert {a["phase"] for a in answers if a["stop"]} == {"emergency", "tree", "safety"}
    assert any(st["emergency"] for st in steps)
    assert any(st["opens_screen"] for st in steps)
    # (A follow-up denied by its precondition is met only if the tree tests it there.)
    assert any("you did not know" in s["reason"] for st in steps for s in st["skipped"])
    assert not any(math.isnan(a["code"]) for a in answers if a["code"] is not None)


def test_the_golden_emergency_sessions_end_within_three_questions_and_a_no_is_one(golden):
    """Held by Node to the page too: the sudden weakness and the dark urine end the questions at the
    third at the latest, with the emergency; a "no" to the screen is one question, then the tree."""
    from golden import SCREEN_CASES

    by_case = {json.dumps(s["case"], sort_keys=True): s for s in golden["sessions"] if "case" in s}
    for case in SCREEN_CASES[:2]:
        session = by_case[json.dumps(case, sort_keys=True)]
        assert session["steps"][-1]["emergency"] and len(session["answers"]) <= 3, session["answers"]
        assert session["answers"][0]["finding"] == "emergency_screen"
    said_no = by_case[json.dumps(SCREEN_CASES[6], sort_keys=True)]
    assert said_no["answers"][0] == {"finding": "emergency_screen", "code": 0.0, "phase": "emergency", "stop": False}
    assert [a["phase"] for a in said_no["answers"]].count("emergency") == 1
    assert not said_no["steps"][-1]["emergency"]
    for walk in golden["walks"]:  # the whole questionnaire, from every golden case
        if walk["walk"]["ended"]:
            assert len(walk["walk"]["emergency"]) <= 3 and not walk["walk"]["questions"] and not walk["walk"]["screen"]
