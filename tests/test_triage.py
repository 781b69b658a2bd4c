"""Triage: four urgency levels from the knowledge base's rules, each on its boundary, through the
predictor and the batch path; the exception after hard training; the safety net on every answer;
the guidance vignettes (tests/triage_vignettes.json); the rules as plain data for other runtimes."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from bicep_twitch import Predictor, generate_cases
from bicep_twitch.core.cases import encode_case
from bicep_twitch.core.knowledge import LEVELS
from bicep_twitch.core.triage import rules_as_data, screening_findings, triage

VIGNETTES = json.loads((Path(__file__).parent / "triage_vignettes.json").read_text(encoding="utf-8"))["vignettes"]
# With the toy tree this answer reaches the caffeine leaf (caffeine 0.8, stress 0.2): no doctor
# cause, so only the rule under test can raise the level.
QUIET = {"caffeine_cups_per_day": 7}


def rank(level: str) -> int:
    return LEVELS.index(level)


def boundary(kb, rule):
    """Answers on each side of ``rule``'s boundary: the least that fires it and the most that does not."""
    f = kb.findings[rule.finding]
    if rule.rule == "yes":
        return True, False
    if rule.rule == "more_than":
        return rule.value + f.step, rule.value
    other = next(c for c in f.choices if c != rule.value)
    return rule.value, other


def parents(kb, fid):
    """A follow-up finding needs its parent's yes (weakness before how it came on)."""
    return {parent: True for parent in kb.findings[fid].requires}


def boundary_cases(kb):
    """For every finding rule: (rule, case that fires it, case just short of it, case with the parents only)."""
    for rule in kb.red_flags + kb.medicine_flags:
        hit, miss = boundary(kb, rule)
        base = {**QUIET, **parents(kb, rule.finding)}
        yield rule, {**base, rule.finding: hit}, {**base, rule.finding: miss}, base


def test_every_rule_on_its_boundary_through_the_predictor(toy, kb):
    seen = set()
    for rule, hit, miss, base in boundary_cases(kb):
        alone = toy.predict(base)
        fired = toy.predict(hit)
        assert rule.id in [r.rule for r in fired.triage_reasons], rule.id
        assert rule.finding in fired.red_flags
        # The level is the rule's, or the parent's rules' when those are more urgent.
        assert fired.triage == LEVELS[max(rank(rule.level), rank(alone.triage))], rule.id
        reason = next(r for r in fired.triage_reasons if r.rule == rule.id)
        assert (reason.level, reason.text, reason.how_soon) == (rule.level, rule.text, rule.how_soon)
        assert reason.source.url.startswith("https://") or reason.source.name in ("article", "general knowledge")
        short = toy.predict(miss)
        assert rule.id not in [r.rule for r in short.triage_reasons], rule.id
        if rule.rule == "equals":  # another choice may fire its own rule (weakness over days, not sudden)
            assert rank(short.triage) == max([rank(alone.triage)] + [rank(r.level) for r in short.triage_reasons])
        else:
            assert short.triage == alone.triage, rule.id
        seen.add(rule.level)
    assert seen == {"see_doctor", "urgent", "emergency"}


def test_every_rule_on_its_boundary_through_the_batch_path(toy, kb):
    cases = [c for _, hit, miss, base in boundary_cases(kb) for c in (hit, miss, base)]
    preds = toy.predict_many(cases)
    table = preds.to_frame(explain=False)
    for k, case in enumerate(cases):
        one = toy.predict(case)
        row = table.iloc[k]
        assert (row["triage"], row["red_flags"], row["safety_net"]) == (one.triage, ";".join(one.red_flags),
                                                                        one.safety_net), case
        assert row["triage_reasons"] == "; ".join(f"{r.rule} ({r.level}, {r.how_soon})" for r in one.triage_reasons)
        assert preds[k].to_dict() == one.to_dict()


def test_a_twitch_in_more_than_one_place_for_five_days_is_see_doctor(default):
    result = default.predict({"other_muscles_affected": True, "duration_days": 5})
    assert result.triage == "see_doctor" and "other_muscles_affected" in result.red_flags
    reason = next(r for r in result.triage_reasons if r.finding == "other_muscles_affected")
    assert reason.source.name == "NHS" and reason.how_soon == "within 2 weeks"
    assert "within 2 weeks" in result.safety_net


# -- after hard training ---------------------------------------------------------------------


@pytest.mark.parametrize("symptom", ["weakness", "stiffness"])
def test_weakness_or_stiffness_the_day_after_training_does_not_raise_the_level(toy, kb, symptom):
    after = {**QUIET, "recent_arm_workout": True, symptom: True}
    waived = toy.predict({**after, "duration_days": 2})
    assert (waived.triage, waived.red_flags) == ("self_care", ())
    assert [r.finding for r in waived.not_counted] == [symptom]
    assert "Not counted on its own" in waived.text()
    assert waived.to_dict()["not_counted"][0]["because"] == kb.triage_exceptions["after_training"].text
    # Each condition of the exception is needed: a day longer, no workout, or how long unknown.
    for other in ({"duration_days": 2.25}, {"duration_days": 2, "recent_arm_workout": False}, {}):
        counted = toy.predict({**after, **other})
        assert (counted.triage, counted.red_flags, counted.not_counted) == ("see_doctor", (symptom,), ()), other


def test_the_training_exception_never_waives_another_rule(toy, kb):
    after = {**QUIET, "recent_arm_workout": True, "duration_days": 1, "weakness": True, "stiffness": True}
    assert toy.predict(after).triage == "self_care"
    for extra in ({"atrophy": True}, {"numbness_tingling": True}, {"other_muscles_affected": True}):
        result = toy.predict({**after, **extra})
        assert result.triage == "see_doctor" and result.red_flags == tuple(extra)
    waived = [r for r in kb.red_flags if r.unless == "after_training"]
    assert {r.finding for r in waived} == {"weakness", "stiffness"}


@pytest.mark.skipif("weakness_onset" not in Predictor.load().kb.findings, reason="needs the KB v3 findings")
@pytest.mark.parametrize("onset, level", [("sudden", "emergency"), ("days", "urgent"), ("months", "see_doctor")])
def test_how_the_weakness_came_on_counts_even_after_training(toy, onset, level):
    case = {**QUIET, "recent_arm_workout": True, "duration_days": 1, "weakness": True, "weakness_onset": onset}
    result = toy.predict(case)
    assert result.triage == level and "weakness_onset" in result.red_flags
    assert [r.finding for r in result.not_counted] == ["weakness"]  # the plain weakness rule is waived
    # A follow-up given alone means its parent: the onset still counts.
    assert toy.predict({**QUIET, "weakness_onset": onset}).triage == level
    advice = "Advice for the likely cause, once you have had that help: " if level != "see_doctor" else "Advice: "
    assert advice + result.advice in result.text()


# -- the safety net --------------------------------------------------------------------------


def test_no_answer_without_a_safety_net(default, kb):
    frame = generate_cases(3000, seed=5).drop(columns=["cause"])
    table = default.predict_many(frame).to_frame(explain=False)
    assert (table["safety_net"].str.len() > 40).all()
    assert set(table["triage"]) >= {"self_care", "see_doctor"}
    for level, nets in table.groupby("triage")["safety_net"]:
        for net in set(nets):
            if level == "self_care":
                assert "two weeks" in net and "weak" in net and "spreads" in net
            if level == "see_doctor":
                assert any(when in net for when in kb.how_soon[2:])  # how soon, in the rule's words
            if level in ("urgent", "emergency"):
                assert all(n in net for n in ("999", "112", "911", "local emergency number"))
    for level in LEVELS:  # every level's sentence, whether or not these cases reach it
        assert "999 (UK), 112 (EU) or 911 (US), or your local emergency number" in kb.triage_levels[level].safety_net


def test_self_care_text_says_when_to_come_back(default):
    text = default.predict({"caffeine_cups_per_day": 6, "duration_days": 3}).text()
    assert "What to do: self-care is reasonable." in text
    assert "Safety net: See a GP if it is still there after two weeks, sooner if the arm gets weak" in text


# -- the guidance vignettes ------------------------------------------------------------------


def _vignette_ids():
    return [v["name"] for v in VIGNETTES]


@pytest.mark.parametrize("vignette", VIGNETTES, ids=_vignette_ids())
def test_guidance_vignettes(default, vignette):
    missing = set(vignette["case"]) - set(default.kb.findings)
    if missing:
        pytest.skip(f"needs the KB v3 findings {sorted(missing)}")
    result = default.predict(vignette["case"])
    assert rank(result.triage) >= rank(vignette["at_least"]), (result.triage, result.triage_reasons)
    if "at_most" in vignette:
        assert rank(result.triage) <= rank(vignette["at_most"]), (result.triage, result.triage_reasons)
    assert result.safety_net


def test_vignettes_cover_every_level_and_each_has_its_source():
    assert {v["at_least"] for v in VIGNETTES} == set(LEVELS)
    for v in VIGNETTES:
        source = v["source"]
        assert source.get("general_knowledge") or (source["url"].startswith("https://") and source["says"]), v["name"]


def test_vignettes_through_the_batch_path(default):
    usable = [v for v in VIGNETTES if set(v["case"]) <= set(default.kb.findings)]
    table = default.predict_many([v["case"] for v in usable]).to_frame(explain=False)
    for v, level in zip(usable, table["triage"]):
        assert rank(level) >= rank(v["at_least"]), v["name"]


# -- the rules as data -----------------------------------------------------------------------


def apply_plain_rules(spec, row, differential):
    """A second evaluator that reads only ``rules_as_data``: what another runtime would write."""
    code = {fid: x for fid, x in row.items()}

    def passes(c):
        x = code.get(c["finding"], math.nan)
        test = {"yes": lambda: x == c["code"], "more_than": lambda: x > c["code"],
                "at_most": lambda: x <= c["code"], "equals": lambda: x == c["code"]}[c["test"]]
        return test()

    exceptions = {e["id"]: e for e in spec["exceptions"]}
    fired = [r for r in spec["rules"]
             if passes(r) and not (r["unless"] and all(passes(c) for c in exceptions[r["unless"]]["all"]))]
    levels = [lv["id"] for lv in spec["levels"]]
    d = spec["doctor_causes"]
    doctor = differential[0][0] in d["causes"] or sum(p for c, p in differential if c in d["causes"]) >= d["at_least"]
    given = [(r["level"], r["how_soon"]) for r in fired] + ([(d["level"], d["how_soon"])] if doctor else [])
    level = max((lv for lv, _ in given), key=levels.index, default=levels[0])
    how_soon = min((w for lv, w in given if lv == level), key=spec["how_soon"].index, default="")
    net = next(lv["safety_net"] for lv in spec["levels"] if lv["id"] == level).format(how_soon=how_soon)
    return level, net, [r["id"] for r in fired]


def test_the_rules_as_data_are_all_another_runtime_needs(default, kb):
    spec = json.loads(json.dumps(rules_as_data(kb)))  # plain JSON types only
    cases = [c for _, hit, miss, _ in boundary_cases(kb) for c in (hit, miss)]
    cases += [v["case"] for v in VIGNETTES if set(v["case"]) <= set(kb.findings)]
    levels = set()
    for preds in (default.predict_many(generate_cases(1500, seed=9).drop(columns=["cause"])),
                  default.predict_many(cases)):
        assert not preds.errors
        for k in range(len(preds)):
            result = preds[k]
            row = dict(zip(kb.finding_ids, preds.X[k].tolist()))
            level, net, fired = apply_plain_rules(spec, row, result.differential)
            assert (level, net) == (result.triage, result.safety_net), result.answers
            assert sorted(fired) == sorted(r.rule for r in result.triage_reasons if r.finding is not None)
            levels.add(level)
    assert levels >= {"self_care", "see_doctor"}


def test_the_screen_asks_every_rule_finding_but_follow_ups(kb):
    screen = screening_findings(kb)
    assert "other_muscles_affected" in screen
    assert all(not kb.findings[f].requires for f in screen)
    assert set(screen) == {r.finding for r in kb.red_flags + kb.medicine_flags if not kb.findings[r.finding].requires}


def test_one_function_serves_one_case_and_columns(kb):
    X = np.array([encode_case(c, kb) for c in ({"weakness": True}, {"duration_days": 14}, {"duration_days": 14.25},
                                                {"weakness": True, "recent_arm_workout": True, "duration_days": 1})])
    index = {fid: j for j, fid in enumerate(kb.finding_ids)}
    with np.errstate(invalid="ignore"):
        many = triage(kb, is_top=lambda c: np.zeros(len(X), bool), probability=lambda c: np.zeros(len(X)),
                      answer=lambda fid: X[:, index[fid]])
    for k in range(len(X)):
        one = triage(kb, is_top=lambda c: False, probability=lambda c: 0.0, answer=lambda fid: X[k, index[fid]])
        assert many.case(k).level == one.level and many.case(k).red_flags == one.red_flags
        assert many.case(k).not_counted == one.not_counted
    assert [LEVELS[r] for r in many.rank.tolist()] == ["see_doctor", "self_care", "see_doctor", "self_care"]


def test_a_rule_changed_in_the_knowledge_base_changes_the_answer(toy, kb):
    """Rules are data: moving one rule's level moves the answer, with no code changed."""
    rules = tuple(dataclasses.replace(r, level="urgent", how_soon="today") if r.id == "numbness_tingling" else r
                  for r in kb.red_flags)
    changed = Predictor(toy.tree, dataclasses.replace(kb, red_flags=rules), toy.metadata, toy.model_dir)
    result = changed.predict({**QUIET, "numbness_tingling": True})
    assert (result.triage, result.how_soon) == ("urgent", "today")
    assert "999 (UK), 112 (EU) or 911 (US)" in result.safety_net and "get medical advice today" in result.text()
    assert toy.predict({**QUIET, "numbness_tingling": True}).triage == "see_doctor"
