"""Tests of ``bicep-twitch ask``: the adaptive questionnaire that walks the tree."""

from __future__ import annotations

import io
import json
import math
import os
import select
import signal
import subprocess
import sys
import time
from textwrap import dedent

import pytest

from bicep_twitch.cli.asking import ask
from bicep_twitch.predict.ask import EndOfInput, Questionnaire, answer_hint, walk_tree
from bicep_twitch.core.cases import decode_value, encode_case
from bicep_twitch.core.tree import TreeData, read_tree
from bicep_twitch.core.triage import emergency_screen, rule_follow_ups

# A toy tree over the real findings. Node 0 tests a follow-up finding (hours after the workout),
# so its precondition must be asked first; node 3 tests that precondition again, deeper down.
#
#   0 hours_after_workout <= 2 (unknown: right)
#   |-- 1 leaf exercise_overuse
#   `-- 2 caffeine_cups_per_day <= 4.5 (unknown: left)
#       |-- 3 recent_arm_workout <= 0.5 (unknown: left)
#       |   |-- 4 leaf stress_anxiety
#       |   `-- 5 leaf exercise_overuse
#       `-- 6 leaf caffeine
TOY_CLASSES = ["caffeine", "exercise_overuse", "stress_anxiety"]


SKIP = "\n"  # Enter at the invitation to describe it: ``ask`` asks the questions only
INVITATION = "Describe it in your own words"  # how that invitation starts


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    """The transcripts below are checked line for line: a terminal wide enough that nothing wraps.

    The tests of wrapping give their width explicitly.
    """
    monkeypatch.setenv("COLUMNS", "1000")


def toy_tree(kb) -> TreeData:
    features = list(kb.finding_ids)
    at = features.index
    return TreeData.from_arrays(
        features=features,
        classes=TOY_CLASSES,
        children_left=[1, -1, 3, 4, -1, -1, -1],
        children_right=[2, -1, 6, 5, -1, -1, -1],
        feature=[at("hours_after_workout"), -2, at("caffeine_cups_per_day"), at("recent_arm_workout"), -2, -2, -2],
        threshold=[2.0, -2.0, 4.5, 0.5, -2.0, -2.0, -2.0],
        missing_go_to_left=[False, False, True, True, False, False, False],
        value=[[1 / 3] * 3, [0, 1, 0], [0.4, 0.3, 0.3], [0, 0.5, 0.5], [0, 0, 1], [0, 1, 0], [1, 0, 0]],
        n_samples=[30, 10, 20, 12, 6, 6, 8],
    )


WORKOUT_Q = (
    "Did you do heavy or intense arm training (e.g. curls with heavy weights, many repetitions) "
    "in the last 24 hours? (yes or no, ? if unsure)"
)
HOURS_Q = (
    "How many hours after the end of that workout did it first happen? (0 means during the workout) "
    "(number, 0-72 hours, ? if unsure)"
)
CAFFEINE_Q = "How many cups of coffee, energy drinks or the like a day? (number, 0-30 cups a day, ? if unsure)"


def run_toy(kb, answers: str):
    out = io.StringIO()
    q = Questionnaire(toy_tree(kb), kb, stdin=io.StringIO(answers), out=out, echo=True, screen=False)
    return q, q.run(), out.getvalue()


def test_precondition_asked_first_then_follow_up(kb):
    _, walk, text = run_toy(kb, "yes\n1\n")
    assert text == f"1. {WORKOUT_Q}\n> yes\n2. {HOURS_Q}\n> 1\n"
    assert walk.path == [0, 1]
    assert walk.case(kb) == {"recent_arm_workout": True, "hours_after_workout": 1}


def test_follow_up_not_asked_after_no_and_answer_reused(kb):
    _, walk, text = run_toy(kb, "no\n3\n")
    expected = f"""\
        1. {WORKOUT_Q}
        > no
           (Skipped: 'hours after the workout' applies only if you had a heavy arm workout in the last 24 hours, and you answered no; counted as unknown.)
        2. {CAFFEINE_Q}
        > 3
        """
    assert text == dedent(expected)
    # Node 3 tests recent_arm_workout again: the first answer is reused, not asked twice.
    assert walk.path == [0, 2, 3, 4]
    assert [a.finding for a in walk.answers] == ["recent_arm_workout", "caffeine_cups_per_day"]
    assert [s.finding for s in walk.skipped] == ["hours_after_workout"]
    encode_case(walk.case(kb), kb)  # never a self-contradicting case


def test_junk_answer_is_explained_and_asked_again(kb):
    _, walk, text = run_toy(kb, "maybe\n\n12\nyes\n")
    expected = f"""\
        1. {WORKOUT_Q}
        > maybe
           'maybe' is not an answer to this question: please answer yes or no (? if unsure, why to hear why it is asked).
        > 
           (Skipped: 'hours after the workout' applies only if you had a heavy arm workout in the last 24 hours, and you did not know; counted as unknown.)
        2. {CAFFEINE_Q}
        > 12
        """
    assert text == dedent(expected)
    assert walk.answers[0].rejected == ["maybe"]
    assert walk.path == [0, 2, 6]


@pytest.mark.parametrize("answers", ["?\n?\n", "\n\n", " ? \n  \n"])
def test_dont_know_always_reaches_a_leaf(kb, answers):
    _, walk, _ = run_toy(kb, answers)
    # Unknown workout -> hours skipped (unknown, goes right); unknown caffeine goes left; node 3
    # reuses the unknown workout and goes left.
    assert walk.path == [0, 2, 3, 4]
    assert walk.case(kb) == {"recent_arm_workout": None, "caffeine_cups_per_day": None}


def test_out_of_range_number_and_choice_spelling(kb):
    f = kb.findings["movement"]
    features = list(kb.finding_ids)
    tree = TreeData.from_arrays(
        features=features, classes=["caffeine", "stress_anxiety"],
        children_left=[1, -1, -1], children_right=[2, -1, -1],
        feature=[features.index("movement"), -2, -2], threshold=[0.5, -2.0, -2.0],
        missing_go_to_left=[True, False, False], value=[[0.5, 0.5], [1, 0], [0, 1]], n_samples=[2, 1, 1],
    )
    out = io.StringIO()
    walk = Questionnaire(tree, kb, stdin=io.StringIO("wiggle\nSpasm\n"), out=out, echo=True, screen=False).run()
    assert answer_hint(f) == "(twitch or spasm, ? if unsure)"
    assert "'wiggle' is not an answer to this question: please answer twitch or spasm" in out.getvalue()
    assert walk.case(kb) == {"movement": "spasm"} and walk.leaf == 2


def test_end_of_input_keeps_what_was_asked(kb):
    out = io.StringIO()
    q = Questionnaire(toy_tree(kb), kb, stdin=io.StringIO("yes\n"), out=out, echo=True, screen=False)
    with pytest.raises(EndOfInput, match=r"input ended at question 2 \(hours after the workout\)"):
        q.run()
    assert [a.finding for a in q.walk.answers] == ["recent_arm_workout"]
    assert not q.walk.complete


# --- the real (small) model ---------------------------------------------------------------------


def _candidates(f, cuts):
    """Answers worth trying for a finding: its extremes and the grid values around each cut."""
    if f.type != "number":
        return [float(i) for i in range(2 if f.type == "yes/no" else len(f.choices))]
    values = {f.min, f.max}
    for c in cuts:
        if math.isinf(c):  # an "answered or not" split: any known value goes left
            continue
        below = math.floor(c / f.step) * f.step
        values.update(v for v in (below, below + f.step) if f.min <= v <= f.max)
    return sorted(values)


def answers_reaching(tree, kb, leaf):
    """Answers (finding id -> code) whose walk ends at ``leaf``, preferring known values; or None.

    Derived from the tree alone: each finding on the root-to-leaf path must send every node that
    tests it the way the path goes.
    """
    parent = {}
    for node in range(tree.node_count):
        for child in (tree.children_left[node], tree.children_right[node]):
            if child != -1:
                parent[child] = node
    path = [leaf]
    while path[-1] in parent:
        path.append(parent[path[-1]])
    path.reverse()
    tests = {}
    for node, child in zip(path, path[1:]):
        tests.setdefault(tree.features[tree.feature[node]], []).append((node, child == tree.children_left[node]))
    answers = {}
    for fid, constraints in tests.items():
        f = kb.findings[fid]
        options = _candidates(f, [tree.threshold[n] for n, _ in constraints]) + [math.nan]
        fitting = [x for x in options if all(tree.goes_left(n, x) == left for n, left in constraints)]
        if not fitting:
            return None
        answers[fid] = fitting[0]
    for fid in list(answers):  # a follow-up answered only after its precondition holds
        for pid, wanted in kb.findings[fid].requires.items():
            if math.isnan(answers[fid]):
                continue
            if pid not in answers:
                answers[pid] = float(wanted)  # not tested on the path: asked first, answered yes
            elif answers[pid] != float(wanted):
                return None
    return path, answers


def stdin_for(tree, kb, path, answers, *, screen=True):
    """The answer lines in the order the questionnaire asks: path order, precondition first (and
    with the screens on, a rule's follow-up right after its precondition's yes, and nothing for the
    signs the emergency screen's "no" already answered)."""
    lines, done = [], set(emergency_screen(kb)["implied_no"]) if screen else set()

    def say(fid):
        if fid in done:
            return
        done.add(fid)
        f = kb.findings[fid]
        for pid, wanted in f.requires.items():
            say(pid)
            if answers.get(pid, math.nan) != float(wanted):
                return  # skipped, not asked
        value = decode_value(f, answers.get(fid, math.nan))
        lines.append("?" if value is None else str(value).lower())  # True -> "true"
        for follow in rule_follow_ups(kb) if screen else ():  # how the weakness came on: right after its yes
            if fid in kb.findings[follow].requires and answers.get(fid) == 1.0:
                say(follow)

    for node in path[:-1]:
        say(tree.features[tree.feature[node]])
    return "".join(line + "\n" for line in lines)


@pytest.fixture(scope="module")
def model_tree(small_model):
    return read_tree(small_model / "bicep_twitch_tree.tree.json")


@pytest.fixture(scope="module")
def walks_by_cause(model_tree, kb):
    """For each cause the tree predicts, the biggest leaf reachable with consistent answers."""
    tree = model_tree
    found = {}
    for leaf in sorted(tree.leaves(), key=lambda n: -tree.n_samples[n]):
        dist = tree.value[leaf]
        cause = tree.classes[max(range(len(dist)), key=dist.__getitem__)]
        if cause in found:
            continue
        derived = answers_reaching(tree, kb, leaf)
        if derived is not None:
            found[cause] = (leaf, *derived)
    return found


def test_full_walks_reach_leaves_of_several_causes(model_tree, kb, walks_by_cause):
    assert len(walks_by_cause) >= 5, sorted(walks_by_cause)
    for cause, (leaf, path, answers) in walks_by_cause.items():
        stdin = io.StringIO(stdin_for(model_tree, kb, path, answers, screen=False))
        walk = Questionnaire(model_tree, kb, stdin=stdin, out=io.StringIO(), echo=True, screen=False).run()
        assert walk.leaf == leaf, cause
        assert walk.path == path
        assert stdin.read() == ""  # every answer line was used: exactly the expected questions
        assert len({a.finding for a in walk.answers}) == len(walk.answers)  # each asked once
        assert model_tree.decision_path(encode_case(walk.case(kb), kb))[-1] == leaf


def test_walk_equals_tree_path_on_generated_cases(model_tree, kb):
    from bicep_twitch.data.generate import generate_encoded

    X, _ = generate_encoded(3000, seed=11, stream=1)
    at = {fid: j for j, fid in enumerate(kb.finding_ids)}
    for row in X.tolist():
        walk = walk_tree(model_tree, kb, lambda f: row[at[f.id]])
        assert walk.path == model_tree.decision_path(row)
        assert model_tree.decision_path(encode_case(walk.case(kb), kb)) == walk.path
        asked = [a.finding for a in walk.answers]
        assert len(asked) == len(set(asked)) <= model_tree.depth() + 1


# --- the command ----------------------------------------------------------------------------------


# "Don't know" to every safety question the tree's path left (there are fewer than twenty).
SCREEN_UNKNOWN = "?\n" * 20
# "No" to the emergency screen's one question, asked first.
SCREEN_NO = "no\n"


def ask_cli(model, stdin, *args):
    return subprocess.run(
        [sys.executable, "-m", "bicep_twitch", "ask", "--model", str(model), *args],
        input=stdin, capture_output=True, text=True, timeout=60,
    )


@pytest.fixture(scope="module")
def predictor(small_model):
    from bicep_twitch.predict.predictor import Predictor

    return Predictor.load(small_model)


def _screen_no_walks(kb, walks_by_cause):
    """The walks a person who says "no" to the emergency screen can take: each sign it covers is
    answered no on the path, or not tested there (a yes or "don't know" the "no" would overrule)."""
    implied = emergency_screen(kb)["implied_no"]
    return [(c, w) for c, w in sorted(walks_by_cause.items()) if all(w[2].get(fid, 0.0) == 0.0 for fid in implied)]


def test_cli_json_result_equals_predict(small_model, model_tree, kb, walks_by_cause, predictor):
    cause, (leaf, path, answers) = _screen_no_walks(kb, walks_by_cause)[0]
    proc = ask_cli(small_model, "junk\n" + SCREEN_NO + SKIP + stdin_for(model_tree, kb, path, answers) + SCREEN_UNKNOWN, "--json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)  # stdout holds only the JSON; the questions went to stderr
    assert "please answer" in proc.stderr and "1. " in proc.stderr
    assert record["questions"][0]["rejected"] == ["junk"]
    expected = predictor.predict(record["case"]).to_dict()
    assert record["result"] == json.loads(json.dumps(expected))
    assert record["result"]["cause"] == cause
    assert record["result"]["leaf"] == leaf
    # The screen's "no" is recorded once, as asked, and counts as no for each sign it fully covers.
    assert record["questions"][0]["finding"] == "emergency_screen" and record["questions"][0]["value"] is False
    implied = emergency_screen(kb)["implied_no"]
    assert list(record["case"]) == implied + [q["finding"] for q in record["questions"][1:]]
    assert all(record["case"][fid] is False for fid in implied)


def test_cli_text_result_is_what_predict_prints(small_model, model_tree, kb, walks_by_cause, predictor):
    from bicep_twitch.predict.result import format_result_text

    cause, (leaf, path, answers) = _screen_no_walks(kb, walks_by_cause)[-1]
    stdin = SCREEN_NO + SKIP + stdin_for(model_tree, kb, path, answers) + SCREEN_UNKNOWN
    proc = ask_cli(small_model, stdin)
    assert proc.returncode == 0, proc.stderr
    walk = Questionnaire(model_tree, kb, stdin=io.StringIO(stdin), out=io.StringIO(), describe=True).run()
    result = predictor.predict(walk.case(kb))
    assert result.cause == cause
    assert proc.stdout.endswith(format_result_text(result).rstrip("\n") + "\n")
    assert proc.stdout.count(" ? if unsure)") == len(walk.answers)


def test_cli_end_of_input_exits_2(small_model):
    # The emergency screen is question 1; the description comes right after it, then question 2.
    proc = ask_cli(small_model, "")
    assert proc.returncode == 2
    assert proc.stderr.startswith("bicep-twitch ask: input ended at question 1")
    proc = ask_cli(small_model, SCREEN_NO)
    assert proc.returncode == 2 and proc.stderr.startswith("bicep-twitch ask: input ended at the description")
    proc = ask_cli(small_model, SCREEN_NO + SKIP)
    assert proc.returncode == 2 and proc.stderr.startswith("bicep-twitch ask: input ended at question 2")
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_cli_ctrl_c_exits_130(small_model):
    proc = subprocess.Popen(
        [sys.executable, "-m", "bicep_twitch", "ask", "--model", str(small_model)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        # A run started in the background (CI, `make test &`) inherits SIGINT ignored, and Python
        # then leaves it ignored: give the child the disposition a terminal gives it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    seen = b""
    deadline = time.monotonic() + 30
    while not seen.endswith(b"> ") and time.monotonic() < deadline:  # wait for the first prompt
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
    assert seen.endswith(b"> "), seen
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.decode().strip() == "bicep-twitch ask: interrupted after 0 answers; no result"


def test_done_stops_the_tree_questions_and_the_safety_screen_still_asks(small_model):
    from bicep_twitch.core.triage import screening_findings as safety_findings
    from bicep_twitch.predict.predictor import Predictor

    predictor = Predictor.load(small_model)
    first = predictor.kb.findings[predictor.tree.features[predictor.tree.feature[0]]]
    implied = emergency_screen(predictor.kb)["implied_no"]
    safety = [fid for fid in safety_findings(predictor.kb) if fid != first.id and fid not in implied]
    out, result_out, err = io.StringIO(), io.StringIO(), io.StringIO()
    lines = ["no" if predictor.kb.findings[fid].type == "yes/no" else "3" for fid in safety]
    stdin = io.StringIO(SCREEN_NO + SKIP + "done\n" + "".join(line + "\n" for line in lines))
    status = ask(predictor, stdin=stdin, out=out, result_out=result_out, err=err, as_json=True)
    assert status == 0 and err.getvalue() == ""
    record = json.loads(result_out.getvalue())
    # The question "done" answered, then only the safety questions; the tree asks nothing more.
    assert [q["finding"] for q in record["questions"]] == ["emergency_screen", first.id, *safety]
    assert record["questions"][1]["value"] is None
    assert all(q["asked_for"] == "safety" and q["value"] in (False, 3) for q in record["questions"][2:])
    assert record["result"] == predictor.predict(record["case"]).to_dict()
    assert "(No more questions about the path" in out.getvalue()
    assert record["safety_unknown"] == ([first.id] if first.id in safety_findings(predictor.kb) else [])


def test_done_at_a_safety_question_stops_everything_and_says_what_stayed_unknown(kb):
    from bicep_twitch.core.triage import screening_findings as safety_findings

    tree = toy_tree(kb)
    out = io.StringIO()
    q = Questionnaire(tree, kb, stdin=io.StringIO(SCREEN_NO + "no\n3\nno\ndone\n"), out=out, echo=True)
    walk = q.run()
    asked = [a.finding for a in walk.answers]
    screen = [fid for fid in safety_findings(kb) if fid not in emergency_screen(kb)["implied_no"]]
    assert asked == ["emergency_screen", "recent_arm_workout", "caffeine_cups_per_day", screen[0], screen[1]]
    assert q.safety_unknown() == list(screen[1:])


# --- the safety screen, answers given up front, why ------------------------------------------------


def one_cut_tree(kb, finding: str, cut: float) -> TreeData:
    """A tree of one question: ``finding`` up to ``cut`` (or unknown) left, else right."""
    features = list(kb.finding_ids)
    return TreeData.from_arrays(
        features=features, classes=["caffeine", "stress_anxiety"],
        children_left=[1, -1, -1], children_right=[2, -1, -1],
        feature=[features.index(finding), -2, -2], threshold=[cut, -2.0, -2.0],
        missing_go_to_left=[True, False, False], value=[[0.5, 0.5], [0.1, 0.9], [0.9, 0.1]], n_samples=[2, 1, 1],
    )


def caffeine_tree(kb) -> TreeData:
    return one_cut_tree(kb, "caffeine_cups_per_day", 4.5)


def test_the_safety_screen_asks_each_red_flag_and_medicine_when_nothing_else_did(kb):
    from bicep_twitch.core.triage import screening_findings as safety_findings

    screen = safety_findings(kb)
    # Every finding a rule reads, but follow-ups (how the weakness came on is asked after a yes).
    assert set(screen) == {flag.finding for flag in kb.red_flags if not kb.findings[flag.finding].requires} | {
        "takes_corticosteroid", "takes_diuretic", "takes_synthetic_estrogen"}
    out = io.StringIO()
    q = Questionnaire(caffeine_tree(kb), kb, stdin=io.StringIO("?\n" + "?\n" * 5 + "7\n" + "?\n" * len(screen)), out=out, echo=True)
    walk = q.run()
    # "Don't know" to the emergency screen: each sign it lists is asked, then the tree, then the rest.
    details = emergency_screen(kb)["findings"]
    assert [a.finding for a in walk.answers] == ["emergency_screen", *details, "caffeine_cups_per_day",
                                                 *[fid for fid in screen if fid not in details]]
    for fid in screen:
        assert f". {kb.findings[fid].question} " in out.getvalue()
    assert q.safety_unknown() == list(screen)
    assert walk.leaf == 2


class Person:
    """A stdin that answers like a person: "yes" to the questions named, "?" to every other."""

    def __init__(self, out: io.StringIO, kb, yes: set[str]):
        self.out, self.questions = out, {kb.findings[fid].question for fid in yes}

    def readline(self, size: int = -1) -> str:
        asked = [line for line in self.out.getvalue().splitlines() if "? if unsure)" in line or line.startswith(INVITATION)]
        last = asked[-1]
        if last.startswith(INVITATION):
            return SKIP  # the invitation to describe it (after the emergency screen): skipped
        return "yes\n" if any(q in last for q in self.questions) else "?\n"


def test_a_person_on_prednisone_who_answers_dont_know_elsewhere_is_asked_about_medicines(kb):
    from bicep_twitch.predict.predictor import Predictor

    predictor = Predictor.load()  # the shipped model, whatever its path
    out, result_out, err = io.StringIO(), io.StringIO(), io.StringIO()
    status = ask(predictor, stdin=Person(out, kb, {"takes_corticosteroid"}), out=out, result_out=result_out,
                 err=err, as_json=True)
    assert status == 0, err.getvalue()
    record = json.loads(result_out.getvalue())
    asked = [q["finding"] for q in record["questions"]]
    assert {"takes_corticosteroid", "takes_diuretic", "takes_synthetic_estrogen"} <= set(asked)
    assert record["case"]["takes_corticosteroid"] is True
    assert record["result"] == json.loads(json.dumps(predictor.predict(record["case"]).to_dict()))
    assert "takes_corticosteroid" not in record["safety_unknown"]
    assert f"{len(asked)} questions asked: 1 answered, {len(asked) - 1} unknown" in out.getvalue()


def test_ask_case_never_asks_what_was_given(small_model):
    given = {"weakness": False, "takes_corticosteroid": True, "caffeine_cups_per_day": 2, "hours_after_workout": 1,
             "movement": "spasm", "duration_days": 2}
    proc = ask_cli(small_model, SCREEN_NO + SKIP + "?\n" * 30, "--json", "--case", json.dumps(given))
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    asked = {q["finding"] for q in record["questions"]}
    # hours after a workout implies the workout: not asked either, and never contradicted.
    assert not asked & (set(given) | {"recent_arm_workout"})
    assert record["given"] == {**given, "recent_arm_workout": True}
    assert {k: record["case"][k] for k in record["given"]} == record["given"]
    assert "6 answers given up front" not in proc.stderr and "7 answers given up front" in proc.stderr
    bad = ask_cli(small_model, "", "--case", '{"weakness": "maybe"}')
    assert bad.returncode == 2 and "'weakness' must be true or false" in bad.stderr


def test_why_names_the_causes_a_question_separates(kb):
    out = io.StringIO()
    screen_answers = "?\n" * 20
    q = Questionnaire(caffeine_tree(kb), kb, stdin=io.StringIO(SCREEN_NO + "why\n7\nwhy\n" + screen_answers), out=out, echo=True)
    q.run()
    text = out.getvalue()
    first_why = text.split("> why\n")[1]
    assert first_why.startswith("   Why this question: given your answers so far, it separates these causes most:")
    assert "Too much caffeine:" in first_why.split("> 7")[0]
    # The first safety question (a red flag) says so, and names the causes it moves.
    second_why = text.split("> why\n")[2]
    assert "It is also a safety question: if" in second_why
    assert any(c.label in second_why for c in kb.causes.values())
    assert [a.finding for a in q.walk.answers][1] == "caffeine_cups_per_day"  # "why" is not an answer


def test_typed_escape_sequences_are_shown_not_played(kb):
    # An answer with a terminal escape sequence is echoed and quoted escaped, and cut to a readable length.
    out = io.StringIO()
    junk = "\x1b[2J\x1b[31m" + "x" * 200
    q = Questionnaire(caffeine_tree(kb), kb, stdin=io.StringIO(SCREEN_NO + junk + "\n7\n" + "?\n" * 20), out=out, echo=True)
    q.run()
    text = out.getvalue()
    assert "\x1b" not in text
    assert "\\x1b[2J\\x1b[31m" in text
    assert f"... ({len(junk)} characters) is not a number" in text  # the message quotes a readable part


# --- the description, back, answers in words and units, wrapping -------------------------------------

WORKOUT_AND_COFFEE = "did heavy curls this morning, about 5 coffees a day\n"


def run_described(kb, answers: str, tree=None, **kw):
    out = io.StringIO()
    q = Questionnaire(tree or toy_tree(kb), kb, stdin=io.StringIO(answers), out=out, echo=True, screen=False,
                      describe=True, **kw)
    return q, q.run(), out.getvalue()


def test_a_description_is_shown_line_by_line_and_what_is_kept_is_not_asked(kb):
    # Read: the workout (yes) and 5 coffees; kept as read. The root asks hours after the workout,
    # its precondition already known; caffeine is never asked.
    q, walk, text = run_described(kb, WORKOUT_AND_COFFEE + "\n" + "2 hours\n")
    assert text.startswith("Describe it in your own words, or press Enter to skip")
    assert '1. recent_arm_workout: yes (from "heavy curls this morning")' in text
    assert '2. caffeine_cups_per_day: 5 (from "about 5 coffees a day")' in text
    assert "Is that right? Press Enter to accept" in text
    assert walk.case(kb) == {"recent_arm_workout": True, "caffeine_cups_per_day": 5, "hours_after_workout": 2}
    assert [(a.finding, a.asked_for) for a in walk.answers] == [
        ("recent_arm_workout", "description"), ("caffeine_cups_per_day", "description"), ("hours_after_workout", "tree")]
    assert text.count("? if unsure)") == 1 and "\n1. How many hours after" in text  # one question asked
    assert walk.leaf == 1  # 2 hours after the workout: the tree's left leaf


def test_a_line_removed_from_the_description_is_asked(kb):
    q, walk, text = run_described(kb, WORKOUT_AND_COFFEE + "7\n2\n\n" + "5\n" + "3 cups a day\n")
    assert "'7' is not a line number: type numbers from 1 to 2" in text
    after = text.split("> 2\n", 1)[1]
    assert "caffeine_cups_per_day" not in after.split("Is that right?")[0]  # shown again without it
    assert walk.case(kb) == {"recent_arm_workout": True, "hours_after_workout": 5, "caffeine_cups_per_day": 3}
    assert [a.asked_for for a in walk.answers] == ["description", "tree", "tree"]
    assert "(Read as 3 cups a day.)" in text


def test_nothing_read_or_enter_goes_to_the_questions(kb):
    for first in ("\n", "hello\n"):
        q, walk, text = run_described(kb, first + "no\n?\n")
        assert walk.case(kb) == {"recent_arm_workout": False, "caffeine_cups_per_day": None}
        assert ("I could not read any answer from that" in text) == (first == "hello\n")


def test_back_takes_answers_back_through_the_description_to_the_description(kb):
    # Kept: workout and coffee. "back" at the root's question takes the coffee back, then the
    # workout, then the description itself; the new description is read and the walk goes on.
    answers = WORKOUT_AND_COFFEE + "\n" + "back\n" * 3 + "I had arm day today, no weakness\n\n" + "1\n"
    q, walk, text = run_described(kb, answers)
    assert "(Taken back: caffeine_cups_per_day: 5, read from your description.)" in text
    assert "(Taken back: recent_arm_workout: yes, read from your description.)" in text
    assert "(Taken back: your description. Describe it again, or press Enter to skip.)" in text
    assert walk.case(kb) == {"recent_arm_workout": True, "weakness": False, "hours_after_workout": 1}
    assert [a.asked_for for a in walk.answers] == ["description", "description", "tree"]


def test_back_at_a_question_asks_the_one_before_again(kb):
    out = io.StringIO()
    q = Questionnaire(toy_tree(kb), kb, stdin=io.StringIO("back\nyes\nback\nno\nback\nback\nyes\n1\n"), out=out,
                      echo=True, screen=False)
    walk = q.run()
    text = out.getvalue()
    # back at the first question: nothing to take back; after "yes" and after "no": that answer.
    assert text.count("(Nothing to take back yet.)") == 2
    assert text.count("(Taken back: your answer 'yes'") == 1 and text.count("(Taken back: your answer 'no'") == 1
    assert walk.case(kb) == {"recent_arm_workout": True, "hours_after_workout": 1}
    assert walk.leaf == 1 and walk.skipped == []


@pytest.mark.parametrize("typed, value", [("y", True), ("Y", True), ("yeah", True), ("n", False), ("N", False),
                                          ("nope", False), ("No", False)])
def test_yes_and_no_in_short_words(kb, typed, value):
    _, walk, _ = run_toy(kb, f"{typed}\n" + ("1\n" if value else "?\n"))
    assert walk.case(kb)["recent_arm_workout"] is value


def duration_tree(kb) -> TreeData:
    return one_cut_tree(kb, "duration_days", 14.0)


@pytest.mark.parametrize("typed, days", [("3 weeks", 21), ("2 hours", 2 / 24), ("half a day", 0.5),
                                         ("a fortnight", 14), ("two months", 60), ("5-6 days", 5.5)])
def test_a_duration_in_the_units_people_use(kb, typed, days):
    out = io.StringIO()
    walk = Questionnaire(duration_tree(kb), kb, stdin=io.StringIO(typed + "\n"), out=out, echo=True,
                         screen=False).run()
    assert walk.case(kb)["duration_days"] == pytest.approx(days)
    assert "(Read as " in out.getvalue()


def test_a_unit_of_the_wrong_kind_is_refused_naming_the_units_allowed(kb):
    out = io.StringIO()
    walk = Questionnaire(duration_tree(kb), kb, stdin=io.StringIO("3 kg\n11 years\n3 weeks\n"), out=out,
                         echo=True, screen=False).run()
    text = out.getvalue()
    assert ("'3 kg': 'kg' is not a unit of this question: please answer a number from 0 to 3650 days, or a number "
            "with hours, days, weeks, fortnights, months or years") in text
    assert "'11 years' is 4015 days, more than 3650 days" in text
    assert walk.answers[0].rejected == ["3 kg", "11 years"] and walk.case(kb) == {"duration_days": 21}


def test_wrapped_to_the_width_never_inside_a_word(kb):
    out = io.StringIO()
    q = Questionnaire(toy_tree(kb), kb, stdin=io.StringIO("maybe\nyes\nlots\n2\n"), out=out, echo=True,
                      screen=False, width=40)
    q.run()
    text = out.getvalue()
    wide = io.StringIO()
    Questionnaire(toy_tree(kb), kb, stdin=io.StringIO("maybe\nyes\nlots\n2\n"), out=wide, echo=True,
                  screen=False, width=10_000).run()
    assert max(len(line) for line in text.splitlines()) <= 40
    assert max(len(line) for line in wide.getvalue().splitlines()) > 80
    assert text.split() == wide.getvalue().split()  # the same words, none cut: only the breaks moved
    assert "\n   " in text.split("1. ")[1].split("> ")[0]  # a question goes on under its own text


def test_cli_reads_a_description_and_reports_it(small_model, predictor):
    text = "bicep twitching for 3 weeks, no weakness, 2 coffees a day\n"
    proc = ask_cli(small_model, SCREEN_NO + text + "\n" + "?\n" * 40, "--json")  # the screen first, then the description
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    read = [q for q in record["questions"] if q["asked_for"] == "description"]
    assert {q["finding"]: q["value"] for q in read} == {
        "movement": "twitch", "duration_days": 21, "weakness": False, "caffeine_cups_per_day": 2}
    assert {q["finding"]: q["answer"] for q in read}["duration_days"] == "for 3 weeks"
    assert not {q["finding"] for q in record["questions"] if q["asked_for"] != "description"} & {q["finding"] for q in read}
    assert record["result"] == json.loads(json.dumps(predictor.predict(record["case"]).to_dict()))
    assert "4 read from your description" in proc.stderr
    assert record["description"] == text.strip()


def test_a_follow_up_read_from_the_description_keeps_its_precondition(kb):
    # "2 hours after my workout" says there was a workout: kept as yes, so the case never
    # contradicts itself when the tree would ask about the workout.
    q, walk, text = run_described(kb, "bicep twitching started 2 hours after my workout\n\n")
    assert walk.case(kb) == {"movement": "twitch", "recent_arm_workout": True, "hours_after_workout": 2}
    assert "(hours_after_workout implies that you" in text
    # The reader takes both the hours and "no gym" from this one: the follow-up is left out, never contradicted.
    q, walk, text = run_described(kb, "twitching 2 hours after my workout. no gym in 5 days\n\n?\n")
    assert "(hours_after_workout left out: it applies only when recent_arm_workout is yes.)" in text
    assert walk.case(kb) == {"movement": "twitch", "recent_arm_workout": False, "caffeine_cups_per_day": None}


# --- the emergency screen, first ---------------------------------------------------------------------


def _ask_shipped(typed: str):
    from bicep_twitch.predict.predictor import Predictor

    predictor = Predictor.load()
    out, result_out, err = io.StringIO(), io.StringIO(), io.StringIO()
    status = ask(predictor, stdin=io.StringIO(typed), out=out, result_out=result_out, err=err, as_json=True)
    assert status == 0, err.getvalue()
    return predictor, out.getvalue(), json.loads(result_out.getvalue())


@pytest.mark.parametrize("typed, sign", [("yes\nyes\nsudden\n", "weakness_onset"),
                                         ("yes\nno\nyes\n", "dark_urine_after_exercise")],
                         ids=["sudden weakness", "dark urine after exercise"])
def test_an_emergency_hears_call_the_emergency_number_within_three_questions(kb, typed, sign):
    predictor, out, record = _ask_shipped(typed)
    assert [q["asked_for"] for q in record["questions"]] == ["emergency"] * 3
    assert record["questions"][0]["finding"] == "emergency_screen"
    assert record["result"]["triage"] == "emergency" and sign in record["result"]["red_flags"]
    assert "No more questions: Call 999 (UK), 112 (EU) or 911 (US), or your local emergency number, now." in out
    assert out.index("Does any of these apply now: the arm became weak suddenly") < out.index("No more questions")
    assert "safety question" not in out.split("No more questions")[1]  # nothing buries the call to action
    # The text result leads with the call to action, before any cause.
    text = predictor.predict(record["case"]).text()
    assert text.startswith("What to do: call 999 (UK), 112 (EU) or 911 (US), or your local emergency number, now")
    assert text.index("Safety net:") < text.index("Most likely:")


def test_a_no_to_the_emergency_screen_is_one_question_and_answers_each_sign(kb):
    predictor, out, record = _ask_shipped("no\n" + SKIP + "?\n" * 40)
    phases = [q["asked_for"] for q in record["questions"]]
    assert phases.count("emergency") == 1 and phases[0] == "emergency" and phases[1] == "tree"
    asked = {q["finding"] for q in record["questions"]}
    for fid in emergency_screen(kb)["implied_no"]:  # never asked again, recorded as the person's no
        assert fid not in asked and record["case"][fid] is False
    assert "weakness" in asked  # only its sudden or fast form was on the screen: asked later
    assert record["result"]["triage"] != "emergency"


def test_an_urgent_sign_on_the_screen_goes_on_and_the_result_leads_with_today(kb):
    predictor, out, record = _ask_shipped("yes\nno\nno\nyes\n?\n?\n" + SKIP + "?\n" * 40)
    assert [q["finding"] for q in record["questions"][:4]] == ["emergency_screen", "weakness",
                                                               "dark_urine_after_exercise", "trouble_swallowing_or_speaking"]
    assert record["result"]["triage"] == "urgent" and len(record["questions"]) > 6
    text = predictor.predict(record["case"]).text()
    assert text.startswith("What to do: get medical advice today, because:")


def test_how_the_weakness_came_on_is_asked_right_after_a_yes_to_weakness(kb):
    # "Don't know" to the screen, then yes only to weakness: how it came on comes next, then the rest.
    from bicep_twitch.predict.predictor import Predictor

    predictor = Predictor.load()
    out, result_out, err = io.StringIO(), io.StringIO(), io.StringIO()
    status = ask(predictor, stdin=Person(out, kb, {"weakness"}), out=out, result_out=result_out, err=err, as_json=True)
    assert status == 0, err.getvalue()
    found = [q["finding"] for q in json.loads(result_out.getvalue())["questions"]]
    assert found[:3] == ["emergency_screen", "weakness", "weakness_onset"]
    assert found[3] == "dark_urine_after_exercise"  # the screen's details go on after the follow-up


def test_the_safety_reminder_says_each_rule_s_level_and_how_soon(kb):
    predictor, out, record = _ask_shipped("?\n" * 6 + SKIP + "?\n" * 80)  # the screen and its five signs
    assert "See a doctor if any of these applies" not in out
    assert f"{len(record['safety_unknown'])} safety questions stayed unknown. If any of these applies, act on it: " in out
    assert "the arm became weak suddenly, within minutes to hours: call 999 (UK), 112 (EU) or 911 (US)" in out
    assert "new trouble swallowing, or slurred or changed speech: get medical advice today" in out
    assert "episodes for more than 14 days: see a doctor within 2 weeks" in out
