"""Golden cases: inputs and every output field Python gives, for the page's logic to be held to.

``build_golden(predictor)`` plays cases through Python: ``predict`` (cause, differential, triage
with its reasons and advice, the reasons for and against, the path's answers, the open
questions), bad cases (the error message), whole questionnaires answered from a case, and the
questionnaire's next step after every answer of some scripted sessions ("don't know", "done" in
the tree and in the safety screen, follow-ups skipped). ``tests/test_golden.py`` writes them to a
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
    # a medicine flagged where the medicine itself is the likely cause: no second prescriber advice
    {"recent_arm_workout": False, "other_muscles_affected": False, "weakness": False, "excessive_sweating": False,
     "takes_diuretic": True},
]


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
    return _cases(realistic, kb) + _cases(full, kb) + EDGE_CASES


def result_fields(predictor, case: dict) -> dict[str, Any]:
    """Every field the page's ``predict`` gives, as Python gives it."""
    from bicep_twitch.core.cases import encode_case
    from bicep_twitch.core.triage import triage_reasons
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
        "reasons": triage_reasons(predictor.kb, r.cause, r.red_flags, r.differential), "advice": r.advice,
        "cause_reasons": {"cause": top.cause, "probability": top.probability,
                          "for": [reason(x) for x in top.supporting], "against": [reason(x) for x in top.opposing]},
        "summary": used_answer_lines(r),
        "surer": [{"finding": q.finding, "expected_change": q.expected_change} for q in r.open_questions],
    }


def walk_fields(predictor, case: dict) -> dict[str, Any]:
    """The whole questionnaire for a person who answers from ``case`` ("don't know" where it is silent)."""
    from bicep_twitch.core.cases import encode_case
    from bicep_twitch.predict.ask import SAFETY, walk_tree

    kb, tree = predictor.kb, predictor.tree
    row = dict(zip(kb.finding_ids, encode_case(case, kb)))
    walk = walk_tree(tree, kb, lambda f: row[f.id], screen=True)
    return {"questions": [a.finding for a in walk.answers if a.asked_for != SAFETY],
            "screen": [a.finding for a in walk.answers if a.asked_for == SAFETY],
            "skipped": [s.finding for s in walk.skipped], "leaf": walk.leaf, "path": walk.path}


def _step_fields(step) -> dict[str, Any]:
    return {"need": step.need, "phase": step.phase, "path": step.path, "leaf": step.leaf,
            "skipped": [{"finding": s.finding, "reason": s.reason} for s in step.skipped],
            "pending": step.pending, "opens_screen": step.opens_screen}


def session_steps(predictor, case: dict, *, stop_at: int | None = None, unknown_at: int | None = None,
                  overrides: dict[str, float] | None = None) -> dict:
    """A scripted session: answers from ``case`` (``overrides`` first, finding id -> code); "don't
    know" at answer ``unknown_at``; "done" at ``stop_at``.

    Returns ``{"answers": [...], "steps": [...]}``: ``steps[i]`` is the next step after the first
    ``i`` answers (the last one says nothing more is asked).
    """
    from bicep_twitch.core.cases import encode_case
    from bicep_twitch.predict.ask import Answer, next_step

    kb, tree = predictor.kb, predictor.tree
    row = dict(zip(kb.finding_ids, encode_case(case, kb)))
    answers: list = []
    steps = []
    while True:
        step = next_step(tree, kb, answers)
        steps.append(_step_fields(step))
        if step.need is None:
            break
        i = len(answers)
        code = math.nan if i in (stop_at, unknown_at) else (overrides or {}).get(step.need, row[step.need])
        answers.append(Answer(step.need, "", "", code, asked_for=step.phase, stop=i == stop_at))
    return {"answers": [{"finding": a.finding, "code": None if a.code != a.code else a.code, "phase": a.asked_for,
                         "stop": a.stop} for a in answers], "steps": steps}


def build_golden(predictor) -> dict[str, Any]:
    """Everything the page's logic must reproduce, from Python."""
    from bicep_twitch import InvalidCaseError

    kb = predictor.kb
    cases = golden_inputs(kb)
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
        sessions.append(session_steps(predictor, case, stop_at=(i % 4) + 1 if i % 3 == 0 else None,
                                      unknown_at=i % 5 if i % 2 == 0 else None))
    # "done" at the first safety question: nothing more is asked.
    sessions.append(session_steps(predictor, cases[1], stop_at=_first_safety(sessions[1])))
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


def _first_safety(session: dict) -> int:
    return next(i for i, step in enumerate(session["steps"]) if step["phase"] == "safety")


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
