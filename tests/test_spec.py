"""The compiled spec: plain data, complete, and enough for the page to apply a new rule or level."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from bicep_twitch import Predictor
from bicep_twitch.core.cases import KINDS, kind_of
from bicep_twitch.core.spec import compile_spec
from bicep_twitch.core.triage import LEVELS, finding_rules, rules_as_data

from golden import node_or_skip

LOGIC = Path(__file__).resolve().parents[1] / "src" / "bicep_twitch" / "draw" / "explorer" / "logic.js"


@pytest.fixture(scope="module")
def predictor():
    return Predictor.load()


def test_the_spec_is_plain_json(predictor):
    spec = compile_spec(predictor.tree, predictor.kb)
    assert json.loads(json.dumps(spec, allow_nan=False)) == spec


def test_the_spec_carries_the_one_representation_of_the_triage_rules(predictor):
    """The page reads the very rules Python applies (rules_as_data), every one with its words and source."""
    kb = predictor.kb
    spec = compile_spec(predictor.tree, kb)["triage"]
    assert spec == rules_as_data(kb)
    rules = {r["id"]: r for r in spec["rules"]}
    for rule in finding_rules(kb):
        got = rules[rule.id]
        assert (got["finding"], got["text"], got["level"], got["how_soon"]) == (rule.finding, rule.text, rule.level, rule.how_soon)
        assert got["source"]["name"] and got["source"]["says"]
    assert spec["doctor_causes"]["at_least"] == kb.doctor_threshold
    assert spec["doctor_causes"]["causes"] == list(kb.see_doctor_causes)


def test_every_level_has_words_and_every_rule_a_known_level(predictor):
    spec = rules_as_data(predictor.kb)
    assert [lv["id"] for lv in spec["levels"]] == list(LEVELS)
    assert all(lv["text"] and lv["safety_net"] for lv in spec["levels"])
    assert {r["level"] for r in spec["rules"]} <= set(LEVELS)
    assert {r["how_soon"] for r in spec["rules"]} <= set(spec["how_soon"])


def _page_knows(table: str) -> set[str]:
    """The keys of one of logic.js's tables (OPS or KINDS), read from its source."""
    source = LOGIC.read_text(encoding="utf-8")
    body = re.search(r"var " + table + r" = \{(.*?)\n  \};", source, re.S).group(1)
    return set(re.findall(r'^    "?([\w/]+)"?: ', body, re.M))


def test_the_page_knows_every_operator_and_kind_the_spec_uses(predictor):
    spec = compile_spec(predictor.tree, predictor.kb)
    tests = {r["test"] for r in spec["triage"]["rules"]} | {c["test"] for e in spec["triage"]["exceptions"] for c in e["all"]}
    assert tests <= _page_knows("TESTS")
    assert {f["type"] for f in spec["findings"]} <= _page_knows("KINDS") == set(KINDS)


def test_each_kind_carries_its_words_into_the_spec(predictor):
    for f, entry in zip(predictor.kb.findings.values(), compile_spec(predictor.tree, predictor.kb)["findings"]):
        assert entry["allowed"] == kind_of(f).allowed(f) and entry["hint"] == kind_of(f).hint_words(f)
        assert ("skip" in entry) == bool(f.requires)


def test_a_new_rule_reaches_the_page_with_no_change_to_its_script(predictor, tmp_path):
    """An ``urgent`` rule added to the spec only changes what the page says: level, how soon, safety net."""
    spec = compile_spec(predictor.tree, predictor.kb)
    spec["triage"]["rules"].append({"id": "spreading", "finding": "other_muscles_affected", "test": "yes", "value": None,
                                    "code": 1.0, "level": "urgent", "how_soon": "today", "unless": None,
                                    "prescriber": False, "text": "twitching in more than one place",
                                    "source": {"name": "a test", "says": "", "url": ""}})
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    script = (f"const B = require({json.dumps(str(LOGIC))})(JSON.parse(require('fs').readFileSync({json.dumps(str(path))}, 'utf8')));"
              "const r = B.predict({other_muscles_affected: true, weakness: true}), s = B.predict({other_muscles_affected: false});"
              "console.log(JSON.stringify([r.triage, r.triage_reasons.map((x) => x.text), r.red_flags, r.how_soon, r.safety_net, s.triage]));")
    node = node_or_skip("the page's triage rules")
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    level, reasons, flags, how_soon, net, other = json.loads(done.stdout)
    assert level == "urgent" and reasons[0] == "twitching in more than one place" and "the arm is weaker than usual" in reasons
    assert flags == ["weakness", "other_muscles_affected"] and how_soon == "today"
    assert net == predictor.kb.triage_levels["urgent"].safety_net and other != "urgent"
