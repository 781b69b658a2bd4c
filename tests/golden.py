"""Golden cases: inputs and every output field Python gives, for the page's logic to be held to.

``build_golden(predictor)`` plays cases through Python: ``predict`` (cause, differential, every
triage field: level, red flags, the reasons with level, how soon and source, how soon, the safety
net, the rules not counted, what to do, the advice; the reasons for and against, the path's
answers, the open questions) on generated cases, every triage rule on its boundary and the
after-training exception on its; bad cases (the error message); whole questionnaires answered from
a case (the emergency screen, whether it ended them, the safety questions left unknown and the
reminder); and the questionnaire's next step after every answer of some scripted sessions (the
emergency screen's yes, no and "don't know", an emergency ending it, "don't know", "done" in every
phase, follow-ups skipped). ``tests/test_golden.py`` writes them to a
file at test time (so they follow the committed model and knowledge base), checks them against
Python's other paths (the batch predictor, the terminal questionnaire) and runs
``tests/node/check_golden.js``, which checks the page's own ``logic.js`` against the file under Node.

To look at them: ``python tests/golden.py OUT.json``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
# Relative tolerance for probabilities and odds: the page adds the same doubles in the same order,
# but Math.exp and math.exp may differ in the last bit.
REL_TOL = 1e-9

# People as the emergency screen meets them (the sessions and walks play each).
SCREEN_CASES = [
    {"weakness": True, "weakness_onset": "sudden"},
    {"dark_urine_after_exercise": True, "weakness": False},
    {"weakness": True, "weakness_onset": "days", "caffeine_cups_per_day": 4},
    {"trouble_swallowing_or_speaking": True, "short_of_breath": True},
    {"stopped_drinking_recently": True, "alcohol_drinks_per_day": 8},
    {"dark_urine_after_exercise": False, "trouble_swallowing_or_speaking": False, "short_of_breath": False,
     "stopped_drinking_recently": False, "weakness": True, "weakness_onset": "sudden"},
    {"dark_urine_after_exercise": False, "trouble_swallowing_or_speaking": False, "short_of_breath": False,
     "stopped_drinking_recently": False, "caffeine_cups_per_day": 6, "weakness": False},
    {"recent_arm_workout": True, "duration_days": 1, "weakness": True, "weakness_onset": "months"},
]
# People who describe it in their own words (the sessions play each: the case answers the questions,
# the emergency screen as the third item says when given: a "no" from someone who then writes of weakness).
DESCRIBED = [
    ({"weakness_onset": "sudden"}, "my arm feels weak", 0.0),
    ({"weakness_onset": "months", "caffeine_cups_per_day": 2}, "bicep twitching for 3 weeks, weak arm", 0.0),
    ({"trouble_swallowing_or_speaking": True, "movement": "twitch"}, "twitching for 2 days, 5 coffees a day", None),
    ({"weakness": False, "duration_days": 3}, "", None),
]
BAD_CASES = [
    {"stress_level": 11},
    {"stress_level": "high"},
    {"weakness": 1},
    {"movement": "cramp"},
    {"recent_arm_workout": False, "hours_after_workout": 3},
    {"caffeine_cups_per_day": 2.5, "sleep_hours": -1},
    {"sleep_hours": None, "alcohol_drinks_per_day": True},
    [],
]
# Every red flag and medicine on its own, either side of the duration rule's boundary, and nothing known.
EDGE_CASES = [
    {"weakness": True}, {"atrophy": True}, {"stiffness": True}, {"numbness_tingling": True},
    {"duration_days": 14}, {"duration_days": 14.25}, {"takes_corticosteroid": True},
    {"takes_diuretic": True, "movement": "spasm"}, {"takes_synthetic_estrogen": True}, {},
    # a follow-up given alone implies its precondition: walked and predicted with the parent set
    {"hours_after_workout": 2}, {"weakness_onset": "months"},
    # a medicine flagged where the medicine itself is the likely cause: no second prescriber advice
    {"recent_arm_workout": False, "other_muscles_affected": False, "weakness": False, "excessive_sweating": False,
     "takes_diuretic": True},
]


def node_or_skip(checked: str) -> str:
    """The Node executable; without one, skip (fail on CI, which must run ``checked`` under Node)."""
    import os
    import shutil

    import pytest

    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"no node on PATH; CI must check {checked} under Node")
        pytest.skip(f"no node on PATH: {checked} is not checked")
    return node


def rule_edge_cases(kb) -> list[dict]:
    """Every triage rule on its boundary: an answer that just passes its test and one that just fails
    it (a follow-up with its precondition), and the after-training exception on its boundary."""
    from bicep_twitch.core.triage import finding_rules

    out: list[dict] = []
    for r in finding_rules(kb):
        f = kb.findings[r.finding]
        with_parents = {p: bool(wanted) for p, wanted in f.requires.items()}
        if r.rule == "yes":
            sides = [True, False]
        elif r.rule == "equals":
            sides = [r.value, next(c for c in f.choices if c != r.value)]
        else:  # more_than / at_most a number: on the value, and one step above it
            sides = [r.value, r.value + f.step]
        out += [{**with_parents, r.finding: side} for side in sides]
    for e in kb.triage_exceptions.values():
        waived = [r for r in finding_rules(kb) if r.unless == e.id]
        limit = next(c for c in e.conditions if c.rule == "at_most")
        step = kb.findings[limit.finding].step
        for r in waived:
            for days in (limit.value, limit.value + step):  # the exception holds, then just does not
                out.append({"recent_arm_workout": True, limit.finding: days, r.finding: True})
            out.append({"recent_arm_workout": False, limit.finding: limit.value, r.finding: True})
        # the exception never waives another rule: sudden weakness after training stays an emergency
        out.append({"recent_arm_workout": True, limit.finding: limit.value, "weakness": True, "weakness_onset": "sudden"})
    return out


def case_reaching(predictor, leaf: int) -> dict | None:
    """A case whose walk ends at ``leaf`` (unknown where the tree lets it be), or None if none is found."""
    from bicep_twitch.core.cases import decode_value

    tree, kb = predictor.tree, predictor.kb
    parent = {c: n for n in range(tree.node_count) for c in (tree.children_left[n], tree.children_right[n]) if c >= 0}
    path = [leaf]
    while path[0] != 0:
        path.insert(0, parent[path[0]])
    bounds: dict[str, list[float]] = {}
    unknown_ok: dict[str, bool] = {}
    for node, nxt in zip(path, path[1:]):
        fid = tree.features[tree.feature[node]]
        left = nxt == tree.children_left[node]
        lo, hi = bounds.setdefault(fid, [-math.inf, math.inf])
        bounds[fid] = [lo, min(hi, tree.cut[node])] if left else [max(lo, tree.cut[node]), hi]
        unknown_ok[fid] = unknown_ok.get(fid, True) and left == bool(tree.missing_go_to_left[node])
    row = [math.nan] * len(kb.finding_ids)
    for fid, (lo, hi) in bounds.items():
        if unknown_ok[fid]:
            continue
        f = kb.findings[fid]
        x = hi if lo == -math.inf else math.floor(lo) + 1 if hi == math.inf else (lo + hi) / 2
        if f.type != "number":
            x = float(math.floor(hi)) if lo == -math.inf else float(math.floor(lo) + 1)
        row[kb.finding_ids.index(fid)] = x
    for fid in list(bounds):  # a follow-up given implies its precondition
        for parent in kb.findings[fid].requires:
            j = kb.finding_ids.index(parent)
            if not unknown_ok[fid] and math.isnan(row[j]):
                row[j] = 1.0
    if tree.decision_path(row)[-1] != leaf:
        return None
    return {f: decode_value(kb.findings[f], x) for f, x in zip(kb.finding_ids, row) if not math.isnan(x)}


def doctor_together_cases(predictor) -> list[dict]:
    """A case whose most likely cause is not a doctor cause though the doctor causes are together
    at least the threshold: the nearest above it that a case reaches."""
    kb = predictor.kb
    leaves = []
    for leaf in predictor.tree.leaves():
        info = predictor.leaf(leaf)
        together = sum(p for c, p in info.differential if c in kb.see_doctor_causes)
        if info.cause not in kb.see_doctor_causes and together >= kb.doctor_threshold:
            leaves.append((together, leaf))
    for _, leaf in sorted(leaves):
        case = case_reaching(predictor, leaf)
        if case is not None:
            return [case]
    return []


def _cases(X: np.ndarray, kb) -> list[dict]:
    from bicep_twitch.core.cases import decode_value

    findings = list(kb.findings.values())
    return [{f.id: decode_value(f, x) for f, x in zip(findings, row) if not math.isnan(x)} for row in X.tolist()]


def golden_inputs(kb, *, n_realistic: int = 120, n_full: int = 30) -> list[dict]:
    """Cases as people give them (few answers) and fully answered ones, and the edge cases."""
    from bicep_twitch.data.generate import TEST_STREAM, fully_answered_cases, iter_blocks
    from bicep_twitch.data.tables import compile_tables

    tables = compile_tables(kb)
    realistic = np.vstack([X for X, _ in iter_blocks(n_realistic, seed=11, stream=TEST_STREAM, tables=tables)])
    full, _ = fully_answered_cases(n_full, seed=11, tables=tables)
    return _cases(realistic, kb) + _cases(full, kb) + EDGE_CASES + rule_edge_cases(kb) + SCREEN_CASES


def result_fields(predictor, case: dict) -> dict[str, Any]:
    """Every field the page's ``predict`` gives, as Python gives it."""
    from bicep_twitch.core.cases import encode_case
    from bicep_twitch.core.triage import level_words
    from bicep_twitch.predict.result import used_answer_lines

    r = predictor.predict(case)
    top = r.reasons[0]

    def reason(x) -> dict[str, Any]:
        return {"finding": x.finding, "direction": x.direction, "odds_ratio": x.odds_ratio, "said": x.said,
                "source_cause": x.source_cause, "source": x.source_text}

    return {
        "cause": r.cause, "label": r.label, "probability": r.probability,
        "differential": [[c, p] for c, p in r.differential], "leaf": r.leaf,
        "path": predictor.tree.decision_path(encode_case(case, predictor.kb)),
        "triage": r.triage, "red_flags": list(r.red_flags),
        "triage_reasons": [x.to_dict() for x in r.triage_reasons], "how_soon": r.how_soon,
        "safety_net": r.safety_net, "not_counted": [x.id for x in r.not_counted],
        "action": level_words(predictor.kb, r.triage, r.how_soon), "advice": r.advice,
        "cause_reasons": {"cause": top.cause, "probability": top.probability,
                          "for": [reason(x) for x in top.supporting], "against": [reason(x) for x in top.opposing]},
        "summary": used_answer_lines(r),
        "surer": [{"finding": q.finding, "expected_change": q.expected_change} for q in r.open_questions],
    }


def walk_fields(predictor, case: dict) -> dict[str, Any]:
    """The whole questionnaire for a person who answers from ``case`` ("don't know" where it is silent)."""
    from bicep_twitch.core.cases import encode_case
    from bicep_twitch.core.triage import safety_reminder, screening_findings
    from bicep_twitch.predict.ask import EMERGENCY, SAFETY, SCREEN_QUESTION, screen_code, walk_tree

    kb, tree = predictor.kb, predictor.tree
    row = dict(zip(kb.finding_ids, encode_case(case, kb)))
    screen = screen_code(kb, row.__getitem__)
    walk = walk_tree(tree, kb, lambda f: screen if f.id == SCREEN_QUESTION else row[f.id], screen=True)
    known = walk.known(kb)
    unknown = [fid for fid in screening_findings(kb) if known.get(fid, math.nan) != known.get(fid, math.nan)]
    return {"emergency": [a.finding for a in walk.answers if a.asked_for == EMERGENCY],
            "questions": [a.finding for a in walk.answers if a.asked_for not in (SAFETY, EMERGENCY)],
            "screen": [a.finding for a in walk.answers if a.asked_for == SAFETY],
            "skipped": [s.finding for s in walk.skipped], "leaf": walk.leaf, "path": walk.path,
            "ended": walk.emergency, "safety_unknown": unknown,
            "reminder": "" if walk.emergency else safety_reminder(kb, unknown)}


def _step_fields(step) -> dict[str, Any]:
    return {"need": step.need, "phase": step.phase, "path": step.path, "leaf": step.leaf,
            "skipped": [{"finding": s.finding, "reason": s.reason} for s in step.skipped],
            "pending": step.pending, "opens_screen": step.opens_screen, "emergency": step.emergency}


def session_steps(predictor, case: dict, *, stop_at: tuple[str, int] | None = None, unknown_at: int | None = None,
                  overrides: dict[str, float] | None = None, description: str | None = None) -> dict:
    """A scripted session: answers from ``case`` (``overrides`` first, finding id -> code; the
    emergency screen answered as :func:`~bicep_twitch.predict.ask.screen_code` says); "don't
    know" at answer ``unknown_at``; "done" at ``stop_at`` = (phase, k): the k-th answer of that phase.
    With ``description`` the walk invites one (after the emergency screen) and takes the findings
    read from it (none with a precondition), as ``ask`` keeps them.

    Returns ``{"answers": [...], "steps": [...]}``: ``steps[i]`` is the next step after the first
    ``i`` answers (the last one says nothing more is asked).
    """
    from bicep_twitch.core.cases import encode_case, encode_value
    from bicep_twitch.core.describe import parse_description
    from bicep_twitch.predict.ask import DESCRIBE, DESCRIPTION, SCREEN_QUESTION, Answer, next_step, screen_code

    kb, tree = predictor.kb, predictor.tree
    row = dict(zip(kb.finding_ids, encode_case(case, kb)))
    row[SCREEN_QUESTION] = screen_code(kb, row.__getitem__)
    answers: list = []
    steps = []
    describe = description is not None
    while True:
        step = next_step(tree, kb, answers, describe=describe)
        steps.append(_step_fields(step))
        if step.need is None:
            break
        if step.need == DESCRIPTION:
            answers.append(Answer(DESCRIPTION, "", description, math.nan, asked_for=DESCRIBE))
            for e in parse_description(description).evidence:
                assert not kb.findings[e.finding].requires, e  # kept as read: no precondition to add
                steps.append(_step_fields(next_step(tree, kb, answers, describe=True)))
                answers.append(Answer(e.finding, "", e.text, encode_value(kb.findings[e.finding], e.value), asked_for=DESCRIBE))
            continue
        i = len(answers)
        stop = stop_at == (step.phase, sum(a.asked_for == step.phase for a in answers))
        code = math.nan if stop or i == unknown_at else (overrides or {}).get(step.need, row[step.need])
        answers.append(Answer(step.need, "", "", code, asked_for=step.phase, stop=stop))
    return {"case": case, "description": description,
            "answers": [{"finding": a.finding, "code": None if a.code != a.code else a.code,
                         "phase": a.asked_for, "stop": a.stop} for a in answers], "steps": steps}


def build_golden(predictor) -> dict[str, Any]:
    """Everything the page's logic must reproduce, from Python."""
    from bicep_twitch import InvalidCaseError

    kb = predictor.kb
    cases = golden_inputs(kb) + doctor_together_cases(predictor)
    errors = []
    for case in BAD_CASES:
        try:
            predictor.predict(case)
        except InvalidCaseError as exc:
            errors.append({"case": case, "error": str(exc)})
        else:
            raise AssertionError(f"{case} should be refused")
    sessions = []
    for i, case in enumerate(cases[:12]):
        sessions.append(session_steps(predictor, case, stop_at=("tree", i % 4) if i % 3 == 0 else None,
                                      unknown_at=i % 5 if i % 2 == 0 else None))
    # "done" at the first safety question: nothing more is asked; at the emergency screen: the tree comes.
    sessions.append(session_steps(predictor, cases[1], stop_at=("safety", 0)))
    sessions.append(session_steps(predictor, cases[2], stop_at=("emergency", 0)))
    sessions.append(session_steps(predictor, cases[3], stop_at=("emergency", 2)))
    # The emergency screen: an emergency ends it within three questions, an urgent sign does not,
    # a "no" answers every sign it fully covers; a yes to weakness brings how it came on.
    sessions += [session_steps(predictor, case) for case in SCREEN_CASES]
    # The description right after the emergency screen (and its details after a yes); a weakness
    # read from it brings how it came on next, asked as a question (sudden: the questions end).
    for case, text, screen in DESCRIBED:
        said = {} if screen is None else {"emergency_screen": screen}
        sessions.append(session_steps(predictor, case, description=text, overrides=said))
    # Follow-ups skipped, with their precondition unknown and denied: the first case whose walk
    # meets a follow-up, its precondition answered "don't know" and then the other way.
    follow_ups = {parent for f in kb.findings.values() for parent in f.requires}
    wanted = {"unknown": math.nan, "denied": 0.0}
    for case in cases:
        for why, code in list(wanted.items()):
            session = session_steps(predictor, case, overrides=dict.fromkeys(follow_ups, code))
            if any(step["skipped"] for step in session["steps"]):
                sessions.append(session)
                del wanted[why]
        if not wanted:
            break
    return {
        "predict": [{"case": case, "result": result_fields(predictor, case)} for case in cases],
        "errors": errors,
        "walks": [{"case": case, "walk": walk_fields(predictor, case)} for case in cases],
        "sessions": sessions,
    }


def differences(want: Any, got: Any, where: str = "") -> list[str]:
    """Where ``got`` differs from ``want``: numbers within :data:`REL_TOL`, everything else exactly."""
    if isinstance(want, float) or isinstance(got, float):
        if isinstance(want, (int, float)) and isinstance(got, (int, float)) and not isinstance(want, bool) \
                and not isinstance(got, bool) and math.isclose(want, got, rel_tol=REL_TOL, abs_tol=1e-15):
            return []
        return [f"{where}: want {want!r}, got {got!r}"]
    if isinstance(want, dict) and isinstance(got, dict):
        if set(want) != set(got):
            return [f"{where}: keys {sorted(want)} != {sorted(got)}"]
        return [d for k in want for d in differences(want[k], got[k], f"{where}.{k}")]
    if isinstance(want, (list, tuple)) and isinstance(got, (list, tuple)):
        if len(want) != len(got):
            return [f"{where}: {len(want)} items wanted, got {len(got)}: {got!r}"[:400]]
        return [d for i, (w, g) in enumerate(zip(want, got)) for d in differences(w, g, f"{where}[{i}]")]
    return [] if want == got and type(want) is type(got) else [f"{where}: want {want!r}, got {got!r}"[:400]]


def write_golden(golden: dict[str, Any], path: Path) -> Path:
    """The golden cases as JSON (no NaN: an unknown answer is null)."""
    path.write_text(json.dumps(golden, separators=(",", ":"), allow_nan=False), encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.path.insert(0, str(SRC))
    from bicep_twitch import Predictor

    print(f"wrote {write_golden(build_golden(Predictor.load()), Path(sys.argv[1]))}")
