"""The compiled spec: plain data, complete, and enough for the page to apply a new rule or level."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from bicep_twitch import Predictor
from bicep_twitch.core.cases import KINDS, kind_of
from bicep_twitch.core.spec import LEVEL_WORDS, LEVELS, compile_spec, triage_spec
from bicep_twitch.core.triage import flag_rules

from test_golden import _node

LOGIC = Path(__file__).resolve().parents[1] / "src" / "bicep_twitch" / "draw" / "explorer" / "logic.js"


@pytest.fixture(scope="module")
def predictor():
    return Predictor.load()


def test_the_spec_is_plain_json(predictor):
    spec = compile_spec(predictor.tree, predictor.kb)
    assert json.loads(json.dumps(spec, allow_nan=False)) == spec


def test_every_triage_rule_of_the_knowledge_base_is_in_the_spec_with_its_words_and_source(predictor):
    kb = predictor.kb
    rules = {r["id"]: r for r in triage_spec(kb)["rules"]}
    for flag in flag_rules(kb):
        rule = rules[flag.finding]
        assert (rule["finding"], rule["words"], rule["level"]) == (flag.finding, flag.text, "see_doctor")
        assert rule["source"]
    assert rules["doctor_causes_likely"]["value"] == kb.doctor_threshold
    assert rules["doctor_cause_first"]["value"] == list(kb.see_doctor_causes)


def test_every_level_has_words_and_every_rule_a_known_level(predictor):
    assert set(LEVEL_WORDS) == set(LEVELS)
    assert {r["level"] for r in triage_spec(predictor.kb)["rules"]} <= set(LEVELS)


def _page_knows(table: str) -> set[str]:
    """The keys of one of logic.js's tables (OPS or KINDS), read from its source."""
    source = LOGIC.read_text(encoding="utf-8")
    body = re.search(r"var " + table + r" = \{(.*?)\n  \};", source, re.S).group(1)
    return set(re.findall(r'^    "?([\w/]+)"?: ', body, re.M))


def test_the_page_knows_every_operator_and_kind_the_spec_uses(predictor):
    spec = compile_spec(predictor.tree, predictor.kb)
    assert {r["op"] for r in spec["triage"]["rules"]} <= _page_knows("OPS")
    assert {f["type"] for f in spec["findings"]} <= _page_knows("KINDS") == set(KINDS)


def test_each_kind_carries_its_words_into_the_spec(predictor):
    for f, entry in zip(predictor.kb.findings.values(), compile_spec(predictor.tree, predictor.kb)["findings"]):
        assert entry["allowed"] == kind_of(f).allowed(f) and entry["hint"] == kind_of(f).hint_words(f)
        assert ("skip" in entry) == bool(f.requires)


def test_a_new_rule_and_level_reach_the_page_with_no_change_to_its_script(predictor, tmp_path):
    """An ``urgent`` level and a rule for it, added to the spec only, change what the page says."""
    spec = compile_spec(predictor.tree, predictor.kb)
    spec["triage"]["levels"].append("urgent")
    spec["triage"]["level_words"]["urgent"] = "What to do: get medical advice today."
    spec["triage"]["rules"].append({"id": "spreading", "finding": "other_muscles_affected", "op": "eq", "value": 1.0,
                                    "level": "urgent", "words": "twitching in more than one place",
                                    "source": "a test"})
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    script = (f"const B = require({json.dumps(str(LOGIC))})(JSON.parse(require('fs').readFileSync({json.dumps(str(path))}, 'utf8')));"
              "const r = B.predict({other_muscles_affected: true, weakness: true}), s = B.predict({other_muscles_affected: false});"
              "console.log(JSON.stringify([r.triage, r.reasons, r.red_flags, s.triage]));")
    done = subprocess.run([_node(), "-e", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    level, reasons, flags, other = json.loads(done.stdout)
    assert level == "urgent" and "twitching in more than one place" in reasons and "the arm is weaker than usual" in reasons
    assert flags == ["weakness", "other_muscles_affected"] and other != "urgent"
